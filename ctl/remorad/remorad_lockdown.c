/* remorad's lockdown, after its sockets are bound and its tables made.
 *
 * Capabilities: remorad serves the peers of its own uid: it reads
 * /proc/<pid>/maps of their processes, maps the arena fds they give it,
 * and writes traces where its user may. A non-root remorad has nothing to
 * drop (it checks the sets are empty). A root remorad keeps CAP_SYS_PTRACE
 * only, permitted and effective: the kernel's ptrace access check on
 * /proc/<pid>/maps refuses a reader whose capabilities are not a superset
 * of the target's, and root apps hold the full set, so without it remorad
 * could neither tell whether a tree whose helper died still runs (it
 * would free chunks under a live producer) nor list untraceable root
 * processes. The ptrace() syscall itself is not in the filter below.
 * Everything else goes, bounding and ambient sets included; a root
 * remorad therefore cannot write into a directory root does not own
 * (no CAP_DAC_OVERRIDE): `create -o` says so.
 *
 * Syscalls: an allow-list of what the loop uses (poll, accept, recvmsg,
 * sendmsg, reading /proc and writing traces, mapping arenas, clocks);
 * anything else fails with EPERM (not a kill: a daemon that loses an
 * unexpected call keeps its sessions and reports the error). */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ctl/remorad/remorad.h"

static int drop_caps(char *err, size_t errlen)
{
	cap_t cur = cap_get_proc();
	cap_flag_value_t setpcap = CAP_CLEAR, ptrace = CAP_CLEAR;
	if (cur) {
		cap_get_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap);
		cap_get_flag(cur, CAP_SYS_PTRACE, CAP_PERMITTED, &ptrace);
	}
	cap_free(cur);
	bool keep_ptrace = getuid() == 0 && ptrace == CAP_SET;
	if (setpcap == CAP_SET)
		for (cap_value_t v = 0; v <= CAP_LAST_CAP; v++)
			if (CAP_IS_SUPPORTED(v) && !(keep_ptrace && v == CAP_SYS_PTRACE) &&
			    cap_drop_bound(v) < 0) {
				snprintf(err, errlen, "cannot drop capability %d from the bounding "
						      "set: %s", (int)v, strerror(errno));
				return -1;
			}
	if (CAP_AMBIENT_SUPPORTED())
		cap_reset_ambient();
	cap_t keep = cap_init();
	cap_value_t pt = CAP_SYS_PTRACE;
	if (keep && keep_ptrace) {
		cap_set_flag(keep, CAP_PERMITTED, 1, &pt, CAP_SET);
		cap_set_flag(keep, CAP_EFFECTIVE, 1, &pt, CAP_SET);
	}
	int r = keep ? cap_set_proc(keep) : -1;
	cap_free(keep);
	if (r < 0) {
		snprintf(err, errlen, "cannot clear capabilities: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static const char *const allowed[] = {
	/* the loop and its sockets */
	"poll", "ppoll", "accept", "accept4", "recvmsg", "recvfrom", "sendmsg", "sendto",
	"getsockopt", "setsockopt", "shutdown", "close", "fcntl",
	/* traces and the session file */
	"openat", "open", "read", "pread64", "write", "writev", "pwrite64", "pwritev", "lseek",
	"fstat", "newfstatat", "stat", "lstat", "statx", "fstatfs", "mkdir", "mkdirat", "rename",
	"renameat", "renameat2", "unlink", "unlinkat", "fchmod", "ftruncate", "fsync", "fdatasync",
	"access", "faccessat", "faccessat2", "getdents64", "readlink", "readlinkat", "umask",
	/* arenas and memory */
	"mmap", "munmap", "mremap", "mprotect", "madvise", "brk",
	/* /proc scans, identities, time */
	"getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "uname",
	"clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
	/* signals, threads of liburcu, exit */
	"rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "futex", "membarrier", "sched_yield",
	"getrandom", "restart_syscall", "exit", "exit_group",
	/* a session's shipper (ctl/ship/, libnats): its threads, TCP (and TLS)
	 * to the NATS servers, name resolution */
	"clone", "clone3", "set_robust_list", "rseq", "socket", "connect", "getsockname",
	"getpeername", "bind", "select", "pselect6", "sendmmsg", "recvmmsg", "ioctl",
	/* ASan, as each new thread starts, aborts when these fail:
	 * pthread_getattr_np (glibc) reads the CPU mask; its own signal stack */
	"sched_getaffinity", "sigaltstack",
};

static int load_filter(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0) {
			snprintf(err, errlen, "seccomp rule for %s: %s", allowed[i], strerror(-r));
			seccomp_release(ctx);
			return -1;
		}
	}
	int r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0) {
		snprintf(err, errlen, "cannot load the seccomp filter: %s", strerror(-r));
		return -1;
	}
	return 0;
}

/* ASan builds only (LeakSanitizer calls it at exit; other builds never do):
 * the leak check clones a tracer task that calls getppid and ptrace, which
 * the filter refuses; the tracer exits early and the check then spins
 * forever waiting for it, so remorad never exits. Off once the filter is
 * loaded. */
static bool filter_loaded;
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return filter_loaded;
}

int remorad_lockdown(char *err, size_t errlen)
{
	if (drop_caps(err, errlen) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (load_filter(err, errlen) < 0)
		return -1;
	filter_loaded = true;
	return 0;
}
