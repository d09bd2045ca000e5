/* One chunk's records, copied once into private memory and validated in
 * the copy, in one walk: see reader_int.h. */
#include <string.h>

#include "reader_int.h"

/* The payload check of a record whose size is not its event's one fixed
 * size: an id not seen yet, a refused one, or an event with strings, byte
 * sequences or booleans, decoded field by field. */
static const char *check_payload_slow(struct rm_reader *r, const unsigned char *rec,
				      uint32_t size, uint32_t id, uint32_t ctx)
{
	const struct rm_event_info *e = rm_reader_event(r, id);
	if (!e)
		return "unknown or refused event id";
	/* per-event contexts (shm/evctx.h) sit between header and payload */
	size_t cs = rm_evctx_size(ctx);
	if (size < RM_RECORD_HDR + cs)
		return "record too short for its contexts";
	size -= (uint32_t)cs;
	if (r->rec_size[id] ? r->rec_size[id] != size /* loaded just now, or a wrong size */
			    : !rm_payload_ok(e, rec + RM_RECORD_HDR + cs, size - RM_RECORD_HDR))
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
		if (id < r->a->event_max && r->rec_size[id] == size && !RM_REC_CTX(word)) {
			w->fixed_word = word;
		} else {
			const char *why = check_payload_slow(r, rec, size, id, RM_REC_CTX(word));
			w->ctx_any |= RM_REC_CTX(word);
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
		/* A run of records with the word of the last one checked by its
		 * size alone, after one of the same id (a flat-out producer's):
		 * the word compare stands for every check but the timestamp's,
		 * and the ids seen are unchanged. Anything else goes the general
		 * way below. */
		if (l.fixed_word && l.nrec && RM_REC_ID(l.fixed_word) == l.last_id) {
			uint64_t fw = l.fixed_word;
			uint32_t fsize = RM_REC_SIZE(fw), fasz = RM_ALIGN8(fsize);
			uint32_t keep = 8 - (fasz - fsize); /* bytes of the last word that are the record's */
			uint64_t mask = keep == 8 ? ~0ull : (1ull << (8 * keep)) - 1;
			uint64_t ts_end = l.ts_end;
			uint32_t n = 0;
			/* fasz >= RM_RECORD_HDR, and have <= room */
			while (have - off >= fasz) {
				uint64_t word, ts, v;
				memcpy(&word, b + off, 8);
				memcpy(&ts, b + off + 8, 8);
				if (word != fw || ts < ts_end)
					break;
				memcpy(&v, b + off + fasz - 8, 8);
				v &= mask;
				memcpy(b + off + fasz - 8, &v, 8);
				ts_end = ts;
				off += fasz;
				n++;
			}
			l.nrec += n;
			l.ts_end = ts_end;
			l.off = off;
		}
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
void rd_take_held(struct rm_reader *r, const char *c, uint32_t clen, uint32_t pos,
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
void rd_take_owned(struct rm_reader *r, const char *c, uint32_t clen, uint32_t pos,
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

uint32_t rd_count_before(const char *c, uint32_t clen, uint32_t upto)
{
	uint32_t n = 0;
	for (uint32_t off = 0; off < upto && off <= clen - RM_RECORD_HDR; n++) {
		uint64_t word = __atomic_load_n((const uint64_t *)(c + off), __ATOMIC_RELAXED);
		uint32_t size = RM_REC_SIZE(word);
		if (!word || size < RM_RECORD_HDR || size > clen - off)
			break;
		off += RM_ALIGN8(size);
	}
	return n;
}
