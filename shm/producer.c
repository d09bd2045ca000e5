/* The producer slow path: process and thread registration, chunk switch,
 * drops. Runs on the app's threads, in signal handlers and in forked
 * children: raw syscalls only, no libc allocation, no locks. Atomic
 * read-modify-writes happen here, once per chunk (not per record). */
#include <stdbool.h>
#include <string.h>

#include "producer.h"
#include "rsys.h"

void rm_lost_nested(struct rm_arena *a)
{
	__atomic_fetch_add(&a->hdr->lost_nested, 1, __ATOMIC_RELAXED);
}

/* After fork the wiped page says token 0: the thread's levels point at
 * chunks its parent still owns. Forget them without touching them. Fails
 * when a sandbox denies gettid (or getpid): a thread without a tid cannot
 * be told alive from dead, so it must not claim a slot. */
static int writer_reset(struct rm_arena *a, struct rm_writer *w)
{
	/* a brand-new thread has nothing to forget; one set up before a fork
	 * has the parent's pid in its old token */
	uint32_t parent = (uint32_t)(w->token >> 32);
	bool forked = w->token != 0;
	if (forked) {
		uint32_t depth = w->depth, busy = w->busy;
		memset(w, 0, sizeof(*w));
		w->depth = depth;
		w->busy = busy;
	}
	/* A thread set up before a fork is the one that forked: the child's
	 * only thread, whose tid is the child's pid (one syscall fewer on a
	 * forked child's first event). */
	long tid = forked ? 1 : rsys(SYS_gettid);
	uint64_t token = tid > 0 ? rm_proc_register(a, parent) : 0;
	if (forked && token)
		tid = __atomic_load_n(&a->proc->pid, __ATOMIC_RELAXED); /* set before token */
	if (!token)
		return -1;
	w->tid = (uint32_t)tid;
	w->token = token;
	return 0;
}

