/* A locked-down child for the helper tests: created like the real helper
 * (raw clone(), no shared VM/files/handlers, exit signal 0, so only
 * waitpid(__WALL) sees it), reporting back through one pipe. */
#ifndef REMORA_TESTS_HELPER_CHILD_H
#define REMORA_TESTS_HELPER_CHILD_H

#include <stddef.h>
#include <sys/types.h>

/* Runs in the child with the pipe's write end; raw syscalls only after
 * rm_lockdown. Its return value is the child's exit status. */
typedef int (*rmt_child_fn)(void *arg, int wfd);

struct rmt_child {
	pid_t pid;
	int rfd;
};

/* What every child writes first. */
struct rmt_report {
	int rc;   /* rm_lockdown's return */
	int step; /* its failed step */
};

struct rmt_child rmt_spawn(rmt_child_fn fn, void *arg);
/* Reads exactly len bytes within a few seconds; returns 0, or -1 on EOF,
 * timeout or error. */
int rmt_read(const struct rmt_child *c, void *buf, size_t len);
/* Kills (if still running) and reaps; returns the wait status. */
int rmt_finish(struct rmt_child *c, int kill_it);

/* Child side, raw syscalls only. */
void rmt_send(int wfd, const void *buf, size_t len);
/* Parks the child (signals blocked or not) until the parent kills it; a
 * timeout keeps an orphan from living on if the test process dies. */
void rmt_linger(void);

/* Parent side: the value after "Name:\t" in /proc/PID/status, or "" */
const char *rmt_status_field(pid_t pid, const char *name, char *buf, size_t len);

#endif
