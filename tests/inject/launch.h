/* Starting probe programs for the inject tests: fresh process group and
 * session, chosen signal state, pipes for stdin/stdout/stderr, optional
 * environment, optional valgrind wrapper (REMORA_UNDER_VALGRIND=1). */
#ifndef REMORA_TESTS_INJECT_LAUNCH_H
#define REMORA_TESTS_INJECT_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct lt_opts {
	const char *env[8];   /* "NAME=value" to set, NULL-terminated */
	bool signals;         /* block SIGUSR1, ignore SIGUSR2 before exec */
	bool deny_clone;      /* seccomp filter: clone -> EPERM, clone3 -> ENOSYS */
	bool nproc_zero;      /* uid/gid 65534 and RLIMIT_NPROC 0 (exit 77 if impossible) */
	bool valgrind;        /* wrap in valgrind when running under memcheck */
};

struct lt_proc {
	pid_t pid;
	int in, out, err;     /* our ends; -1 once closed */
};

/* True when the test itself runs under memcheck. */
bool lt_under_valgrind(void);

int lt_start(struct lt_proc *p, char *const argv[], const struct lt_opts *o);
/* Reads one line from stdout within timeout_ms; returns its length or -1. */
int lt_read_line(struct lt_proc *p, char *buf, size_t len, int timeout_ms);
/* Reads stdout and stderr to EOF (timeout), reaps; returns the wait status
 * or -1 on timeout (the process group is then killed). */
int lt_finish(struct lt_proc *p, char *out, size_t outlen, char *err, size_t errlen,
	      int timeout_ms);
/* Runs to completion. */
int lt_run(char *const argv[], const struct lt_opts *o, char *out, size_t outlen, char *err,
	   size_t errlen);

/* Makes this process a subreaper and reaps any child (helpers included). */
void lt_subreaper(void);
void lt_reap_all(void);

/* Milliseconds until pid is gone (zombie or reaped), or -1 after timeout_ms. */
double lt_wait_gone(pid_t pid, int timeout_ms);
double lt_now_ms(void);

/* The value after "Name:\t" in /proc/PID/status, or "". */
const char *lt_status(pid_t pid, const char *name, char *buf, size_t len);
/* Field n (1-based, as in proc(5)) of /proc/PID/stat, or -1. */
long long lt_stat_field(pid_t pid, int n);

/* Removes the lines starting with `prefix` (in place); drops valgrind's own
 * lines ("==N==", "--N--") too. */
void lt_drop_lines(char *s, const char *prefix);

#endif
