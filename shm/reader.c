/* Consumer side of the arena: see reader.h. The reader's life, the
 * catalog as it reads it, and the drain: steps 1, 2 and 4 here, step 3
 * (one chunk) in reader_chunk.c. Pairs (A)..(E) refer to the comment at
 * the top of layout.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "clock.h"
#include "liveness.h"
#include "reader.h"
#include "reader_int.h"

static int default_alive(void *ctx, uint32_t pid, uint32_t tid, uint64_t *start_time)
{
	struct rm_reader *r = ctx;
	return rm_thread_alive(pid, tid, start_time, r->dev, r->ino);
}

struct rm_reader *rm_reader_new(struct rm_arena *a)
{
	struct rm_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->a = a;
	r->events = calloc(a->event_max, sizeof(*r->events));
	r->cat = calloc(a->event_max, 1);
	r->rec_size = calloc(a->event_max, sizeof(*r->rec_size));
	r->chunks = calloc(a->chunk_count, sizeof(*r->chunks));
	r->slots = calloc(a->slot_max, sizeof(*r->slots));
	r->cands = calloc(a->chunk_count, sizeof(*r->cands));
	r->dead = calloc(a->slot_max, sizeof(*r->dead));
	r->live_slots = calloc(a->chunk_count, sizeof(*r->live_slots));
	r->buf = malloc(a->chunk_size);
	if (!r->events || !r->cat || !r->rec_size || !r->chunks || !r->slots || !r->cands ||
	    !r->dead || !r->live_slots || !r->buf) {
		rm_reader_free(r);
		return NULL;
	}
	struct stat st;
	if (a->fd >= 0 && fstat(a->fd, &st) == 0) {
		r->dev = st.st_dev;
		r->ino = st.st_ino;
	}
	r->alive = default_alive;
	r->alive_ctx = r;
	return r;
}

void rm_reader_free(struct rm_reader *r)
{
	if (!r)
		return;
	free(r->events);
	free(r->cat);
	free(r->rec_size);
	free(r->dead);
	free(r->chunks);
	free(r->slots);
	free(r->cands);
	free(r->live_slots);
	free(r->buf);
	free(r);
}

void rm_reader_set_alive(struct rm_reader *r, rm_alive_fn fn, void *ctx)
{
	r->alive = fn;
	r->alive_ctx = ctx;
}

const struct rm_reader_stats *rm_reader_stats(const struct rm_reader *r)
{
	return &r->st;
}

uint64_t rm_reader_lost_global(const struct rm_reader *r)
{
	return __atomic_load_n(&r->a->hdr->lost_noslot, __ATOMIC_RELAXED) +
	       __atomic_load_n(&r->a->hdr->lost_nested, __ATOMIC_RELAXED) +
	       rm_reader_lost_catalog(r);
}

uint64_t rm_reader_lost_catalog(const struct rm_reader *r)
{
	return __atomic_load_n(&r->a->hdr->lost_catalog, __ATOMIC_RELAXED);
}

void rm_reader_causes(const struct rm_reader *r, struct rm_reader_causes *out)
{
	const struct rm_arena_hdr *h = r->a->hdr;
	const struct rm_reader_stats *st = &r->st;
	uint64_t large = __atomic_load_n(&h->lost_toolarge, __ATOMIC_RELAXED);
	/* st.lost: what the slots reported, plus what the reader counted */
	uint64_t slots = st->lost - st->overwritten - st->refused_records - st->lost_corrupt;
	*out = (struct rm_reader_causes){
		.too_large = large < slots ? large : slots,
		.no_slot = __atomic_load_n(&h->lost_noslot, __ATOMIC_RELAXED) +
			   __atomic_load_n(&h->lost_nested, __ATOMIC_RELAXED),
		.catalog_full = rm_reader_lost_catalog(r),
		.refused = st->refused_records,
		.corrupt = st->lost_corrupt,
		.overwritten = st->overwritten,
		.truncated = __atomic_load_n(&h->truncated, __ATOMIC_RELAXED),
	};
	out->buffer_full = slots - out->too_large;
}

