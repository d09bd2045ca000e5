/* Consumer side of the arena: see reader.h. Pairs (A)..(E) refer to the
 * comment at the top of layout.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

/* Zeroes a chunk the consumer holds in CONSUMING and returns it to FREE,
 * (B) and (E). */
void rd_release_chunk(struct rm_reader *r, uint32_t idx, uint32_t gen)
{
	struct rm_chunk_desc *d = &r->a->descs[idx];
	memset(rm_chunk_addr(r->a, idx), 0, rm_chunk_len(r->a, idx));
	__atomic_store_n(&d->consumed, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&d->state, RM_CS_MAKE(RM_CHUNK_FREE, 0, 0, gen + 1), __ATOMIC_RELEASE);
	__atomic_fetch_add(&r->a->hdr->released, 1, __ATOMIC_RELEASE);
	r->chunks[idx].seen = false;
	r->st.chunks_freed++;
}

/* The CAS fails when a producer reclaimed the chunk first (overwrite
 * mode): then it is theirs. */
void rd_free_chunk(struct rm_reader *r, uint32_t idx, uint64_t s)
{
	struct rm_chunk_desc *d = &r->a->descs[idx];
	uint64_t consuming = RM_CS_MAKE(RM_CHUNK_CONSUMING, RM_CS_LEVEL(s), RM_CS_SLOT(s), RM_CS_GEN(s));
	if (__atomic_compare_exchange_n(&d->state, &s, consuming, false, __ATOMIC_ACQ_REL,
					__ATOMIC_RELAXED))
		rd_release_chunk(r, idx, RM_CS_GEN(s));
}

/* A chunk as the scan saw it, if it is still that and is to be read now:
 * a sealed one is taken (CONSUMING) first, so no reclaimer (overwrite
 * mode) can zero it while we read it, (B). Sets *s and *held. */
