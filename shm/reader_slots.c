/* The producer threads as the reader follows them: a slot's owner, alive
 * or dead (asked of /proc at a bounded cadence), the losses it reported,
 * and the slot's return once its owner is gone. See reader_int.h. */
#include <string.h>

#include "reader_int.h"

/* The private view of a slot, reset whenever the slot changed hands. */
struct slot_view *rd_slot_view(struct rm_reader *r, uint32_t slot, uint64_t *owner)
{
	struct slot_view *v = &r->slots[slot];
	*owner = __atomic_load_n(&r->a->slots[slot].owner, __ATOMIC_ACQUIRE); /* (D) */
	if (*owner != v->owner) {
		uint32_t live = v->live;
		memset(v, 0, sizeof(*v));
		v->owner = *owner;
		v->live = live;
		v->alive = -1;
		/* resume where an earlier consumer stopped reporting losses;
		 * too-large drops it reported cannot be told from those it did
		 * not: a slot with reported losses starts from its count now */
		bool resumed = false;
		for (uint32_t l = 0; l < RM_LEVELS; l++) {
			resumed |= __atomic_load_n(&r->a->slots[slot].lost_reported[l],
						   __ATOMIC_RELAXED) != 0;
			v->lost_seen[l] = __atomic_load_n(&r->a->slots[slot].lost_reported[l],
							  __ATOMIC_RELAXED);
			v->over_seen[l] = __atomic_load_n(&r->a->slots[slot].over_reported[l],
							  __ATOMIC_RELAXED);
		}
		if (resumed)
			v->toolarge_seen = __atomic_load_n(&r->a->slots[slot].toolarge,
							   __ATOMIC_RELAXED);
	}
	return v;
}

/* The owner is gone for sure (or the caller said every producer is). */
bool rd_slot_dead(struct rm_reader *r, uint32_t slot, bool final)
{
	uint64_t owner;
	struct slot_view *v = rd_slot_view(r, slot, &owner);
	if (final || owner == 0)
		return true; /* owner 0: a chunk names a slot nobody holds */
	/* /proc costs tens of microseconds (and a maps read takes the app's
	 * mmap lock): an idle thread is asked about at most every
	 * RM_ALIVE_RECHECK_MS, or every RM_ALIVE_RECHECK_SHORT_MS when chunks
	 * run short (many short-lived producers: their chunks are wanted back
	 * soon, but the consumer may drain every millisecond); a dead one
	 * stays dead. */
	uint64_t every = r->short_of_chunks || r->short_of_slots ? RM_ALIVE_RECHECK_SHORT_MS
								  : RM_ALIVE_RECHECK_MS;
	if (v->alive < 0 || (v->alive == 1 && r->now_ms - v->checked_ms >= every)) {
		v->checked_ms = r->now_ms;
		int a = r->alive(r->alive_ctx, (uint32_t)(owner >> 32), (uint32_t)owner,
				 &v->start_time);
		/* unknown (-1) is not dead: kept as alive, asked again later */
		v->alive = a == 0 ? 0 : 1;
	}
	return v->alive == 0;
}

int rd_emit_lost_only(struct rm_reader *r, uint32_t slot, uint32_t level, uint64_t owner,
			  uint64_t lost, const uint64_t by[RM_LOST_CAUSES], rm_packet_fn fn,
			  void *ctx)
{
	struct rm_packet p = {
		.pid = (uint32_t)(owner >> 32), .tid = (uint32_t)owner, .slot = slot,
		.level = level, .lost = lost,
	};
	memcpy(p.lost_by, by, sizeof(p.lost_by));
	r->st.packets++;
	return fn(ctx, &p);
}

/* Records of a context lost since the last packet: what its owner dropped
 * (lost_before of this chunk) plus what others reclaimed (overwritten). */
uint64_t rd_lost_delta(struct rm_reader *r, uint32_t slot, uint32_t level, uint64_t lost_now,
		       uint64_t by[RM_LOST_CAUSES])
{
	struct slot_view *v = &r->slots[slot];
	uint64_t over = __atomic_load_n(&r->a->slots[slot].overwritten[level], __ATOMIC_RELAXED);
	uint64_t d = 0;
	if (lost_now > v->lost_seen[level]) {
		uint64_t dl = lost_now - v->lost_seen[level];
		/* the owner counts a too-large drop in `toolarge` before lost[]:
		 * what this delta cannot hold waits for the next one */
		uint32_t tl = __atomic_load_n(&r->a->slots[slot].toolarge, __ATOMIC_RELAXED);
		uint64_t big = (uint32_t)(tl - v->toolarge_seen);
		big = big < dl ? big : dl;
		v->toolarge_seen += (uint32_t)big;
		d += dl;
		by[RM_LOST_TOO_LARGE] += big;
		by[RM_LOST_BUFFER_FULL] += dl - big;
		v->lost_seen[level] = lost_now;
	}
	if (over > v->over_seen[level]) {
		d += over - v->over_seen[level];
		by[RM_LOST_OVERWRITTEN] += over - v->over_seen[level];
		r->st.overwritten += over - v->over_seen[level];
		v->over_seen[level] = over;
	}
	r->st.lost += d;
	if (d) {
		__atomic_store_n(&r->a->slots[slot].lost_reported[level], v->lost_seen[level],
				 __ATOMIC_RELAXED);
		__atomic_store_n(&r->a->slots[slot].over_reported[level], v->over_seen[level],
				 __ATOMIC_RELAXED);
	}
	return d;
}

/* What a slot's owner dropped since its last reported packet, as packets
 * of their own. Asked of a dead thread's slot, and of a live one that
 * holds no chunk: it dropped for want of one, and no next chunk may come
 * to carry the count (a burst that ended while the arena was full). */
int rd_report_lost(struct rm_reader *r, uint32_t i, rm_packet_fn fn, void *ctx)
{
	struct rm_slot *s = &r->a->slots[i];
	uint64_t owner;
	rd_slot_view(r, i, &owner);
	for (uint32_t l = 0; l < RM_LEVELS; l++) {
		uint64_t by[RM_LOST_CAUSES] = { 0 };
		uint64_t lost = rd_lost_delta(r, i, l, __atomic_load_n(&s->lost[l], __ATOMIC_RELAXED),
					      by);
		if (lost) {
			int ret = rd_emit_lost_only(r, i, l, owner, lost, by, fn, ctx);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* A dead thread's slot: report what it dropped after its last chunk, then
 * free the slot for another thread, (D) and (E). */
int rd_retire_slot(struct rm_reader *r, uint32_t i, rm_packet_fn fn, void *ctx)
{
	struct rm_slot *s = &r->a->slots[i];
	int ret = rd_report_lost(r, i, fn, ctx);
	if (ret)
		return ret;
	/* relaxed atomics: the dead owner's last stores are ordered only by
	 * its death, which /proc told us about */
	for (uint32_t l = 0; l < RM_LEVELS; l++) {
		__atomic_store_n(&s->lost[l], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->overwritten[l], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->next_seq[l], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->lost_reported[l], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->over_reported[l], 0, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&s->toolarge, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->gen, s->gen + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&s->owner, 0, __ATOMIC_RELEASE);
	__atomic_fetch_add(&r->a->hdr->released, 1, __ATOMIC_RELEASE);
	memset(&r->slots[i], 0, sizeof(r->slots[i]));
	r->st.slots_freed++;
	return 0;
}
