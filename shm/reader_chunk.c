/* Step 3 of a drain: one chunk, as the scan and its order put it (see
 * reader_int.h). Taken if it is still what the scan saw (chunk_enter),
 * walked (reader_walk.c), each walk's records handed over as a packet
 * with the losses counted at that point (emit_walk), a sealed chunk's
 * count settled against its owner's (settle_chunk), and the chunk given
 * back. Apart from reader.c, which finds the chunks and puts them in
 * order, because this is the protocol with a chunk's owner and its
 * reclaimer, pairs (B), (E) and (F) of the comment at the top of
 * layout.h. */
#include <string.h>

#include "reader_int.h"

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

int drain_chunk(struct rm_reader *r, const struct cand *k, bool final, rm_packet_fn fn,
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
