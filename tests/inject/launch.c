#define _GNU_SOURCE
#include "launch.h"
#include "stage.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool lt_under_valgrind(void)
{
	const char *v = getenv("REMORA_UNDER_VALGRIND");
	return v && *v == '1';
}

double lt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void deny_clone(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 0) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) < 0 ||
	    seccomp_load(ctx) < 0)
		_exit(126);
	seccomp_release(ctx);
}

int lt_start(struct lt_proc *p, char *const argv[], const struct lt_opts *o)
{
	static const struct lt_opts none;
	if (!o)
		o = &none;
	/* uid 65534 runs a copy it can reach, wherever the checkout is */
	const char *exe = o->nproc_zero ? lt_stage(argv[0]) : argv[0];
	if (!exe)
		return -1;
	int in[2], out[2], err[2];
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		syscall(SYS_close_range, 3, ~0U, 0); /* nothing from ctest */
		setsid(); /* kill(0, ...) in the probe must not reach the test */
		sigset_t all;
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (o->signals) {
			sigset_t s;
			sigemptyset(&s);
			sigaddset(&s, SIGUSR1);
			sigprocmask(SIG_BLOCK, &s, NULL);
			signal(SIGUSR2, SIG_IGN);
		}
		/* sanitizer builds: record preloads libremora before the ASan
		 * runtime, and LSan's exit check needs clone() (denied below) */
		setenv("ASAN_OPTIONS", "verify_asan_link_order=0:detect_leaks=0", 0);
		for (int i = 0; i < 8 && o->env[i]; i++)
			putenv((char *)o->env[i]);
		if (o->nproc_zero) {
			struct rlimit rl = { 0, 0 };
			setenv("LD_LIBRARY_PATH", lt_stage_dir(), 1);
			if (setgroups(0, NULL) || setgid(65534) || setuid(65534) ||
			    access(exe, X_OK) || setrlimit(RLIMIT_NPROC, &rl))
				_exit(77);
		}
		if (o->deny_clone)
			deny_clone();
		char *args[64];
		int n = 0;
		if (o->valgrind && lt_under_valgrind()) {
			args[n++] = (char *)VALGRIND_BIN;
			args[n++] = (char *)"-q";
			args[n++] = (char *)"--error-exitcode=99";
			args[n++] = (char *)"--leak-check=full";
			args[n++] = (char *)"--errors-for-leak-kinds=definite,indirect";
			args[n++] = (char *)"--show-leak-kinds=definite,indirect";
		}
		args[n++] = (char *)exe;
		for (int i = 1; argv[i] && n < 63; i++)
			args[n++] = argv[i];
		args[n] = NULL;
		execv(args[0], args);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	*p = (struct lt_proc){ pid, in[1], out[0], err[0] };
	return 0;
}

int lt_read_line(struct lt_proc *p, char *buf, size_t len, int timeout_ms)
{
	size_t n = 0;
	double end = lt_now_ms() + timeout_ms;
	while (n + 1 < len) {
		int left = (int)(end - lt_now_ms());
		struct pollfd pf = { p->out, POLLIN, 0 };
		if (left <= 0 || poll(&pf, 1, left) <= 0)
			return -1;
		char c;
		if (read(p->out, &c, 1) != 1)
			return -1;
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = 0;
	return (int)n;
}

int lt_finish(struct lt_proc *p, char *out, size_t outlen, char *err, size_t errlen,
	      int timeout_ms)
{
	if (p->in >= 0)
		close(p->in);
	p->in = -1;
	size_t no = 0, ne = 0;
	double end = lt_now_ms() + timeout_ms;
	bool timeout = false;
	while (p->out >= 0 || p->err >= 0) {
		struct pollfd pf[2] = { { p->out, POLLIN, 0 }, { p->err, POLLIN, 0 } };
		int left = (int)(end - lt_now_ms());
		if (left <= 0 || poll(pf, 2, left) <= 0) {
			timeout = true;
			break;
		}
		for (int i = 0; i < 2; i++) {
			int *fd = i ? &p->err : &p->out;
			if (*fd < 0 || !pf[i].revents)
				continue;
			char *b = i ? err : out;
			size_t *nb = i ? &ne : &no, cap = i ? errlen : outlen;
			char tmp[4096];
			ssize_t r = read(*fd, tmp, sizeof(tmp));
			if (r <= 0) {
				close(*fd);
				*fd = -1;
				continue;
			}
			size_t take = (size_t)r;
			if (b && *nb + take >= cap)
				take = cap - 1 - *nb;
			if (b)
				memcpy(b + *nb, tmp, take);
			*nb += take;
		}
	}
	if (out)
		out[no] = 0;
	if (err)
		err[ne] = 0;
	if (timeout)
		kill(-p->pid, SIGKILL);
	int st = -1;
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (p->out >= 0)
		close(p->out);
	if (p->err >= 0)
		close(p->err);
	p->out = p->err = -1;
	return timeout ? -1 : st;
}

int lt_run(char *const argv[], const struct lt_opts *o, char *out, size_t outlen, char *err,
	   size_t errlen)
{
	struct lt_proc p;
	if (lt_start(&p, argv, o) < 0)
		return -1;
	return lt_finish(&p, out, outlen, err, errlen, lt_under_valgrind() ? 120000 : 20000);
}

void lt_subreaper(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

void lt_reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
		;
}

double lt_wait_gone(pid_t pid, int timeout_ms)
{
	double t0 = lt_now_ms();
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return 0; /* already reaped */
	struct pollfd pf = { fd, POLLIN, 0 };
	int r = poll(&pf, 1, timeout_ms);
	close(fd);
	return r == 1 ? lt_now_ms() - t0 : -1;
}

const char *lt_status(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	buf[0] = 0;
	FILE *f = fopen(path, "r");
	size_t nl = strlen(name);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, nl) && line[nl] == ':') {
			char *v = line + nl + 1;
			while (*v == '\t' || *v == ' ')
				v++;
			v[strcspn(v, "\n")] = 0;
			snprintf(buf, len, "%s", v);
			break;
		}
	if (f)
		fclose(f);
	return buf;
}

long long lt_stat_field(pid_t pid, int n)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t got = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[got] = 0;
	char *p = strrchr(buf, ')');
	if (!p || n < 3)
		return -1;
	p += 2; /* field 3 */
	for (int i = 3; i < n; i++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	return strtoll(p, NULL, 10);
}

void lt_drop_lines(char *s, const char *prefix)
{
	char *w = s;
	size_t pl = strlen(prefix);
	for (char *r = s; *r;) {
		char *e = strchr(r, '\n');
		size_t l = e ? (size_t)(e - r + 1) : strlen(r);
		bool drop = !strncmp(r, prefix, pl) ||
			    ((r[0] == '=' && r[1] == '=') || (r[0] == '-' && r[1] == '-'));
		if (!drop) {
			memmove(w, r, l);
			w += l;
		}
		r += l;
	}
	*w = 0;
}