static int claim_slot(struct rm_arena *a, struct rm_writer *w)
{
	uint64_t owner = (uint64_t)__atomic_load_n(&a->proc->pid, __ATOMIC_RELAXED) << 32 | w->tid;
	for (uint32_t i = 0; i < a->slot_max; i++) {
		struct rm_slot *s = &a->slots[i];
		uint64_t zero = 0;
		if (__atomic_load_n(&s->owner, __ATOMIC_RELAXED) != 0)
			continue;
		if (__atomic_compare_exchange_n(&s->owner, &zero, owner, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) { /* (D) */
			RM_TP(RM_TP_THREAD_SETUP);
			w->slot_gen = __atomic_load_n(&s->gen, __ATOMIC_RELAXED);
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			w->slot1 = i + 1; /* last: a nonzero slot1 says slot_gen is valid */
			return 0;
		}
	}
	return -1;
}

/* The state all nesting levels of a thread share (token, tid, slot) is
 * built under a busy flag. A handler that recorded halfway would see it
 * half-built: it claimed a slot under tid 0, which the consumer then judged
 * dead and took the chunks of while the thread still wrote, or a second
 * slot, whose losses were then reported twice. With the flag set, such a
 * handler drops its record instead (counted with the records that found no
 * slot). Not a blocked signal mask: the tracer never touches the app's
 * mask (contract 3), and a thread in strict seccomp mode could not call
 * rt_sigprocmask. Token and tid are published last (writer_reset), and
 * slot1 after slot_gen (claim_slot), so a handler that finds them set,
 * even while the flag still is, finds them complete. */
static int thread_setup(struct rm_arena *a, struct rm_writer *w, bool fresh)
{
	w->busy = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	int ret = fresh ? writer_reset(a, w) : 0;
	if (ret == 0 && !w->slot1)
		ret = claim_slot(a, w);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	w->busy = 0;
	return ret;
}

/* A level that filled its chunk at more than a small chunk per
 * RM_FAST_FILL_MS takes a large chunk next; a slower one a small chunk, so
 * a thread that records a few events holds 4 KiB, not 64. Decided from
 * the chunk's first timestamp (our own record) and a clock read, once per
 * chunk. */
#define RM_FAST_FILL_MS 20

/* Clock units per millisecond: TSC ticks (the creator's estimate), or ns. */
static uint64_t clock_per_ms(const struct rm_arena *a)
{
	uint64_t khz = a->clock == RM_CLOCK_TSC ? a->hdr->tsc_khz : 0;
	return khz ? khz : 1000000;
}

static bool want_large(const struct rm_arena *a, const struct rm_level *l)
{
	uint64_t first = ((const struct rm_record *)rm_chunk_addr(a, l->chunk))->ts;
	uint64_t now = rm_clock_read(a->clock);
	uint64_t per_ms = clock_per_ms(a);
	uint64_t took = now > first ? now - first : 0;
	uint64_t len = rm_chunk_len(a, l->chunk) / a->small_size; /* small chunks' worth */
	/* took / len < RM_FAST_FILL_MS * per_ms, without dividing */
	return took < (uint64_t)RM_FAST_FILL_MS * per_ms * len;
}

static void seal(struct rm_arena *a, struct rm_level *l)
{
	struct rm_chunk_desc *d = &a->descs[l->chunk];
	uint64_t s = __atomic_load_n(&d->state, __ATOMIC_RELAXED);
	RM_TP(RM_TP_CHUNK_SWITCH);
	/* Every record reserved at this level is committed by now: a reserve
	 * at a level runs after the previous one's commit. */
	__atomic_store_n(&d->committed, l->nrec, __ATOMIC_RELAXED);
	__atomic_store_n(&d->state,
			 RM_CS_MAKE(RM_CHUNK_FULL, RM_CS_LEVEL(s), RM_CS_SLOT(s), RM_CS_GEN(s)),
			 __ATOMIC_RELEASE); /* (B) */
	l->pos = l->end = NULL;
}

/* Counts the committed records from `off` on in a chunk this thread is
 * about to reuse. */
static uint64_t count_records(const struct rm_arena *a, uint32_t idx, uint32_t off)
{
	const char *c = rm_chunk_addr(a, idx);
	uint32_t len = rm_chunk_len(a, idx);
	uint64_t n = 0;
	for (; off + RM_RECORD_HDR <= len; n++) {
		uint32_t size = RM_REC_SIZE(((const struct rm_record *)(c + off))->word);
		if (size < RM_RECORD_HDR || size > len - off)
			break;
		off += RM_ALIGN8(size);
	}
	return n;
}

/* Scans one size class. Large chunks from where the last claim left off,
 * so fast writers spread over them; small ones first fit from the last
 * index down, so a churn of short threads reuses the same few pages
 * instead of touching the whole class (the app's RSS stays flat), and a
 * new process finds them in the window its descriptor read mapped
 * (layout.h). `from` skips that many small ones first: a fast writer the
 * large class could not serve carries on below its previous small chunk
 * instead of reading every descriptor it filled again, once per 4 KiB. */
static int claim_free_in(struct rm_arena *a, bool small, uint32_t from, uint32_t level,
			 uint32_t slot, uint32_t *out)
{
	uint32_t first = small ? a->large_count : 0;
	uint32_t n = small ? a->chunk_count - a->large_count : a->large_count;
	if (n == 0)
		return -1;
	uint32_t start = small ? from % n
			       : (uint32_t)(__atomic_load_n(&a->hdr->claim_hint, __ATOMIC_RELAXED) % n);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t j = start + k < n ? start + k : start + k - n;
		uint32_t i = small ? first + n - 1 - j : first + j;
		struct rm_chunk_desc *d = &a->descs[i];
		uint64_t s = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE); /* (B) */
		if (RM_CS_KIND(s) != RM_CHUNK_FREE)
			continue;
		uint64_t owned = RM_CS_MAKE(RM_CHUNK_OWNED, level, slot, RM_CS_GEN(s));
		if (__atomic_compare_exchange_n(&d->state, &s, owned, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			if (!small)
				__atomic_store_n(&a->hdr->claim_hint, i + 1, __ATOMIC_RELAXED);
			*out = i;
			return 0;
		}
	}
	return -1;
}

/* The class asked for first, the other one when it has nothing free (a
 * record larger than a small chunk only ever goes to a large one). A
 * large class found full is not scanned again until the consumer frees a
 * chunk (`released`, E): the writer takes small ones meanwhile, and looks
 * at the large class once more only before it would drop the record. */
static int claim_free(struct rm_arena *a, struct rm_writer *w, bool small, size_t asz,
		      uint64_t released, uint32_t level, uint32_t slot, uint32_t *out)
{
	if (asz > a->small_size)
		small = false;
	bool skip_large = !small && asz <= a->small_size && w->large_full == released + 1;
	if (!skip_large && claim_free_in(a, small, 0, level, slot, out) == 0)
		return 0;
	if (!small && asz > a->small_size)
		return -1;
	if (small)
		return claim_free_in(a, false, 0, level, slot, out);
	w->large_full = released + 1;
	if (claim_free_in(a, true, w->small_from, level, slot, out) == 0) {
		w->small_from = a->chunk_count - *out; /* the one below it, counted from the end */
		return 0;
	}
	return skip_large ? claim_free_in(a, false, 0, level, slot, out) : -1;
}

