/* The `.remora-live` mark of a trace directory being written (live_mark.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctl/consumer/live_mark.h"

static void mark_path(const char *dir, char *buf, size_t size)
{
	snprintf(buf, size, "%s/" RM_LIVE_MARK, dir);
}

int rm_live_mark(const char *dir)
{
	char path[PATH_MAX + 32], text[32];
	mark_path(dir, path, sizeof(path));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int n = snprintf(text, sizeof(text), "%d\n", (int)getpid());
	int r = write(fd, text, (size_t)n) == n ? 0 : -1;
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

static long mark_pid(const char *dir)
{
	char path[PATH_MAX + 32], text[32];
	mark_path(dir, path, sizeof(path));
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = 0;
	return strtol(text, NULL, 10);
}

void rm_live_unmark(const char *dir)
{
	char path[PATH_MAX + 32];
	mark_path(dir, path, sizeof(path));
	if (mark_pid(dir) == (long)getpid())
		unlink(path);
}

bool rm_live_check(const char *dir)
{
	long pid = mark_pid(dir);
	return pid > 0 && pid <= INT_MAX && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}
