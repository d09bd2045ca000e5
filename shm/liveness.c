#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "liveness.h"
#include "shm/proc_maps.h"

/* Field 22 of /proc/<pid>/task/<tid>/stat, counted after the ")" that ends
 * the command name (which may itself hold spaces and parentheses).
 * Returns 0, -ENOENT/-ESRCH when the thread is gone, or another -errno when
 * we cannot tell (EMFILE in a consumer out of fds, EACCES, ...). */
static int read_start_time(uint32_t pid, uint32_t tid, uint64_t *out)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%u/task/%u/stat", pid, tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int e = n < 0 ? errno : 0;
	close(fd);
	if (n < 0)
		return e == ESRCH ? -ESRCH : -EIO;
	if (n == 0)
		return -ESRCH; /* the task exited between open and read */
	buf[n] = 0;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	p++;
	for (int field = 3; field < 22 && p; field++) /* p: the space before `field` */
		p = strchr(p + 1, ' ');
	if (!p)
		return -EIO;
	*out = strtoull(p + 1, NULL, 10);
	return 0;
}

/* The one maps matcher (proc_maps.c), shared with the helper. */
int rm_proc_maps_inode(uint32_t pid, dev_t dev, ino_t ino)
{
	struct rm_arena_id id = { major(dev), minor(dev), ino };
	return rm_maps_has(pid, &id);
}

int rm_thread_alive(uint32_t pid, uint32_t tid, uint64_t *start_time, dev_t arena_dev,
		    ino_t arena_ino)
{
	uint64_t st;
	if (pid == 0 || tid == 0)
		return 0;
	/* An error is never evidence of death: a consumer out of fds once
	 * took EMFILE for "thread gone" and freed chunks still being written. */
	int e = read_start_time(pid, tid, &st);
	if (e == -ENOENT || e == -ESRCH)
		return 0;
	if (e < 0)
		return -1;
	/* The exec check reads the whole of /proc/<pid>/maps (about 20 us,
	 * under the process's mmap lock): not at first sight, where a fork
	 * storm's consumer paid it for most short-lived children (seen alive
	 * once, gone at the next look; issue 18), only when asked again. Until
	 * then an exec'd thread counts as alive, which only keeps its chunks
	 * a recheck period longer (RM_ALIVE_RECHECK_MS, reader_int.h). */
	bool first = *start_time == 0;
	if (first)
		*start_time = st;
	else if (*start_time != st)
		return 0;
	if (arena_ino && !first) {
		int m = rm_proc_maps_inode(pid, arena_dev, arena_ino);
		if (m < 0)
			return -1;
		if (m == 0)
			return 0;
	}
	return 1;
}
