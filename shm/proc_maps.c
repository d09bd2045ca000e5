#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "shm/proc_maps.h"
#include "shm/rsys.h"

int rm_arena_id_of(int fd, struct rm_arena_id *id)
{
	struct stat st;
	long r = rsys(SYS_fstat, fd, &st);
	if (r < 0)
		return (int)r;
	id->dev_major = major(st.st_dev);
	id->dev_minor = minor(st.st_dev);
	id->ino = st.st_ino;
	return 0;
}

static char *put_u32(char *p, uint32_t v)
{
	char tmp[12];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = tmp[--n];
	return p;
}

static uint64_t hex(const char **p)
{
	uint64_t v = 0;
	for (;; (*p)++) {
		char c = **p;
		if (c >= '0' && c <= '9')
			v = v * 16 + (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (uint64_t)(c - 'a' + 10);
		else
			return v;
	}
}

/* One maps line: "start-end perms offset maj:min inode path". */
static bool line_matches(const char *s, const char *e, const struct rm_arena_id *id)
{
	int spaces = 0;
	while (s < e && spaces < 3)
		if (*s++ == ' ')
			spaces++;
	if (s >= e)
		return false;
	uint64_t maj = hex(&s);
	if (*s++ != ':')
		return false;
	uint64_t min = hex(&s);
	if (*s++ != ' ')
		return false;
	uint64_t ino = 0;
	while (s < e && *s >= '0' && *s <= '9')
		ino = ino * 10 + (uint64_t)(*s++ - '0');
	return maj == id->dev_major && min == id->dev_minor && ino == id->ino;
}

/* Reads a maps file from offset 0 (pread, so a held fd can be re-read);
 * *any is set when it produced at least one byte. */
static int scan_maps_fd(long fd, const struct rm_arena_id *id, int *any)
{
	char buf[4096];
	size_t have = 0;
	long off = 0;
	int found = 0;
	*any = 0;
	for (;;) {
		long n = rsys(SYS_pread64, fd, buf + have, sizeof(buf) - have, off);
		if (n <= 0)
			break;
		*any = 1;
		off += n;
		have += (size_t)n;
		size_t start = 0;
		for (size_t i = 0; i < have; i++) {
			if (buf[i] != '\n')
				continue;
			if (line_matches(buf + start, buf + i, id))
				found = 1;
			start = i + 1;
		}
		/* keep a partial last line; a line longer than the buffer is dropped */
		if (start == 0 && have == sizeof(buf))
			start = have;
		for (size_t i = start; i < have; i++)
			buf[i - start] = buf[i];
		have -= start;
		if (found)
			break;
	}
	return found;
}

/* -2 when the open failed for a reason that says nothing about the process
 * (out of fds or memory): it may well map the arena. */
static int maps_has(uint32_t pid, const struct rm_arena_id *id)
{
	char path[32] = "/proc/";
	char *p = put_u32(path + 6, pid);
	const char tail[] = "/maps";
	for (unsigned i = 0; i < sizeof(tail); i++)
		p[i] = tail[i];
	long fd = rsys(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd == -EMFILE || fd == -ENFILE || fd == -ENOMEM)
		return -2;
	if (fd < 0)
		return -1;
	int any;
	int found = scan_maps_fd(fd, id, &any);
	rsys(SYS_close, fd);
	return any ? found : -1;
}

int rm_maps_has(uint32_t pid, const struct rm_arena_id *id)
{
	int r = maps_has(pid, id);
	return r < 0 ? -1 : r;
}

/* A maps fd opened while the process still had its first image: it reads
 * empty once that image's memory is gone (exec or exit). The access check
 * is made at open, so the helper can keep reading it without capabilities
 * (opening /proc/PID/maps of a root app needs CAP_SYS_PTRACE otherwise). */
int rm_maps_fd_has(int fd, const struct rm_arena_id *id)
{
	int any;
	int found = scan_maps_fd(fd, id, &any);
	return any ? found : 0;
}

int rm_scan_mappers(const struct rm_arena_id *id, const uint32_t *skip, int nskip, uint32_t *out,
		    int max)
{
	long fd = rsys(SYS_openat, AT_FDCWD, "/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[4096];
	int n = 0, unsure = 0;
	long got;
	while (n < max && (got = rsys(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			off += d->reclen;
			uint32_t pid = 0;
			const char *c = d->name;
			for (; *c >= '0' && *c <= '9'; c++)
				pid = pid * 10 + (uint32_t)(*c - '0');
			if (*c || !pid)
				continue;
			bool skipped = false;
			for (int i = 0; i < nskip; i++)
				skipped |= skip[i] == pid;
			int has = skipped || n >= max ? 0 : maps_has(pid, id);
			if (has == 1)
				out[n++] = pid;
			unsure |= has == -2;
		}
	}
	rsys(SYS_close, fd);
	return n == 0 && unsure ? -1 : n;
}
