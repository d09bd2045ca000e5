/* A process's private handle on an arena, and the two ways to get one:
 * create it (the stub; raw syscalls only, no libc allocation) or attach to
 * an fd received from elsewhere (the consumer; trusts nothing). */
#ifndef REMORA_SHM_ARENA_H
#define REMORA_SHM_ARENA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "layout.h"

struct rm_filter_prog;

/* Per-process producer state, kept in a MADV_WIPEONFORK page: a forked
 * child finds token == 0 and re-registers on its first event. */
struct rm_proc {
	uint64_t token;  /* nonzero once this process is registered */
	uint32_t pid;
	uint32_t pid_entry;
};

struct rm_arena {
	char *base;
	struct rm_arena_hdr *hdr;
	uint8_t *enable;
	struct rm_catalog_entry *catalog;
	struct rm_pid_entry *pids;
	struct rm_slot *slots;
	struct rm_chunk_desc *descs;
	char *chunks;
	struct rm_filter_prog *filters; /* RM_FILTER_SLOTS programs; enable byte >> 2 names slot n at n - 1 */
	uint64_t size;
	uint64_t chunk_bytes;  /* all chunks together */
	/* chunk_count counts both classes: indexes below large_count are
	 * chunk_size bytes (the largest), the rest small_size bytes */
	uint32_t chunk_size, chunk_count, large_count, small_size;
	uint32_t event_max, pid_max, slot_max, mode, clock;
	int fd;
	clockid_t clockid; /* rm_clock_posix_id(clock), set with it by rm_arena_bind() */
	struct rm_proc *proc; /* producer side only */
};

/* Defaults for a process tree: 16 MiB of chunks, 6 MiB of them in 4 KiB
 * pieces (a thread's first chunk: 1,536 threads can record at once), the
 * rest in 64 KiB pieces for threads that record fast. */
void rm_params_default(struct rm_params *p);

/* Splits `bytes` of chunks between the two classes in the default
 * proportion (3/8 small) for REMORA_BUFFER_SIZE and --buffer-size. */
void rm_params_set_size(struct rm_params *p, uint64_t bytes);

/* Small chunks first, in reverse index order, then the large ones
 * (layout.h: the last small chunk, claimed first, next to the descriptor
 * table's end). */
static inline char *rm_chunk_addr(const struct rm_arena *a, uint32_t idx)
{
	if (idx < a->large_count)
		return a->chunks + (uint64_t)(a->chunk_count - a->large_count) * a->small_size +
		       (uint64_t)idx * a->chunk_size;
	return a->chunks + (uint64_t)(a->chunk_count - 1 - idx) * a->small_size;
}

static inline uint32_t rm_chunk_len(const struct rm_arena *a, uint32_t idx)
{
	return idx < a->large_count ? a->chunk_size : a->small_size;
}

/* Checks sizes and computes offsets; returns 0 or -EINVAL. Pure. */
int rm_layout_compute(const struct rm_params *p, struct rm_layout *l);

/* Creates a sealed memfd arena, maps it, writes the header. Raw syscalls
 * only. Returns 0 or -errno. */
int rm_arena_create(const struct rm_params *p, const char *name, struct rm_arena *a);

/* Producer side: maps the wipe-on-fork page and registers the calling
 * process in the pid table. Raw syscalls only. Returns 0 or -errno. */
int rm_arena_producer_init(struct rm_arena *a);

/* Consumer side: checks that fd is a memfd sealed against shrinking and
 * growing, that its header is valid for its size, then maps it. On failure
 * returns -errno and writes one line of explanation into err. */
int rm_arena_attach(int fd, struct rm_arena *a, char *err, size_t errlen);

void rm_arena_unmap(struct rm_arena *a);

/* Fills the private pointers of `a` from a validated layout. */
void rm_arena_bind(struct rm_arena *a, char *base, const struct rm_params *p,
		   const struct rm_layout *l);

#endif