static bool chunk_enter(struct rm_reader *r, const struct cand *k, bool final, uint64_t *s,
			bool *held)
{
	struct rm_chunk_desc *d = &r->a->descs[k->chunk];
	struct chunk_view *v = &r->chunks[k->chunk];
	*s = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE); /* (B) */
	uint32_t kind = RM_CS_KIND(*s);
	if ((kind != RM_CHUNK_OWNED && kind != RM_CHUNK_FULL) || RM_CS_SLOT(*s) != k->slot ||
	    RM_CS_LEVEL(*s) != k->level || RM_CS_GEN(*s) != k->gen || k->skip)
		return false; /* changed since the scan, or out of order: next drain */
	if (k->empty) {
		/* Its seq was not readable, so it cannot be placed in order:
		 * read it next drain. A dead owner's empty chunk is freed. */
		const uint64_t *w0 = (const uint64_t *)rm_chunk_addr(r->a, k->chunk);
		if (kind == RM_CHUNK_OWNED && rd_slot_dead(r, k->slot, final) &&
		    __atomic_load_n(w0, __ATOMIC_ACQUIRE) == 0)
			rd_free_chunk(r, k->chunk, *s);
		return false;
	}
	*held = kind == RM_CHUNK_FULL;
	if (*held) {
		uint64_t consuming = RM_CS_MAKE(RM_CHUNK_CONSUMING, RM_CS_LEVEL(*s), RM_CS_SLOT(*s),
						RM_CS_GEN(*s));
		if (!__atomic_compare_exchange_n(&d->state, s, consuming, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			return false; /* reclaimed under us: it is counted there */
	}
	if (!v->seen || v->gen != RM_CS_GEN(*s)) {
		uint32_t resume = __atomic_load_n(&d->consumed, __ATOMIC_ACQUIRE);
		*v = (struct chunk_view){ .gen = RM_CS_GEN(*s), .seen = true, .cvalue = resume };
		v->rpos = (resume % 8 == 0 && resume <= rm_chunk_len(r->a, k->chunk)) ? resume : 0;
		v->first_done = v->rpos != 0;
		if (v->rpos)
			v->taken = rd_count_before(rm_chunk_addr(r->a, k->chunk),
						   rm_chunk_len(r->a, k->chunk), v->rpos);
	}
	return true;
}

/* The check that cannot be bypassed: once a sealed chunk is read to its
 * end, the records its owner committed there (desc->committed, bounded:
 * an app can scribble on it) that were neither handed over nor counted
 * are lost, refused as corrupt. Records refused since the seal are
 * counted here, so a record is never counted twice: at least those. */
static uint64_t settle_chunk(struct rm_reader *r, uint32_t chunk, struct chunk_view *v,
			     uint64_t by[RM_LOST_CAUSES])
{
	uint64_t cmt = __atomic_load_n(&r->a->descs[chunk].committed, __ATOMIC_RELAXED);
	uint64_t cap = rm_chunk_len(r->a, chunk) / RM_RECORD_HDR;
	if (cmt > cap)
		cmt = cap;
	uint64_t miss = cmt > v->taken ? cmt - v->taken : 0;
	if (miss < v->held_refused)
		miss = v->held_refused;
	r->st.refused_records += v->held_refused;
	r->st.lost_corrupt += miss - v->held_refused;
	r->st.lost += miss;
	by[RM_LOST_REFUSED] += v->held_refused;
	by[RM_LOST_CORRUPT] += miss - v->held_refused;
	v->taken += (uint32_t)miss;
	v->held_refused = 0;
	return miss;
}

/* One walk's records as a packet: emitted, and the chunk's read position
 * published. 1 when the walk ended on a refused record (walk on after
 * it), 0 when the chunk is done for this drain, -1 to stop (the copy was
 * dropped, (F)), or the sink's nonzero value in *ret. */
static int emit_walk(struct rm_reader *r, const struct cand *k, bool held, uint64_t owner,
		     struct walk *w, rm_packet_fn fn, void *ctx, int *ret)
{
	struct rm_chunk_desc *d = &r->a->descs[k->chunk];
	struct chunk_view *v = &r->chunks[k->chunk];
	uint32_t pos = v->rpos + w->off + w->skip, nrec = w->nrec;
	size_t len = w->off;
	bool bad = w->why && !w->skip;
	if (bad)
		r->st.last_corrupt = w->why;
	else if (w->why)
		r->st.last_refused = w->why;

	/* An OWNED chunk can be sealed and reclaimed (overwrite mode) while we
	 * copy it. Publishing how far we read decides who counts the records,
	 * (F): if our CAS lands first the reclaimer counts only what follows,
	 * and it zeroes the chunk only after our copy; if its exchange lands
	 * first, the records are counted as overwritten and the copy is
	 * dropped. */
	if (!held && (len || w->why) &&
	    !__atomic_compare_exchange_n(&d->consumed, &v->cvalue, pos, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		v->seen = false;
		return -1;
	}
	/* a sealed chunk's last walk (a refused record has more after it) */
	v->taken += nrec;
	uint64_t by[RM_LOST_CAUSES] = { 0 };
	uint64_t settled = held && !w->skip ? settle_chunk(r, k->chunk, v, by) : 0;
	if (!len && !w->why && !settled)
		return 0;
	struct rm_packet p = {
		.pid = (uint32_t)(owner >> 32), .tid = (uint32_t)owner, .slot = k->slot,
		.level = k->level, .seq = k->seq, .nrecords = nrec,
		.ts_begin = nrec ? w->ts_begin : 0, .ts_end = nrec ? w->ts_end : 0,
		.data = r->buf, .len = len, .corrupt = bad, .nids = w->many_ids ? 0 : w->nids,
		.ctx_any = w->ctx_any,
	};
	memcpy(p.ids, w->ids, sizeof(p.ids));
	if (!v->first_done && nrec)
		p.lost = rd_lost_delta(r, k->slot, k->level,
				       __atomic_load_n(&d->lost_before, __ATOMIC_RELAXED), by);
	if (w->skip && held) { /* counted when the chunk is settled */
		v->held_refused++;
	} else if (w->skip) { /* the refused record: in this packet's events_discarded */
		p.lost++;
		by[RM_LOST_REFUSED]++;
		r->st.lost++;
		r->st.refused_records++;
		v->taken++;
	}
	p.lost += settled;
	memcpy(p.lost_by, by, sizeof(p.lost_by));
	v->first_done = v->first_done || nrec;
	v->rpos = v->cvalue = pos;
	if (bad) {
		v->broken = true;
		r->st.corrupt++;
	}
	r->st.records += nrec;
	r->st.packets++;
	*ret = len || p.lost ? fn(ctx, &p) : 0;
	/* only once the packet is out: a consumer killed before this leaves
	 * the chunk CONSUMING with the old position, and the next one reads
	 * these records again rather than never */
	if (held)
		__atomic_store_n(&d->consumed, pos, __ATOMIC_RELEASE);
	return w->skip ? 1 : 0;
}

static int drain_chunk(struct rm_reader *r, const struct cand *k, bool final, rm_packet_fn fn,
		       void *ctx)
{
	uint64_t s;
	bool held = false;
	if (!chunk_enter(r, k, final, &s, &held))
		return 0;
	struct chunk_view *v = &r->chunks[k->chunk];
	uint64_t owner;
	rd_slot_view(r, k->slot, &owner);
	const char *c = rm_chunk_addr(r->a, k->chunk);
	uint32_t clen = rm_chunk_len(r->a, k->chunk);
	/* Only a chunk that stopped moving can belong to a dead owner; its
	 * records are copied after the verdict, so none committed before the
	 * death is missed. */
	bool dead = false;
	if (!held) {
		bool moving = v->rpos <= clen - RM_RECORD_HDR &&
			      __atomic_load_n((const uint64_t *)(c + v->rpos), __ATOMIC_ACQUIRE);
		dead = final || (!moving && rd_slot_dead(r, k->slot, final));
	}

	/* A record whose size is sane but whose id or payload is refused is
	 * skipped, counted lost, and the walk goes on after it; one whose size
	 * is out of bounds ends the chunk (nothing after it can be found). */
	uint64_t floor = 0;
	int next, ret = 0;
	do {
		struct walk w = { .ts_end = floor };
		if (!v->broken && held)
			rd_take_held(r, c, clen, v->rpos, &w);
		else if (!v->broken)
			rd_take_owned(r, c, clen, v->rpos, &w);
		floor = w.ts_end;
		next = emit_walk(r, k, held, owner, &w, fn, ctx, &ret);
		if (next < 0)
			return 0;
	} while (next && !ret);
	if (held)
		rd_release_chunk(r, k->chunk, RM_CS_GEN(s));
	else if (dead && !ret)
		rd_free_chunk(r, k->chunk, s);
	return ret;
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
