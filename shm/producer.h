/* The producer fast path: reserve a record in the calling context's own
 * chunk, fill it, commit it with one release store. No syscall, no lock, no
 * atomic read-modify-write: everything here touches only memory this
 * thread owns until the commit publishes it (pair (A) in layout.h).
 *
 * Nesting: a signal handler that records while the thread is between
 * reserve and commit runs one level deeper, in a chunk of its own, so two
 * contexts never interleave inside one chunk. `depth` is read, then bumped,
 * then used: a handler arriving between the read and the bump sees the
 * same depth, but runs to completion and restores it before we touch the
 * level's state, so the level is ours again when we get there. */
#ifndef REMORA_SHM_PRODUCER_H
#define REMORA_SHM_PRODUCER_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "clock.h"
#include "layout.h"
#include "testpoint.h"

struct rm_level {
	char *pos;       /* next record */
	char *end;       /* end of the owned chunk; NULL when the level has none */
	uint32_t chunk;  /* index of the owned chunk (valid when end != NULL) */
	uint32_t nrec;   /* records reserved in it; stored in its descriptor at
			  * seal time, when every one of them is committed */
	uint64_t token;  /* rm_proc.token the chunk was claimed under, set last:
			  * after a fork (even from a handler that interrupted
			  * this level mid-claim) it no longer matches */
};

/* Per-thread writer state, zero-initialised (thread-local storage). */
struct rm_writer {
	/* first: the fast path addresses lv[d] from the writer's own address */
	struct rm_level lv[RM_LEVELS];
	uint64_t token;          /* rm_proc.token when this state was set up */
	uint32_t depth;          /* current nesting level */
	uint32_t slot1;          /* owned slot + 1; 0 when none */
	uint32_t slot_gen;
	uint32_t tid;
	uint64_t retry_released; /* hdr->released + 1 at the last failed claim */
	uint64_t large_full;     /* hdr->released + 1 when the large class was found full */
	uint32_t small_from;     /* where a fast writer's next small scan starts (from the end) */
	uint32_t setup_backoff;  /* drops left before a refused setup is tried again */
	uint32_t busy;           /* nonzero while token, tid and slot are being set up */
	uint64_t lost[RM_LEVELS];
};

/* An open record between reserve and commit. */
struct rm_wr {
	struct rm_record *rec;
	/* the record's word, stored as two halves (x86 is little-endian): no
	 * shift and or per record */
	union {
		uint64_t word;
		struct {
			uint32_t len; /* the low half: length (and evctx's mask) */
			uint32_t id;
		} half;
	};
	struct rm_writer *w;
	uint32_t depth;
};

/* A thread whose setup a sandbox refused (gettid or getpid denied) drops
 * this many records, counted, before it tries again. */
#define RM_SETUP_BACKOFF 4096

char *rm_reserve_slow(struct rm_arena *a, struct rm_writer *w, uint32_t depth, size_t asz);
void rm_lost_nested(struct rm_arena *a);
/* Registers the calling process (idempotent); `parent` is its parent's
 * pid when the caller knows it, else 0 (asked of the kernel). */
uint64_t rm_proc_register(struct rm_arena *a, uint32_t parent);

/* The end of a reservation once `p` is the record's place at level d:
 * the level's position and count, the open record, then the clock. The
 * clock is read last, after wr is filled, so that across its call (the
 * vDSO's, an ordinary C call) only the record's address stays live. */
static inline unsigned char *rm_reserve_at(struct rm_arena *a, struct rm_level *l, char *p,
					   size_t asz, struct rm_wr *wr, size_t size, uint32_t d)
{
	l->pos = p + asz;
	l->nrec++; /* thread-local, like pos: the consumer's check of the chunk */
	RM_TP(RM_TP_AFTER_RESERVE);

	struct rm_record *r = (struct rm_record *)p;
	wr->rec = r;
	wr->half.len = (uint32_t)size; /* half.id: rm_reserve_nw() */
	wr->depth = d;
	r->ts = rm_clock_read_id(a->clock, a->clockid);
	return r->payload;
}

/* Out of line, tail-called: level d (taken) needs a chunk, or its chunk
 * is full, or it was set up before a fork; rm_reserve_slow(), then the
 * rest of the reservation, or NULL (depth restored). Kept out of
 * rm_reserve_nw() so that the fast path saves no register for it
 * (callgrind: the six pushes and pops, and two spills, per record). */
unsigned char *rm_reserve_switch(struct rm_arena *a, struct rm_writer *w, struct rm_wr *wr,
				 size_t payload, uint32_t d);
/* rm_lost_nested(), then NULL: tail-called as well. */
unsigned char *rm_reserve_nested(struct rm_arena *a);

/* The reservation without wr->w, for a caller whose commit finds the
 * writer itself (the stub's: its thread-local one). Returns where
 * `payload` bytes go, or NULL when the record is dropped (and counted). */
static inline unsigned char *rm_reserve_nw(struct rm_arena *a, struct rm_writer *w,
					   struct rm_wr *wr, uint32_t id, size_t payload)
{
	/* the id half now, apart from the length half (the signal fence
	 * below keeps the compiler from merging the two stores: it would
	 * combine them in vector registers) */
	wr->half.id = id;
	uint32_t d = w->depth;
	if (__builtin_expect(d >= RM_LEVELS, 0))
		return rm_reserve_nested(a);
	w->depth = d + 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);

	size_t size = RM_RECORD_HDR + payload;
	size_t asz = (size + 7) & ~(size_t)7;
	struct rm_level *l = &w->lv[d];
	char *p = l->pos;
	/* relaxed: another thread of a forked child may be registering it
	 * (rm_proc_register); a plain load on x86 */
	uint64_t token = __atomic_load_n(&a->proc->token, __ATOMIC_RELAXED);
	if (__builtin_expect(l->token != token || (uintptr_t)p + asz > (uintptr_t)l->end, 0))
		return rm_reserve_switch(a, w, wr, payload, d);
	return rm_reserve_at(a, l, p, asz, wr, size, d);
}

/* Returns where `payload` bytes go, or NULL when the record is dropped (and
 * counted). Every non-NULL return must be followed by rm_commit(). */
static inline unsigned char *rm_reserve(struct rm_arena *a, struct rm_writer *w,
					struct rm_wr *wr, uint32_t id, size_t payload)
{
	wr->w = w;
	return rm_reserve_nw(a, w, wr, id, payload);
}

/* rm_commit() with the writer given: the one rm_reserve_nw() took. */
static inline void rm_commit_w(struct rm_writer *w, struct rm_wr *wr)
{
	RM_TP(RM_TP_BEFORE_COMMIT);
	__atomic_store_n(&wr->rec->word, wr->word, __ATOMIC_RELEASE); /* (A) */
	RM_TP(RM_TP_AFTER_COMMIT);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	w->depth = wr->depth;
}

static inline void rm_commit(struct rm_wr *wr)
{
	rm_commit_w(wr->w, wr);
}

#endif
