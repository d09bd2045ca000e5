/* The helper's seccomp allow-list as seen by a locked-down child: allowed
 * calls work, anything else kills the whole child with SIGSYS even though
 * it blocks every signal (helper/ALLOWLIST.md). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "child.h"
#include "helper/lockdown.h"
#include "shm/rsys.h"

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

typedef long (*op_fn)(void);

static long op_unix_socket(void)
{
	long fd = rsys(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		rsys(SYS_close, fd);
	return fd;
}

static long op_read_proc_status(void)
{
	char buf[64];
	long fd = rsys(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fd;
	long n = rsys(SYS_read, fd, buf, sizeof buf);
	rsys(SYS_close, fd);
	return n > 0 ? 0 : -1;
}

static long op_mmap_rw(void)
{
	long p = rsys(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p < 0 && p > -4096)
		return p;
	*(volatile char *)p = 1;
	return rsys(SYS_munmap, p, 4096);
}

static long op_pidfd_of_parent(void)
{
	long fd = rsys(SYS_pidfd_open, rsys(SYS_getppid), 0);
	if (fd >= 0)
		rsys(SYS_close, fd);
	return fd;
}

static long op_clock_gettime(void)
{
	struct timespec ts;
	/* raw, not the vDSO: it must pass the filter */
	return rsys(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
}

static long op_inet_socket(void)
{
	return rsys(SYS_socket, AF_INET, SOCK_STREAM, 0);
}

static long op_netlink_socket(void)
{
	return rsys(SYS_socket, AF_NETLINK, SOCK_RAW, 0);
}

static long op_open_write(void)
{
	return rsys(SYS_openat, AT_FDCWD, "/dev/null", O_WRONLY);
}

static long op_open_rdwr(void)
{
	return rsys(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR);
}

static long op_open_creat(void)
{
	return rsys(SYS_openat, AT_FDCWD, "/tmp/remora-helper-test", O_RDONLY | O_CREAT, 0600);
}

static long op_open_trunc(void)
{
	return rsys(SYS_openat, AT_FDCWD, "/tmp/remora-helper-test", O_RDONLY | O_TRUNC);
}

static long op_mmap_exec(void)
{
	return rsys(SYS_mmap, 0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static long op_mprotect(void)
{
	static char page[4096] __attribute__((aligned(4096)));
	return rsys(SYS_mprotect, page, sizeof page, PROT_READ);
}

static long op_execve(void)
{
	static char *const argv[] = {"/bin/true", NULL};
	return rsys(SYS_execve, "/bin/true", argv, argv + 1);
}

static long op_unblock_signals(void)
{
	uint64_t none = 0;
	return rsys(SYS_rt_sigprocmask, SIG_SETMASK, &none, 0, sizeof none);
}

static long op_kill_parent(void)
{
	return rsys(SYS_kill, rsys(SYS_getppid), 0);
}

static long op_fork(void)
{
	return rsys(SYS_clone, SIGCHLD, 0, 0, 0, 0);
}

static long op_ptrace(void)
{
	return rsys(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
}

static long op_x32_getpid(void)
{
	/* the x32 ABI shares the x86_64 audit arch: only the number differs */
	return rsys(__X32_SYSCALL_BIT | SYS_getpid);
}

static int filter_child(void *arg, int wfd)
{
	op_fn op = (op_fn)arg;
	enum rm_lockdown_step step;
	struct rmt_report r = {rm_lockdown(&wfd, 1, &step), (int)step};
	rmt_send(wfd, &r, sizeof r);
	if (r.rc != 0)
		return 2;
	long rc = op();
	rmt_send(wfd, &rc, sizeof rc);
	return 0;
}

/* Returns the child's wait status; fails unless lockdown succeeded. */
static int run_op(op_fn op, long *rc, int *reported)
{
	struct rmt_child c = rmt_spawn(filter_child, (void *)op);
	assert_true(c.pid > 0);
	struct rmt_report r;
	assert_int_equal(rmt_read(&c, &r, sizeof r), 0);
	assert_int_equal(r.rc, 0);
	*reported = rmt_read(&c, rc, sizeof *rc) == 0;
	return rmt_finish(&c, 0);
}

static void expect_allowed(op_fn op)
{
	long rc = -1;
	int reported;
	int st = run_op(op, &rc, &reported);
	if (WIFSIGNALED(st))
		fail_msg("allowed call killed the child with signal %d", WTERMSIG(st));
	assert_true(reported);
	if (rc < 0)
		fail_msg("allowed call failed: %ld", rc);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void expect_sigsys(op_fn op)
{
	long rc = 0;
	int reported;
	int st = run_op(op, &rc, &reported);
	if (reported)
		fail_msg("forbidden call returned %ld instead of killing the child", rc);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

#define ALLOWED(name)                                                                        \
	static void allows_##name(void **s)                                                  \
	{                                                                                    \
		(void)s;                                                                     \
		expect_allowed(op_##name);                                                   \
	}
#define FORBIDDEN(name)                                                                      \
	static void kills_##name(void **s)                                                   \
	{                                                                                    \
		(void)s;                                                                     \
		expect_sigsys(op_##name);                                                    \
	}

ALLOWED(unix_socket)
ALLOWED(read_proc_status)
ALLOWED(mmap_rw)
ALLOWED(pidfd_of_parent)
ALLOWED(clock_gettime)
FORBIDDEN(inet_socket)
FORBIDDEN(netlink_socket)
FORBIDDEN(open_write)
FORBIDDEN(open_rdwr)
FORBIDDEN(open_creat)
FORBIDDEN(open_trunc)
FORBIDDEN(mmap_exec)
FORBIDDEN(mprotect)
FORBIDDEN(execve)
FORBIDDEN(unblock_signals)
FORBIDDEN(kill_parent)
FORBIDDEN(fork)
FORBIDDEN(ptrace)
FORBIDDEN(x32_getpid)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allows_unix_socket),
		cmocka_unit_test(allows_read_proc_status),
		cmocka_unit_test(allows_mmap_rw),
		cmocka_unit_test(allows_pidfd_of_parent),
		cmocka_unit_test(allows_clock_gettime),
		cmocka_unit_test(kills_inet_socket),
		cmocka_unit_test(kills_netlink_socket),
		cmocka_unit_test(kills_open_write),
		cmocka_unit_test(kills_open_rdwr),
		cmocka_unit_test(kills_open_creat),
		cmocka_unit_test(kills_open_trunc),
		cmocka_unit_test(kills_mmap_exec),
		cmocka_unit_test(kills_mprotect),
		cmocka_unit_test(kills_execve),
		cmocka_unit_test(kills_unblock_signals),
		cmocka_unit_test(kills_kill_parent),
		cmocka_unit_test(kills_fork),
		cmocka_unit_test(kills_ptrace),
		cmocka_unit_test(kills_x32_getpid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
