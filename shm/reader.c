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

#define RM_ALIVE_RECHECK_MS 200
#define RM_ALIVE_RECHECK_SHORT_MS 10 /* when chunks or slots run short */

enum { CAT_UNKNOWN = 0, CAT_VALID = 1, CAT_REFUSED = 2 };

struct chunk_view {
	uint32_t gen;      /* incarnation rpos refers to */
	uint32_t rpos;     /* bytes of that incarnation already handed over */
	bool seen;         /* gen/rpos are meaningful */
	bool broken;       /* malformed data: skip the rest of this incarnation */
	bool first_done;   /* the first packet of this incarnation went out */
	uint64_t scanned;  /* state word seen by the current drain's scan */
	uint32_t cvalue;   /* desc->consumed as we last saw or set it, (F) */
};

struct slot_view {
	uint64_t owner;    /* owner word the fields below belong to */
	uint64_t start_time;
	uint32_t live;     /* chunks OWNED/FULL in this drain */
	int8_t alive;      /* -1 unknown, 0 dead (for good), 1 alive when checked */
	uint64_t checked_ms; /* when `alive` was last asked of /proc */
	uint64_t lost_seen[RM_LEVELS];
	uint64_t over_seen[RM_LEVELS];
};

/* A chunk to drain, as the scan saw it. seq and slot_gen are written by
 * the owner after its claim and ordered only by its first commit (A): they
 * are trusted for a FULL chunk, or an OWNED one whose first record was
 * committed when we looked (`empty` otherwise). */
struct cand {
	uint32_t chunk, slot, level, slot_gen;
	uint32_t gen;      /* incarnation seen by the scan */
	bool empty;        /* OWNED without a committed record at scan time */
	bool skip;         /* its context's order is unknown in this drain */
	uint64_t seq;
};