uint32_t rm_reader_event_count(const struct rm_reader *r)
{
	uint32_t n = __atomic_load_n(&r->a->hdr->next_event_id, __ATOMIC_ACQUIRE);
	return n < r->a->event_max ? n : r->a->event_max;
}

static void load_event(struct rm_reader *r, uint32_t id)
{
	if (r->cat[id] != CAT_UNKNOWN)
		return;
	const struct rm_catalog_entry *e = &r->a->catalog[id];
	if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) == RM_CAT_EMPTY)
		return; /* not written yet: try again later */
	if (rm_catalog_read(e, id, &r->events[id])) {
		r->cat[id] = CAT_VALID;
		r->rec_size[id] = rm_fixed_record_size(&r->events[id]);
	} else {
		r->cat[id] = CAT_REFUSED;
		r->st.bad_events++;
	}
}

bool rm_reader_event_pending(struct rm_reader *r, uint32_t id)
{
	if (id >= r->a->event_max)
		return false;
	load_event(r, id);
	return r->cat[id] == CAT_UNKNOWN;
}

uint32_t rm_reader_catalog_gen(const struct rm_reader *r)
{
	return __atomic_load_n(&r->a->hdr->catalog_gen, __ATOMIC_ACQUIRE);
}

const struct rm_event_info *rm_reader_event(struct rm_reader *r, uint32_t id)
{
	if (id >= r->a->event_max)
		return NULL;
	load_event(r, id);
	return r->cat[id] == CAT_VALID ? &r->events[id] : NULL;
}

