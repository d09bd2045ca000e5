/* The socket directory of `remora record` and the sweep of the ones killed
 * records left behind (see rec_sockdir.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/cli/rec_sockdir.h"

#define PREFIX "remora-rec-"

/* The pid in NAME (remora-rec-PID-XXXXXX), or 0 for any other name
 * (directories of older versions carry none: they are left alone). */
static pid_t owner_of(const char *name)
{
	if (strncmp(name, PREFIX, strlen(PREFIX)))
		return 0;
	char *end;
	long pid = strtol(name + strlen(PREFIX), &end, 10);
	if (pid <= 0 || *end != '-' || strlen(end + 1) != 6)
		return 0;
	return (pid_t)pid;
}

/* Removes /tmp/NAME and its socket, relative to the open /tmp, without
 * following a symlink: /tmp is shared with every other user. */
static void remove_at(int tmp, const char *name)
{
	int d = openat(tmp, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return;
	unlinkat(d, "sock", 0);
	close(d);
	unlinkat(tmp, name, AT_REMOVEDIR); /* fails, harmlessly, if anything else is in it */
}

/* A directory is stale when it is ours and its pid is gone (ESRCH). A
 * reused pid keeps a stale directory one more run: harmless. */
static void sweep(void)
{
	int tmp = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tmp < 0)
		return;
	DIR *dir = fdopendir(tmp);
	if (!dir) {
		close(tmp);
		return;
	}
	struct dirent *e;
	while ((e = readdir(dir))) {
		pid_t pid = owner_of(e->d_name);
		struct stat st;
		if (!pid || fstatat(tmp, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
			continue;
		if (kill(pid, 0) < 0 && errno == ESRCH)
			remove_at(tmp, e->d_name);
	}
	closedir(dir);
}

int rm_rec_sockdir_make(char *buf, size_t size)
{
	sweep();
	int n = snprintf(buf, size, "/tmp/" PREFIX "%d-XXXXXX", (int)getpid());
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdtemp(buf) ? 0 : -1;
}

void rm_rec_sockdir_remove(const char *dir)
{
	char sock[RM_REC_SOCKDIR_MAX + 8];
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	unlink(sock);
	rmdir(dir);
}