/* Overwrite mode: take the oldest sealed chunk, zero it, own it. */
static int claim_oldest(struct rm_arena *a, size_t asz, uint32_t level, uint32_t slot,
			uint32_t *out)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		uint32_t best = UINT32_MAX;
		uint64_t best_seq = UINT64_MAX, best_state = 0;
		for (uint32_t i = 0; i < a->chunk_count; i++) {
			uint64_t s = __atomic_load_n(&a->descs[i].state, __ATOMIC_ACQUIRE);
			uint64_t cs = __atomic_load_n(&a->descs[i].claim_seq, __ATOMIC_RELAXED);
			if (RM_CS_KIND(s) == RM_CHUNK_FULL && cs < best_seq && asz <= rm_chunk_len(a, i)) {
				best = i, best_seq = cs, best_state = s;
			}
		}
		if (best == UINT32_MAX)
			return -1;
		struct rm_chunk_desc *d = &a->descs[best];
		uint32_t gen = RM_CS_GEN(best_state) + 1;
		if (!__atomic_compare_exchange_n(&d->state, &best_state,
						 RM_CS_MAKE(RM_CHUNK_RECLAIMING, level, slot, gen),
						 false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			continue;
		uint32_t old_slot = RM_CS_SLOT(best_state), old_level = RM_CS_LEVEL(best_state);
		/* What the consumer already handed over is not overwritten, (F). */
		uint32_t from = __atomic_exchange_n(&d->consumed, RM_CONSUMED_RECLAIMED | (gen & 0xffffff),
						    __ATOMIC_ACQ_REL);
		if ((from & RM_CONSUMED_RECLAIMED) || from % 8 || from > rm_chunk_len(a, best))
			from = 0;
		uint64_t n = count_records(a, best, from);
		if (old_slot < a->slot_max && old_level < RM_LEVELS)
			__atomic_fetch_add(&a->slots[old_slot].overwritten[old_level], n,
					   __ATOMIC_RELAXED);
		/* zeroed with relaxed 8-byte stores: the consumer may be copying
		 * it (it then drops the copy, (F)) */
		uint64_t *z = (uint64_t *)rm_chunk_addr(a, best);
		for (uint32_t k = 0; k < rm_chunk_len(a, best) / 8; k++)
			__atomic_store_n(&z[k], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&d->state, RM_CS_MAKE(RM_CHUNK_OWNED, level, slot, gen),
				 __ATOMIC_RELEASE);
		*out = best;
		return 0;
	}
	return -1;
}

/* Blocking mode (the consumer set block_ns): a producer that found no
 * free chunk spins until the consumer frees one or the budget is spent,
 * then drops, counted, as in discard mode. No syscall: pause, a look at
 * `released` (E), and a clock read every 64 pauses. */
static int claim_wait(struct rm_arena *a, struct rm_writer *w, bool small, size_t asz,
		      uint32_t level, uint32_t slot, uint32_t *out)
{
	uint64_t ns = __atomic_load_n(&a->hdr->block_ns, __ATOMIC_RELAXED);
	if (!ns || a->mode != RM_MODE_DISCARD)
		return -1;
	uint64_t per_ms = clock_per_ms(a);
	uint64_t end = rm_clock_read(a->clock) + ns / 1000000 * per_ms + ns % 1000000 * per_ms / 1000000;
	uint64_t seen = __atomic_load_n(&a->hdr->released, __ATOMIC_ACQUIRE);
	do {
		for (int i = 0; i < 64; i++)
			__builtin_ia32_pause();
		uint64_t now_released = __atomic_load_n(&a->hdr->released, __ATOMIC_ACQUIRE); /* (E) */
		if (now_released != seen) {
			seen = now_released;
			if (claim_free(a, w, small, asz, seen, level, slot, out) == 0)
				return 0;
		}
	} while (rm_clock_read(a->clock) < end);
	return -1;
}

static void count_lost(struct rm_arena *a, struct rm_writer *w, uint32_t level)
{
	/* w->lost counts only what the slot reports (lost[] and the next
	 * chunk's lost_before): a drop without a slot is counted once, in the
	 * header. */
	if (w->slot1)
		__atomic_store_n(&a->slots[w->slot1 - 1].lost[level], ++w->lost[level],
				 __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&a->hdr->lost_noslot, 1, __ATOMIC_RELAXED);
}

/* The thread is set up (token, tid, slot) for a chunk claim; false when
 * the record is dropped instead (and counted). A full slot table is
 * scanned again only once something was freed; a setup the sandbox
 * refused, only every RM_SETUP_BACKOFF drops (its syscalls cost
 * microseconds). */