struct rm_reader {
	struct rm_arena *a;
	struct rm_event_info *events;
	uint8_t *cat;
	uint32_t *rec_size;       /* per valid id: rm_fixed_record_size, or 0 */
	struct chunk_view *chunks;
	struct slot_view *slots;
	struct cand *cands;
	unsigned char *buf;
	rm_alive_fn alive;
	void *alive_ctx;
	uint64_t now_ms;          /* CLOCK_MONOTONIC at the start of the drain */
	bool short_of_chunks;     /* under a quarter free at the last scan */
	bool short_of_slots;      /* under a quarter free at the last drain */
	dev_t dev;
	ino_t ino;
	struct rm_reader_stats st;
};

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
	r->buf = malloc(a->chunk_size);
	if (!r->events || !r->cat || !r->rec_size || !r->chunks || !r->slots || !r->cands || !r->buf) {
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
	free(r->chunks);
	free(r->slots);
	free(r->cands);
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

const struct rm_event_info *rm_reader_event(struct rm_reader *r, uint32_t id)
{
	if (id >= r->a->event_max)
		return NULL;
	load_event(r, id);
	return r->cat[id] == CAT_VALID ? &r->events[id] : NULL;
}

/* The private view of a slot, reset whenever the slot changed hands. */
static struct slot_view *slot_view(struct rm_reader *r, uint32_t slot, uint64_t *owner)
{
	struct slot_view *v = &r->slots[slot];
	*owner = __atomic_load_n(&r->a->slots[slot].owner, __ATOMIC_ACQUIRE); /* (D) */
	if (*owner != v->owner) {
		uint32_t live = v->live;
		memset(v, 0, sizeof(*v));
		v->owner = *owner;
		v->live = live;
		v->alive = -1;
		/* resume where an earlier consumer stopped reporting losses */
		for (uint32_t l = 0; l < RM_LEVELS; l++) {
			v->lost_seen[l] = __atomic_load_n(&r->a->slots[slot].lost_reported[l],
							  __ATOMIC_RELAXED);
			v->over_seen[l] = __atomic_load_n(&r->a->slots[slot].over_reported[l],
							  __ATOMIC_RELAXED);
		}
	}
	return v;
}

/* The owner is gone for sure (or the caller said every producer is). */
static bool slot_dead(struct rm_reader *r, uint32_t slot, bool final)
{
	uint64_t owner;
	struct slot_view *v = slot_view(r, slot, &owner);
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

/* Zeroes a chunk the consumer holds in CONSUMING and returns it to FREE,
 * (B) and (E). */
static void release_chunk(struct rm_reader *r, uint32_t idx, uint32_t gen)
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
static void free_chunk(struct rm_reader *r, uint32_t idx, uint64_t s)
{
	struct rm_chunk_desc *d = &r->a->descs[idx];
	uint64_t consuming = RM_CS_MAKE(RM_CHUNK_CONSUMING, RM_CS_LEVEL(s), RM_CS_SLOT(s), RM_CS_GEN(s));
	if (__atomic_compare_exchange_n(&d->state, &s, consuming, false, __ATOMIC_ACQ_REL,
					__ATOMIC_RELAXED))
		release_chunk(r, idx, RM_CS_GEN(s));
}

/* What a walk over a chunk's records found: the valid records are
 * r->buf[0, off), copied from the chunk at the position the walk began. */
struct walk {
	uint32_t off;
	uint32_t nrec;
	uint64_t ts_begin, ts_end;
	uint32_t last_id;
	uint64_t fixed_word; /* last record word valid by its size alone, or 0 */
	uint32_t nids;     /* distinct ids so far, see rm_packet.ids */
	bool many_ids;     /* more than RM_PACKET_IDS */
	uint32_t ids[RM_PACKET_IDS];
	const char *why;   /* set when malformed data ended the walk */
	uint32_t skip;     /* with why: the bad record's aligned size, when its size
			    * was sane, so the records after it can be found */
};

/* The payload check of a record whose size is not its event's one fixed
 * size: an id not seen yet, a refused one, or an event with strings, byte
 * sequences or booleans, decoded field by field. */
static const char *check_payload_slow(struct rm_reader *r, const unsigned char *rec,
				      uint32_t size, uint32_t id)
{
	const struct rm_event_info *e = rm_reader_event(r, id);
	if (!e)
		return "unknown or refused event id";
	if (r->rec_size[id] ? r->rec_size[id] != size /* loaded just now, or a wrong size */
			    : !rm_payload_ok(e, rec + RM_RECORD_HDR, size - RM_RECORD_HDR))
		return "payload does not match its event";
	return NULL;
}

/* Validates a record of the private copy: a known id, a payload that
 * matches its event, a timestamp not before the previous record's. One
 * compare for an event of fixed-size fields, none for a record with the
 * same word (id and size) as the last one checked that way. */
static inline const char *check_record(struct rm_reader *r, struct walk *w,
				       const unsigned char *rec, uint64_t word, uint64_t ts)
{
	if (word != w->fixed_word) { /* word != 0: callers stop at an uncommitted one */
		uint32_t size = RM_REC_SIZE(word), id = RM_REC_ID(word);
		if (id < r->a->event_max && r->rec_size[id] == size) {
			w->fixed_word = word;
		} else {
			const char *why = check_payload_slow(r, rec, size, id);
			if (why)
				return why;
		}
	}
	/* ts_end starts at the previous walk's end when a record was skipped */
	return ts < w->ts_end ? "timestamp went backwards" : NULL;
}

/* Zeroes the padding after a record's `size` bytes in the copy (the trace
 * gets zeros, not whatever the app left there): one 8-byte store. */
static inline void zero_pad(unsigned char *rec, uint32_t size, uint32_t asz)
{
	if (size == asz)
		return;
	uint64_t v;
	memcpy(&v, rec + asz - 8, 8);
	v &= (1ull << (8 * (8 - (asz - size)))) - 1;
	memcpy(rec + asz - 8, &v, 8);
}

static inline void take_record(struct walk *w, uint32_t id, uint64_t ts, uint32_t asz)
{
	if (!w->nrec || id != w->last_id) {
		w->last_id = id;
		bool known = false;
		for (uint32_t i = 0; i < w->nids && !known; i++)
			known = w->ids[i] == id;
		if (!known && w->nids < RM_PACKET_IDS)
			w->ids[w->nids++] = id;
		else if (!known)
			w->many_ids = true;
	}
	if (!w->nrec++)
		w->ts_begin = ts;
	w->ts_end = ts;
	w->off += asz;
}

/* Walks what is copied into r->buf[w->off, have). `room` is what the chunk
 * holds from the copy's start. Returns true when the walk is over (an
 * uncommitted word, the chunk's end, malformed data), false when a record
 * goes past `have`: copy more, then walk on. */
static bool walk_copy(struct rm_reader *r, struct walk *w, uint32_t have, uint32_t room)
{
	unsigned char *b = r->buf;
	struct walk l = *w; /* a local: stores into b cannot alias it */
	bool over;
	for (;;) {
		uint32_t off = l.off;
		if (room - off < RM_RECORD_HDR) {
			over = true;
			break;
		}
		if (have - off < RM_RECORD_HDR) {
			over = false;
			break;
		}
		uint64_t word, ts;
		memcpy(&word, b + off, 8);
		if (word == 0) {
			over = true;
			break;
		}
		uint32_t size = RM_REC_SIZE(word), id = RM_REC_ID(word);
		if (size < RM_RECORD_HDR || size > room - off) {
			l.why = "record size out of bounds";
			over = true;
			break;
		}
		uint32_t asz = RM_ALIGN8(size); /* room and off are 8-byte multiples */
		if (asz > have - off) {
			over = false;
			break;
		}
		memcpy(&ts, b + off + 8, 8);
		if ((l.why = check_record(r, &l, b + off, word, ts))) {
			l.skip = asz;
			over = true;
			break;
		}
		zero_pad(b + off, size, asz);
		take_record(&l, id, ts, asz);
	}
	*w = l;
	return over;
}

#define RM_COPY_BLOCK 16384u

/* A chunk the consumer holds (CONSUMING): no producer may write it and no
 * reclaimer may take it, (B), so it is copied with plain memcpy, a block
 * at a time while records continue, and validated in the copy (an app that
 * scribbles on it anyway changes nothing that was checked). */
static void take_held(struct rm_reader *r, const char *c, uint32_t clen, uint32_t pos,
		      struct walk *w)
{
	uint32_t room = clen - pos, have = 0;
	while (have < room) {
		uint32_t n = room - have < RM_COPY_BLOCK ? room - have : RM_COPY_BLOCK;
		memcpy(r->buf + have, c + pos + have, n);
		have += n;
		if (walk_copy(r, w, have, room))
			return;
	}
}

/* A chunk its owner may still write (OWNED): each record word is acquire-
 * loaded (A), the record copied with 8-byte relaxed loads, not memcpy: a
 * reclaimer may zero it meanwhile (overwrite mode); (F) then drops the
 * copy, and the race stays defined (and TSan-clean). */
static void take_owned(struct rm_reader *r, const char *c, uint32_t clen, uint32_t pos,
		       struct walk *w)
{
	uint32_t room = clen - pos;
	unsigned char *b = r->buf;
	while (room - w->off >= RM_RECORD_HDR) {
		uint32_t off = w->off;
		const char *src = c + pos + off;
		uint64_t word = __atomic_load_n((const uint64_t *)src, __ATOMIC_ACQUIRE); /* (A) */
		if (word == 0)
			return;
		uint32_t size = RM_REC_SIZE(word), id = RM_REC_ID(word);
		if (size < RM_RECORD_HDR || size > room - off) {
			w->why = "record size out of bounds";
			return;
		}
		uint32_t asz = RM_ALIGN8(size);
		for (uint32_t i = 0; i < asz; i += 8) {
			uint64_t v = __atomic_load_n((const uint64_t *)(src + i), __ATOMIC_RELAXED);
			memcpy(b + off + i, &v, 8);
		}
		zero_pad(b + off, size, asz);
		uint64_t copied, ts;
		memcpy(&copied, b + off, 8);
		memcpy(&ts, b + off + 8, 8);
		if (copied != word) {
			w->why = "record header changed under the copy";
			return;
		}
		if ((w->why = check_record(r, w, b + off, word, ts))) {
			w->skip = asz;
			return;
		}
		take_record(w, id, ts, asz);
	}
}

static int emit_lost_only(struct rm_reader *r, uint32_t slot, uint32_t level, uint64_t owner,
			  uint64_t lost, rm_packet_fn fn, void *ctx)
{
	struct rm_packet p = {
		.pid = (uint32_t)(owner >> 32), .tid = (uint32_t)owner, .slot = slot,
		.level = level, .lost = lost,
	};
	r->st.packets++;
	return fn(ctx, &p);
}

/* Records of a context lost since the last packet: what its owner dropped
 * (lost_before of this chunk) plus what others reclaimed (overwritten). */
static uint64_t lost_delta(struct rm_reader *r, uint32_t slot, uint32_t level, uint64_t lost_now)
{
	struct slot_view *v = &r->slots[slot];
	uint64_t over = __atomic_load_n(&r->a->slots[slot].overwritten[level], __ATOMIC_RELAXED);
	uint64_t d = 0;
	if (lost_now > v->lost_seen[level]) {
		d += lost_now - v->lost_seen[level];
		v->lost_seen[level] = lost_now;
	}
	if (over > v->over_seen[level]) {
		d += over - v->over_seen[level];
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

static int drain_chunk(struct rm_reader *r, const struct cand *k, bool final, rm_packet_fn fn,
		       void *ctx)
{
	struct rm_chunk_desc *d = &r->a->descs[k->chunk];
	struct chunk_view *v = &r->chunks[k->chunk];
	uint64_t s = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE); /* (B) */
	uint32_t kind = RM_CS_KIND(s);
	if ((kind != RM_CHUNK_OWNED && kind != RM_CHUNK_FULL) || RM_CS_SLOT(s) != k->slot ||
	    RM_CS_LEVEL(s) != k->level || RM_CS_GEN(s) != k->gen || k->skip)
		return 0; /* changed since the scan, or out of order: next drain */
	if (k->empty) {
		/* Its seq was not readable, so it cannot be placed in order:
		 * read it next drain. A dead owner's empty chunk is freed. */
		const uint64_t *w0 = (const uint64_t *)rm_chunk_addr(r->a, k->chunk);
		if (kind == RM_CHUNK_OWNED && slot_dead(r, k->slot, final) &&
		    __atomic_load_n(w0, __ATOMIC_ACQUIRE) == 0)
			free_chunk(r, k->chunk, s);
		return 0;
	}
	/* A sealed chunk is taken first, so no reclaimer (overwrite mode)
	 * can zero it while we read it, (B). */
	bool held = kind == RM_CHUNK_FULL;
	if (held) {
		uint64_t consuming = RM_CS_MAKE(RM_CHUNK_CONSUMING, RM_CS_LEVEL(s), RM_CS_SLOT(s), RM_CS_GEN(s));
		if (!__atomic_compare_exchange_n(&d->state, &s, consuming, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			return 0; /* reclaimed under us: it is counted there */
	}
	if (!v->seen || v->gen != RM_CS_GEN(s)) {
		uint32_t resume = __atomic_load_n(&d->consumed, __ATOMIC_ACQUIRE);
		*v = (struct chunk_view){ .gen = RM_CS_GEN(s), .seen = true, .cvalue = resume };
		v->rpos = (resume % 8 == 0 && resume <= rm_chunk_len(r->a, k->chunk)) ? resume : 0;
		v->first_done = v->rpos != 0;
	}
	uint64_t owner;
	slot_view(r, k->slot, &owner);
	const char *c = rm_chunk_addr(r->a, k->chunk);
	uint32_t clen = rm_chunk_len(r->a, k->chunk);
	/* Only a chunk that stopped moving can belong to a dead owner; its
	 * records are copied after the verdict, so none committed before the
	 * death is missed. */
	bool dead = false;
	if (kind == RM_CHUNK_OWNED) {
		bool moving = v->rpos <= clen - RM_RECORD_HDR &&
			      __atomic_load_n((const uint64_t *)(c + v->rpos), __ATOMIC_ACQUIRE);
		dead = final || (!moving && slot_dead(r, k->slot, final));
	}

	/* A record whose size is sane but whose id or payload is refused is
	 * skipped, counted lost, and the walk goes on after it; one whose size
	 * is out of bounds ends the chunk (nothing after it can be found). */
	uint64_t floor = 0;
	for (;;) {
		struct walk w = { .ts_end = floor };
		if (!v->broken && held)
			take_held(r, c, clen, v->rpos, &w);
		else if (!v->broken)
			take_owned(r, c, clen, v->rpos, &w);
		uint32_t pos = v->rpos + w.off + w.skip, nrec = w.nrec;
		size_t len = w.off;
		bool bad = w.why && !w.skip;
		if (bad)
			r->st.last_corrupt = w.why;
		else if (w.why)
			r->st.last_refused = w.why;
		floor = w.ts_end;

		/* An OWNED chunk can be sealed and reclaimed (overwrite mode)
		 * while we copy it. Publishing how far we read decides who
		 * counts the records, (F): if our CAS lands first the reclaimer
		 * counts only what follows, and it zeroes the chunk only after
		 * our copy; if its exchange lands first, the records are
		 * counted as overwritten and the copy is dropped. */
		if (!held && (len || w.why) &&
		    !__atomic_compare_exchange_n(&d->consumed, &v->cvalue, pos, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			v->seen = false;
			return 0;
		}
		if (!len && !w.why)
			break;
		struct rm_packet p = {
			.pid = (uint32_t)(owner >> 32), .tid = (uint32_t)owner, .slot = k->slot,
			.level = k->level, .seq = k->seq, .nrecords = nrec,
			.ts_begin = nrec ? w.ts_begin : 0, .ts_end = nrec ? w.ts_end : 0,
			.data = r->buf, .len = len, .corrupt = bad, .nids = w.many_ids ? 0 : w.nids,
		};
		memcpy(p.ids, w.ids, sizeof(p.ids));
		if (!v->first_done && nrec)
			p.lost = lost_delta(r, k->slot, k->level,
					    __atomic_load_n(&d->lost_before, __ATOMIC_RELAXED));
		if (w.skip) { /* the refused record: in this packet's events_discarded */
			p.lost++;
			r->st.lost++;
			r->st.refused_records++;
		}
		v->first_done = v->first_done || nrec;
		v->rpos = v->cvalue = pos;
		if (bad) {
			v->broken = true;
			r->st.corrupt++;
		}
		r->st.records += nrec;
		r->st.packets++;
		int ret = len || p.lost ? fn(ctx, &p) : 0;
		/* only once the packet is out: a consumer killed before this
		 * leaves the chunk CONSUMING with the old position, and the next
		 * one reads these records again rather than never */
		if (held)
			__atomic_store_n(&d->consumed, pos, __ATOMIC_RELEASE);
		if (ret) {
			if (held)
				release_chunk(r, k->chunk, RM_CS_GEN(s));
			return ret;
		}
		if (!w.skip)
			break;
	}
	if (held)
		release_chunk(r, k->chunk, RM_CS_GEN(s));
	else if (dead)
		free_chunk(r, k->chunk, s);
	return 0;
}

/* What a slot's owner dropped since its last reported packet, as packets
 * of their own. Asked of a dead thread's slot, and of a live one that
 * holds no chunk: it dropped for want of one, and no next chunk may come
 * to carry the count (a burst that ended while the arena was full). */
static int report_lost(struct rm_reader *r, uint32_t i, rm_packet_fn fn, void *ctx)
{
	struct rm_slot *s = &r->a->slots[i];
	uint64_t owner;
	slot_view(r, i, &owner);
	for (uint32_t l = 0; l < RM_LEVELS; l++) {
		uint64_t lost = lost_delta(r, i, l, __atomic_load_n(&s->lost[l], __ATOMIC_RELAXED));
		if (lost) {
			int ret = emit_lost_only(r, i, l, owner, lost, fn, ctx);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* A dead thread's slot: report what it dropped after its last chunk, then
 * free the slot for another thread, (D) and (E). */
static int retire_slot(struct rm_reader *r, uint32_t i, rm_packet_fn fn, void *ctx)
{
	struct rm_slot *s = &r->a->slots[i];
	int ret = report_lost(r, i, fn, ctx);
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
	__atomic_store_n(&s->gen, s->gen + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&s->owner, 0, __ATOMIC_RELEASE);
	__atomic_fetch_add(&r->a->hdr->released, 1, __ATOMIC_RELEASE);
	memset(&r->slots[i], 0, sizeof(r->slots[i]));
	r->st.slots_freed++;
	return 0;
}

/* True when a chunk still names the slot. Asked after the owner was seen
 * dead: a dead owner claims nothing more, so a slot without chunks now
 * stays without (the scan at the start of the drain may be stale: the
 * owner can claim, fill and exit between that scan and its death). */
static bool slot_has_chunks(struct rm_reader *r, uint32_t slot)
{
	for (uint32_t i = 0; i < r->a->chunk_count; i++) {
		uint64_t s = __atomic_load_n(&r->a->descs[i].state, __ATOMIC_ACQUIRE); /* (B) */
		uint32_t kind = RM_CS_KIND(s);
		if ((kind == RM_CHUNK_OWNED || kind == RM_CHUNK_FULL) && RM_CS_SLOT(s) == slot)
			return true;
	}
	return false;
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

int rm_reader_drain(struct rm_reader *r, bool final, rm_packet_fn fn, void *ctx)
{
	struct rm_arena *a = r->a;
	for (uint32_t id = 0; id < rm_reader_event_count(r); id++)
		load_event(r, id);
	r->now_ms = rm_clock_mono_ns() / 1000000;
	for (uint32_t i = 0; i < a->slot_max; i++)
		r->slots[i].live = 0;

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
		r->slots[slot].live++;
		const uint64_t *w0 = (const uint64_t *)rm_chunk_addr(a, i);
		bool empty = kind == RM_CHUNK_OWNED && __atomic_load_n(w0, __ATOMIC_ACQUIRE) == 0; /* (A) */
		r->cands[n++] = (struct cand){
			.chunk = i, .slot = slot, .level = level, .gen = RM_CS_GEN(s), .empty = empty,
			.slot_gen = __atomic_load_n(&d->slot_gen, __ATOMIC_RELAXED),
			.seq = __atomic_load_n(&d->seq, __ATOMIC_RELAXED),
		};
	}
	r->short_of_chunks = (uint64_t)(a->chunk_count - n) * 4 < a->chunk_count;
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
		for (uint32_t j = 0; j < n; j++)
			if (r->cands[j].slot == RM_CS_SLOT(s) && r->cands[j].level == RM_CS_LEVEL(s))
				r->cands[j].skip = true;
	}
	/* A chunk seen empty that holds records now may be older than a chunk
	 * of the same context scanned after it (the owner filled and sealed it,
	 * then claimed the other): the order of that context is unknown in this
	 * drain, so none of it is handed over until the next one. */
	for (uint32_t k = 0; k < n; k++) {
		struct cand *e = &r->cands[k];
		const uint64_t *w0 = (const uint64_t *)rm_chunk_addr(a, e->chunk);
		if (!e->empty || __atomic_load_n(w0, __ATOMIC_ACQUIRE) == 0)
			continue;
		for (uint32_t j = 0; j < n; j++)
			if (r->cands[j].slot == e->slot && r->cands[j].level == e->level)
				r->cands[j].skip = true;
	}
	qsort(r->cands, n, sizeof(*r->cands), cand_cmp);
	for (uint32_t k = 0; k < n; k++) {
		int ret = drain_chunk(r, &r->cands[k], final, fn, ctx);
		if (ret)
			return ret;
	}

	/* A churn of short threads runs out of slots before chunks: thousands
	 * a second, each holding its slot until we see it dead. */
	uint32_t in_use = 0;
	for (uint32_t i = 0; i < a->slot_max; i++) {
		/* with `final` every chunk was just freed, so no slot is in use */
		if (__atomic_load_n(&a->slots[i].owner, __ATOMIC_ACQUIRE) == 0)
			continue;
		in_use++;
		if (r->slots[i].live && !final)
			continue;
		int ret = 0;
		if (slot_dead(r, i, final) && !slot_has_chunks(r, i)) {
			ret = retire_slot(r, i, fn, ctx);
			in_use -= ret == 0;
		} else if (!r->slots[i].live) {
			ret = report_lost(r, i, fn, ctx);
		}
		if (ret)
			return ret;
	}
	r->short_of_slots = (uint64_t)(a->slot_max - in_use) * 4 < a->slot_max;
	return 0;
}
