#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "liveness.h"
#include "shm/proc_maps.h"

/* Field 22 of /proc/<pid>/task/<tid>/stat, counted after the ")" that ends
 * the command name (which may itself hold spaces and parentheses). */
static int read_start_time(uint32_t pid, uint32_t tid, uint64_t *out)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%u/task/%u/stat", pid, tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	for (int field = 3; field < 22 && p; field++) /* p: the space before `field` */
		p = strchr(p + 1, ' ');
	if (!p)
		return -1;
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
	if (pid == 0 || tid == 0 || read_start_time(pid, tid, &st) < 0)
		return 0;
	if (*start_time == 0)
		*start_time = st;
	else if (*start_time != st)
		return 0;
	if (arena_ino && rm_proc_maps_inode(pid, arena_dev, arena_ino) == 0)
		return 0;
	return 1;
}