static bool thread_ready(struct rm_arena *a, struct rm_writer *w, uint32_t level,
			 uint64_t released)
{
	bool fresh = w->token != __atomic_load_n(&a->proc->token, __ATOMIC_RELAXED) || !w->token;
	if (!fresh && w->slot1)
		return true;
	if (w->busy) { /* a handler inside the setup it interrupted */
		__atomic_fetch_add(&a->hdr->lost_noslot, 1, __ATOMIC_RELAXED);
		return false;
	}
	if (w->setup_backoff) {
		w->setup_backoff--;
		count_lost(a, w, level);
		return false;
	}
	if (!fresh && w->retry_released == released + 1) {
		count_lost(a, w, level);
		return false;
	}
	if (thread_setup(a, w, fresh) < 0) {
		if (!w->token)
			w->setup_backoff = RM_SETUP_BACKOFF;
		w->retry_released = released + 1;
		count_lost(a, w, level);
		return false;
	}
	w->retry_released = 0;
	return true;
}

unsigned char *rm_reserve_nested(struct rm_arena *a)
{
	rm_lost_nested(a);
	return NULL;
}

unsigned char *rm_reserve_switch(struct rm_arena *a, struct rm_writer *w, struct rm_wr *wr,
				 size_t payload, uint32_t d)
{
	size_t size = RM_RECORD_HDR + payload;
	size_t asz = (size + 7) & ~(size_t)7;
	char *p = rm_reserve_slow(a, w, d, asz);
	if (!p) {
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		w->depth = d;
		return NULL;
	}
	return rm_reserve_at(a, &w->lv[d], p, asz, wr, size, d);
}

char *rm_reserve_slow(struct rm_arena *a, struct rm_writer *w, uint32_t level, size_t asz)
{
	struct rm_level *l = &w->lv[level];
	uint64_t released = __atomic_load_n(&a->hdr->released, __ATOMIC_ACQUIRE); /* (E) */
	if (!thread_ready(a, w, level, released))
		return NULL;
	/* A level set up before a fork, in the parent: its chunk is the
	 * parent's. Forget it, do not seal it. The token is read once, here: a
	 * fork from a handler after this point leaves it the parent's, so what
	 * this call claims is forgotten in the child too. */
	uint64_t token = w->token;
	if (l->token != token)
		*l = (struct rm_level){ 0 };
	if (asz > a->chunk_size) {
		__atomic_fetch_add(&a->hdr->lost_toolarge, 1, __ATOMIC_RELAXED);
		if (w->slot1)
			__atomic_fetch_add(&a->slots[w->slot1 - 1].toolarge, 1, __ATOMIC_RELAXED);
		count_lost(a, w, level);
		return NULL;
	}
	bool small = true; /* a level's first chunk */
	if (w->retry_released == released + 1 && !l->end) {
		/* nothing was freed since our last failed scan (or wait: a
		 * consumer that let a wait run out costs the budget once, not
		 * once per event, until it frees a chunk again) */
		count_lost(a, w, level);
		return NULL;
	}
	if (l->end) {
		small = !want_large(a, l);
		seal(a, l);
	}

	uint32_t slot = w->slot1 - 1, idx;
	int got = claim_free(a, w, small, asz, released, level, slot, &idx);
	if (got < 0 && a->mode == RM_MODE_OVERWRITE)
		got = claim_oldest(a, asz, level, slot, &idx);
	if (got < 0)
		got = claim_wait(a, w, small, asz, level, slot, &idx);
	if (got < 0) {
		w->retry_released = released + 1;
		count_lost(a, w, level);
		return NULL;
	}
	w->retry_released = 0;
	RM_TP(RM_TP_AFTER_CLAIM);
	/* A handler forked since the token was read: in the child (whose wiped
	 * page says so) the record being reserved is the parent's, which
	 * finishes it, and so, if the fork came after the claim, is the chunk.
	 * Leave them alone; not a loss, the parent's copy is kept. (A fork
	 * before the claim leaves the child's claim empty until its slot's
	 * owner is gone; one after this check lets the child write the
	 * descriptor too.) */
	if (__builtin_expect(__atomic_load_n(&a->proc->token, __ATOMIC_RELAXED) != token, 0))
		return NULL;

	struct rm_slot *s = &a->slots[slot];
	struct rm_chunk_desc *d = &a->descs[idx];
	/* Relaxed atomics: the consumer may read these (and discard them)
	 * before our first commit orders them, (A). */
	__atomic_store_n(&d->slot_gen, w->slot_gen, __ATOMIC_RELAXED);
	uint64_t seq = __atomic_load_n(&s->next_seq[level], __ATOMIC_RELAXED);
	__atomic_store_n(&s->next_seq[level], seq + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&d->seq, seq, __ATOMIC_RELAXED);
	__atomic_store_n(&d->lost_before, w->lost[level], __ATOMIC_RELAXED);
	__atomic_store_n(&d->claim_seq, __atomic_fetch_add(&a->hdr->claim_seq, 1, __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);

	char *c = rm_chunk_addr(a, idx);
	l->chunk = idx;
	l->end = c + rm_chunk_len(a, idx);
	l->pos = c;
	l->nrec = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	l->token = token;
	return c;
}