static int cand_cmp(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	if (a->slot_gen != b->slot_gen)
		return a->slot_gen < b->slot_gen ? -1 : 1;
	if (a->level != b->level)
		return a->level < b->level ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Step 1: every chunk a producer holds or sealed becomes a candidate. */
static uint32_t scan_chunks(struct rm_reader *r)
{
	struct rm_arena *a = r->a;
	uint32_t n = 0;
	for (uint32_t i = 0; i < a->chunk_count; i++) {
		struct rm_chunk_desc *d = &a->descs[i];
		uint64_t s = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE); /* (B) */
		uint32_t kind = RM_CS_KIND(s);
		r->chunks[i].scanned = s;
		if (kind == RM_CHUNK_CONSUMING) {
			/* Left by a consumer that died between taking this sealed
			 * chunk and freeing it (ours never outlive a drain): its
			 * records from `consumed` on may have reached no trace, so
			 * read them again rather than drop them. */
			uint64_t full = RM_CS_MAKE(RM_CHUNK_FULL, RM_CS_LEVEL(s), RM_CS_SLOT(s),
						   RM_CS_GEN(s));
			if (!__atomic_compare_exchange_n(&d->state, &s, full, false, __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
				continue;
			s = full;
			kind = RM_CHUNK_FULL;
			r->chunks[i].scanned = s;
		}
		if (kind != RM_CHUNK_OWNED && kind != RM_CHUNK_FULL)
			continue;
		uint32_t slot = RM_CS_SLOT(s), level = RM_CS_LEVEL(s);
		if (slot >= a->slot_max || level >= RM_LEVELS) {
			r->st.corrupt++;
			continue;
		}
		if (r->slots[slot].live++ == 0)
			r->live_slots[r->nlive++] = slot;
		r->live_hi = slot >= r->live_hi ? slot + 1 : r->live_hi;
		const uint64_t *w0 = (const uint64_t *)rm_chunk_addr(a, i);
		bool empty = kind == RM_CHUNK_OWNED && __atomic_load_n(w0, __ATOMIC_ACQUIRE) == 0; /* (A) */
		r->cands[n++] = (struct cand){
			.chunk = i, .slot = slot, .level = level, .gen = RM_CS_GEN(s), .empty = empty,
			.slot_gen = __atomic_load_n(&d->slot_gen, __ATOMIC_RELAXED),
			.seq = __atomic_load_n(&d->seq, __ATOMIC_RELAXED),
		};
	}
	r->short_of_chunks = (uint64_t)(a->chunk_count - n) * 4 < a->chunk_count;
	return n;
}

static void skip_context(struct rm_reader *r, uint32_t n, uint32_t slot, uint32_t level)
{
	for (uint32_t j = 0; j < n; j++)
		if (r->cands[j].slot == slot && r->cands[j].level == level)
			r->cands[j].skip = true;
}

/* Step 2: the candidates in order per context (slot, level, seq); a
 * context whose order this drain cannot know waits for the next one. */
static void order_cands(struct rm_reader *r, uint32_t n)
{
	struct rm_arena *a = r->a;
	/* The scan is no snapshot: an owner can claim, fill and seal a chunk
	 * we had already passed, then claim one we reach later. A chunk that
	 * appeared during the scan marks its context as unordered for this
	 * drain. */
	for (uint32_t i = 0; i < a->chunk_count; i++) {
		uint64_t s = __atomic_load_n(&a->descs[i].state, __ATOMIC_ACQUIRE), s1 = r->chunks[i].scanned;
		uint32_t kind = RM_CS_KIND(s), kind1 = RM_CS_KIND(s1);
		if (kind != RM_CHUNK_OWNED && kind != RM_CHUNK_FULL)
			continue;
		if ((kind1 == RM_CHUNK_OWNED || kind1 == RM_CHUNK_FULL) && RM_CS_GEN(s) == RM_CS_GEN(s1) &&
		    RM_CS_SLOT(s) == RM_CS_SLOT(s1) && RM_CS_LEVEL(s) == RM_CS_LEVEL(s1))
			continue;
		skip_context(r, n, RM_CS_SLOT(s), RM_CS_LEVEL(s));
	}
	/* A chunk seen empty that holds records now may be older than a chunk
	 * of the same context scanned after it (the owner filled and sealed it,
	 * then claimed the other): the order of that context is unknown in this
	 * drain, so none of it is handed over until the next one. */
	for (uint32_t k = 0; k < n; k++) {
		struct cand *e = &r->cands[k];
		const uint64_t *w0 = (const uint64_t *)rm_chunk_addr(a, e->chunk);
		if (e->empty && __atomic_load_n(w0, __ATOMIC_ACQUIRE) != 0)
			skip_context(r, n, e->slot, e->level);
	}
	qsort(r->cands, n, sizeof(*r->cands), cand_cmp);
}

/* Step 4: slots of dead threads are retired; a live thread without a
 * chunk has its drops reported. A churn of short threads runs out of
 * slots before chunks (thousands a second, each holding its slot until we
 * see it dead), so a short supply makes liveness checks more frequent.
 *
 * A slot is retired only when no chunk names it, looked at after its
 * owner was seen dead (a dead owner claims nothing more; the scan at the
 * start of the drain may be stale). One look at the descriptors for all
 * the slots seen dead in this drain, not one per slot: a fork storm's
 * consumer spent more on those looks (a pass over every descriptor per
 * exited child) than on draining the child's records (issue 18). */
static void unmark_slots_with_chunks(struct rm_reader *r)
{
	for (uint32_t i = 0; i < r->a->chunk_count; i++) {
		uint64_t s = __atomic_load_n(&r->a->descs[i].state, __ATOMIC_ACQUIRE); /* (B) */
		uint32_t kind = RM_CS_KIND(s), slot = RM_CS_SLOT(s);
		if ((kind == RM_CHUNK_OWNED || kind == RM_CHUNK_FULL) && slot < r->a->slot_max)
			r->slots[slot].retire = false;
	}
}

static int tend_slots(struct rm_reader *r, bool final, rm_packet_fn fn, void *ctx)
{
	struct rm_arena *a = r->a;
	uint32_t in_use = 0, ndead = 0, hi = 0;
	/* Each slot's owner word is a cache line of its own (176-byte slots):
	 * a look at all 4,096 of them was most of a busy consumer's drain (a
	 * fork storm's, drained every millisecond; issue 18). A slot beyond
	 * `end` is a thread that claimed since the last full look and holds
	 * no chunk (else live_hi covers it): its drops are reported, and its
	 * slot retired, at the next one, RM_SLOT_FULL_SCAN_MS later at most. */
	bool full = final || r->short_of_slots || r->now_ms < r->slots_full_ms ||
		    r->now_ms - r->slots_full_ms >= RM_SLOT_FULL_SCAN_MS;
	uint32_t end = a->slot_max;
	if (!full) {
		uint64_t e = (uint64_t)(r->slot_hi > r->live_hi ? r->slot_hi : r->live_hi) +
			     RM_SLOT_SCAN_MARGIN;
		end = e < a->slot_max ? (uint32_t)e : a->slot_max;
	}
	for (uint32_t i = 0; i < end; i++) {
		/* with `final` every chunk was just freed, so no slot is in use */
		if (__atomic_load_n(&a->slots[i].owner, __ATOMIC_ACQUIRE) == 0)
			continue;
		in_use++;
		hi = i + 1;
		if (r->slots[i].live && !final)
			continue;
		if (rd_slot_dead(r, i, final)) {
			r->slots[i].retire = true;
			r->dead[ndead++] = i;
		} else if (!r->slots[i].live) {
			int ret = rd_report_lost(r, i, fn, ctx);
			if (ret)
				return ret;
		}
	}
	if (ndead)
		unmark_slots_with_chunks(r);
	for (uint32_t k = 0; k < ndead; k++) {
		uint32_t i = r->dead[k];
		int ret;
		if (r->slots[i].retire) {
			ret = rd_retire_slot(r, i, fn, ctx); /* clears retire */
			in_use -= ret == 0;
		} else {
			ret = r->slots[i].live ? 0 : rd_report_lost(r, i, fn, ctx);
		}
		if (ret) {
			for (; k < ndead; k++)
				r->slots[r->dead[k]].retire = false;
			return ret;
		}
	}
	if (full) {
		r->short_of_slots = (uint64_t)(a->slot_max - in_use) * 4 < a->slot_max;
		r->slots_full_ms = r->now_ms;
		r->slot_hi = hi;
	} else if (hi > r->slot_hi) {
		r->slot_hi = hi;
	}
	return 0;
}

int rm_reader_drain(struct rm_reader *r, bool final, rm_packet_fn fn, void *ctx)
{
	for (uint32_t id = 0; id < rm_reader_event_count(r); id++)
		load_event(r, id);
	r->now_ms = rm_clock_mono_ns() / 1000000;
	/* the live counts of the previous scan only: not every slot's */
	for (uint32_t i = 0; i < r->nlive; i++)
		r->slots[r->live_slots[i]].live = 0;
	r->nlive = 0;
	r->live_hi = 0;
	uint32_t n = scan_chunks(r);
	order_cands(r, n);
	for (uint32_t k = 0; k < n; k++) { /* step 3 */
		int ret = drain_chunk(r, &r->cands[k], final, fn, ctx);
		if (ret)
			return ret;
	}
	/* Step 4 reads every slot's owner word (4,096 cache lines by
	 * default): once per millisecond is enough for its cadences (10 and
	 * 200 ms), and back-to-back drains of a flat-out producer spent 6 %
	 * of the consumer there. */
	if (!final && r->tended && r->tended_ms == r->now_ms)
		return 0;
	r->tended = true;
	r->tended_ms = r->now_ms;
	return tend_slots(r, final, fn, ctx);
}
