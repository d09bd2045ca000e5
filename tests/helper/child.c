#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm/rsys.h"

struct rmt_child rmt_spawn(rmt_child_fn fn, void *arg)
{
	struct rmt_child c = {-1, -1};
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return c;
	/* flags 0: a fork-like child with exit signal 0, like the helper */
	long pid = rsys(SYS_clone, 0, 0, 0, 0, 0);
	if (pid == 0)
		rsys(SYS_exit_group, fn(arg, p[1]));
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return c;
	}
	c.pid = (pid_t)pid;
	c.rfd = p[0];
	return c;
}

int rmt_read(const struct rmt_child *c, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		struct pollfd pfd = {c->rfd, POLLIN, 0};
		if (poll(&pfd, 1, 10000) != 1)
			return -1;
		ssize_t n = read(c->rfd, (char *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int rmt_finish(struct rmt_child *c, int kill_it)
{
	int st = -1;
	if (c->pid <= 0)
		return st;
	if (kill_it)
		kill(c->pid, SIGKILL);
	/* bounded: a child that should have died but did not must fail the
	 * test, not hang it */
	for (int i = 0; i < 1000; i++) {
		pid_t r = waitpid(c->pid, &st, __WALL | WNOHANG);
		if (r == c->pid)
			break;
		if (r < 0 && errno != EINTR)
			break;
		if (i == 999) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &st, __WALL);
			st = -1;
			break;
		}
		usleep(10000);
	}
	close(c->rfd);
	c->pid = -1;
	c->rfd = -1;
	return st;
}

void rmt_send(int wfd, const void *buf, size_t len)
{
	rsys(SYS_write, wfd, buf, len);
}

void rmt_linger(void)
{
	struct timespec ts = {60, 0};
	rsys(SYS_ppoll, 0, 0, &ts, 0, 8);
}

const char *rmt_status_field(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64], line[512];
	size_t nl = strlen(name);
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	buf[0] = '\0';
	FILE *f = fopen(path, "re");
	if (!f)
		return buf;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;
			v += strspn(v, "\t ");
			snprintf(buf, len, "%.*s", (int)strcspn(v, "\n"), v);
			break;
		}
	}
	fclose(f);
	return buf;
}
