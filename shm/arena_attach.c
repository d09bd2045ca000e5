/* Consumer side of arena setup: everything about the fd and the header is
 * checked before a single byte of the arena is trusted. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"

#define FAIL(code, ...)                                                                     \
	do {                                                                                \
		snprintf(err, errlen, __VA_ARGS__);                                         \
		return -(code);                                                             \
	} while (0)

int rm_arena_attach(int fd, struct rm_arena *a, char *err, size_t errlen)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		FAIL(errno, "arena fd %d: fstat: %s", fd, strerror(errno));
	if (!S_ISREG(st.st_mode))
		FAIL(EINVAL, "arena fd %d is not a memfd (not a regular file)", fd);
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		FAIL(EINVAL, "arena fd %d is not a sealable memfd: %s", fd, strerror(errno));
	if (!(seals & F_SEAL_SHRINK) || !(seals & F_SEAL_GROW))
		FAIL(EPERM, "arena fd %d is not sealed against resizing (seals 0x%x): refused", fd,
		     seals);
	if (st.st_size < 4096)
		FAIL(EINVAL, "arena fd %d is too small (%lld bytes)", fd, (long long)st.st_size);

	struct rm_arena_hdr h;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		FAIL(EIO, "arena fd %d: cannot read its header", fd);
	if (h.magic != RM_MAGIC)
		FAIL(EINVAL, "arena fd %d: bad magic 0x%llx", fd, (unsigned long long)h.magic);
	if (h.version != RM_VERSION || h.hdr_size != sizeof(h))
		FAIL(EINVAL, "arena fd %d: layout version %u size %u, this reader knows %u size %zu",
		     fd, h.version, h.hdr_size, RM_VERSION, sizeof(h));

	struct rm_params p = {
		.chunk_size = h.chunk_size, .chunk_count = h.chunk_count,
		.small_size = h.small_size, .small_count = h.small_count, .event_max = h.event_max,
		.pid_max = h.pid_max, .slot_max = h.slot_max, .mode = h.mode, .clock = h.clock,
	};
	struct rm_layout l;
	if (rm_layout_compute(&p, &l) < 0)
		FAIL(EINVAL, "arena fd %d: header sizes out of range", fd);
	if (p.slot_max > RM_SLOT_MAX_LIMIT)
		FAIL(EINVAL, "arena fd %d: too many slots", fd);
	if (l.arena_size != h.arena_size || l.arena_size != (uint64_t)st.st_size ||
	    l.off_enable != h.off_enable || l.off_catalog != h.off_catalog ||
	    l.off_pids != h.off_pids || l.off_slots != h.off_slots ||
	    l.off_descs != h.off_descs || l.off_chunks != h.off_chunks)
		FAIL(EINVAL, "arena fd %d: layout does not match its size (%lld bytes)", fd,
		     (long long)st.st_size);

	void *base = mmap(NULL, l.arena_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		FAIL(errno, "arena fd %d: mmap of %llu bytes: %s", fd,
		     (unsigned long long)l.arena_size, strerror(errno));
	rm_arena_bind(a, base, &p, &l);
	a->fd = fd;
	a->proc = NULL;
	return 0;
}

void rm_arena_unmap(struct rm_arena *a)
{
	if (a->base)
		munmap(a->base, a->size);
	a->base = NULL;
}
