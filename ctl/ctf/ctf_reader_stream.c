/* The strict CTF reader of ctf_reader.h, stream half: a cursor that checks
 * every packet and record against the bytes present (the metadata half is
 * ctf_reader_meta.c), and stops a file at the first thing it cannot place. */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctf/ctf_packet.h"
#include "ctl/ctf/ctf_reader.h"
#include "shm/catalog.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "traces are little-endian");

#define CTF_MAGIC_LE 0xC1FC1FC1u

static const unsigned char *mem_fetch(void *ctx, uint64_t off, size_t n, char *err,
				      size_t errlen)
{
	const struct ctfr_mem *m = ctx;
	if (off > m->len || n > m->len - off) {
		snprintf(err, errlen, "read of %zu bytes past the end", n);
		return NULL;
	}
	return m->buf + off;
}

static int mem_size(void *ctx, uint64_t *size, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	*size = ((const struct ctfr_mem *)ctx)->len;
	return 0;
}

struct ctfr_source ctfr_mem_source(struct ctfr_mem *m)
{
	return (struct ctfr_source){ .ctx = m, .size = mem_size, .fetch = mem_fetch };
}

void ctfr_stream_init(struct ctfr_stream *s, const struct ctfr_meta *m, struct ctfr_source src,
		      ctfr_error_fn on_error, void *err_ctx)
{
	memset(s, 0, sizeof(*s));
	s->meta = m;
	s->src = src;
	s->on_error = on_error;
	s->err_ctx = err_ctx;
}

static void serr(struct ctfr_stream *s, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void serr(struct ctfr_stream *s, uint64_t off, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->errors++;
	if (s->on_error)
		s->on_error(s->err_ctx, off, msg);
}

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* open_packet's offsets from timestamp_begin, the same in every layout */
#define FIXED(f) (offsetof(struct ctf_packet_hdr, f) - offsetof(struct ctf_packet_hdr, timestamp_begin))
_Static_assert(FIXED(timestamp_end) == 8 && FIXED(content_size) == 16 &&
		       FIXED(packet_size) == 24 && FIXED(events_discarded) == 32 &&
		       FIXED(pid) == 48 && FIXED(tid) == 52 && FIXED(level) == 56,
	       "fixed context");
#undef FIXED

/* The part of the packet header at s->pkt_off that says where the next
 * packet starts: an error here ends the stream. Returns the header and
 * the packet's size in bytes, or NULL at the end of the stream (after an
 * error, or at the end of the file). */
static const unsigned char *packet_header(struct ctfr_stream *s, uint64_t *psize)
{
	char why[160] = "";
	uint64_t size, off = s->pkt_off;
	if (s->src.size(s->src.ctx, &size, why, sizeof(why))) {
		serr(s, off, "%s", why);
		return NULL;
	}
	if (off == size)
		return NULL;
	/* the fixed header and the add-context fields, to the first record */
	uint32_t hsize = s->meta->packet_hdr;
	if (off > size || size - off < hsize) {
		serr(s, off, "truncated packet header: %" PRIu64 " bytes left, a header takes %u",
		     off > size ? 0 : size - off, hsize);
		return NULL;
	}
	const unsigned char *h = s->src.fetch(s->src.ctx, off, hsize, why, sizeof(why));
	if (!h) {
		serr(s, off, "%s", why);
		return NULL;
	}
	if (rd32(h) != CTF_MAGIC_LE) {
		serr(s, off, "bad packet magic 0x%08x (expected 0x%08x)", rd32(h), CTF_MAGIC_LE);
		return NULL;
	}
	uint64_t bits = rd64(h + CTFR_PACKET_SIZE_OFF(s->meta));
	if (bits % 8 || bits / 8 < hsize || bits / 8 > CTFR_PACKET_MAX) {
		serr(s, off, "packet_size %" PRIu64 " bits is not a byte count from %u to %u",
		     bits, hsize, CTFR_PACKET_MAX);
		return NULL;
	}
	if (bits / 8 > size - off) {
		serr(s, off, "packet_size %" PRIu64 " bytes runs past the end of the file (%" PRIu64
			     " bytes left)", bits / 8, size - off);
		return NULL;
	}
	*psize = bits / 8;
	return h;
}

/* The growth of the discarded_* counts at this packet, checked as
 * events_discarded is: a count that goes down, or causes that grow by
 * more than events_discarded did, are reported, and counting goes on
 * from the new values (the packet's events still show). */
static void take_causes(struct ctfr_stream *s, uint64_t off, const uint64_t by[CTF_CAUSES])
{
	static const char *const name[CTF_CAUSES] = {
		"buffer_full", "too_large", "catalog_full", "no_slot",
		"refused", "corrupt", "overwritten", "write_error",
	};
	uint64_t sum = 0;
	bool bad = false;
	for (int i = 0; i < CTF_CAUSES; i++) {
		if (by[i] < s->discarded_by[i]) {
			serr(s, off, "discarded_%s goes down from %" PRIu64 " to %" PRIu64, name[i],
			     s->discarded_by[i], by[i]);
			bad = true;
			s->lost_by[i] = 0;
		} else {
			s->lost_by[i] = by[i] - s->discarded_by[i];
		}
		sum = sum + s->lost_by[i] < sum ? UINT64_MAX : sum + s->lost_by[i];
		s->discarded_by[i] = by[i];
	}
	if (!bad && sum > s->lost) {
		serr(s, off, "discarded_* grow by %" PRIu64 " in all, more than events_discarded"
			     " (%" PRIu64 ")", sum, s->lost);
		bad = true;
	}
	if (bad)
		memset(s->lost_by, 0, sizeof(s->lost_by));
}

/* Checks the packet header at s->pkt_off and enters the packet. Errors
 * that leave packet_size trustworthy skip just this packet; the others
 * (packet_header) end the stream, since nothing says where the next
 * packet starts. */
static void open_packet(struct ctfr_stream *s)
{
	char why[160] = "";
	uint64_t psize, off = s->pkt_off;
	const unsigned char *h = packet_header(s, &psize);
	if (!h) {
		s->done = true;
		return;
	}
	s->pkt_size = psize;
	s->in_packet = true; /* from here on, an error skips to the next packet */
	s->pos = s->content = 0;
	/* the fixed context: from timestamp_begin, at x (ctf_packet.h's order) */
	const unsigned char *x = h + s->meta->fixed_off;
	uint64_t csize = rd64(x + 16);
	uint64_t begin = rd64(x), end = rd64(x + 8), discarded = rd64(x + 32);
	if (memcmp(h + 4, s->meta->uuid, 16)) {
		serr(s, off, "packet uuid differs from the trace's (a stream of another trace?)");
		return;
	}
	if (rd32(h + 20) != 0) {
		serr(s, off, "stream_id %u (the metadata declares stream 0 only)", rd32(h + 20));
		return;
	}
	uint32_t cend = s->meta->context_end;
	if (csize % 8 || csize > psize * 8 || csize / 8 < cend) {
		serr(s, off, "content_size %" PRIu64 " bits is not a byte count from %u to "
			     "packet_size (%" PRIu64 " bits)", csize, cend * 8, psize * 8);
		return;
	}
	if (begin > end || begin < s->last_ts) {
		serr(s, off, "packet time range %" PRIu64 "..%" PRIu64 " goes backwards "
			     "(the stream is at %" PRIu64 ")", begin, end, s->last_ts);
		return;
	}
	if (discarded < s->discarded) {
		/* a count, not a structure: say so, count on from here */
		serr(s, off, "events_discarded goes down from %" PRIu64 " to %" PRIu64,
		     s->discarded, discarded);
		s->discarded = discarded;
	}
	uint64_t by[CTF_CAUSES] = { 0 };
	if (s->meta->causes)
		for (int i = 0; i < CTF_CAUSES; i++)
			by[i] = rd64(h + s->meta->causes_off + 8 * (size_t)i);
	s->ts_begin = begin;
	s->ts_end = end;
	s->pid = rd32(x + 48);
	s->tid = rd32(x + 52);
	s->level = rd32(x + 56);
	/* the add-context fields, after `level` or after the causes declared last */
	x = h + s->meta->context_end - ctf_ctx_size(s->meta->contexts);
	memset(s->procname, 0, sizeof(s->procname));
	s->vpid = s->vtid = 0;
	if (s->meta->contexts & CTF_CTX_VPID)
		s->vpid = rd32(x), x += 4;
	if (s->meta->contexts & CTF_CTX_VTID)
		s->vtid = rd32(x), x += 4;
	if (s->meta->contexts & CTF_CTX_PROCNAME)
		memcpy(s->procname, x, CTF_CTX_PROCNAME_LEN);
	/* fetch the content: the header bytes fetched above are gone after this */
	s->pkt = s->src.fetch(s->src.ctx, off, (size_t)(csize / 8), why, sizeof(why));
	if (!s->pkt) {
		serr(s, off, "%s", why);
		return;
	}
	s->lost_pending = discarded > s->discarded;
	s->lost = discarded - s->discarded;
	s->discarded = discarded;
	take_causes(s, off, by);
	s->content = (size_t)(csize / 8);
	s->pos = cend;
}

/* Decodes one field at p[*off], p[0..end) being the packet's content. */
static const char *decode_field(const unsigned char *p, size_t *off, size_t end, uint8_t type,
				struct ctfr_value *v)
{
	size_t o = *off, left = end - o;
	v->type = type;
	if (type == RM_T_STRING) {
		const unsigned char *nul = memchr(p + o, 0, left);
		if (!nul)
			return "string runs past the end of the content";
		v->b.p = p + o;
		v->b.n = (size_t)(nul - (p + o));
		*off = o + v->b.n + 1;
		return NULL;
	}
	if (type == RM_T_BYTES) {
		if (left < 4)
			return "byte sequence length runs past the end of the content";
		uint32_t n = rd32(p + o);
		if (n > left - 4)
			return "byte sequence runs past the end of the content";
		v->b.p = p + o + 4;
		v->b.n = n;
		*off = o + 4 + n;
		return NULL;
	}
	size_t n = rm_type_size(type); /* the arena's sizes: the writer copies payloads as is */
	if (!n)
		return "unknown field type";
	if (left < n)
		return "field runs past the end of the content";
	uint64_t raw = 0;
	memcpy(&raw, p + o, n);
	switch (type) {
	case RM_T_S8: v->s = (int8_t)raw; break;
	case RM_T_S16: v->s = (int16_t)raw; break;
	case RM_T_S32: v->s = (int32_t)raw; break;
	case RM_T_S64: v->s = (int64_t)raw; break;
	case RM_T_F32: {
		float f;
		memcpy(&f, p + o, 4);
		v->d = f;
		break;
	}
	case RM_T_F64: memcpy(&v->d, p + o, 8); break;
	default: v->u = raw; break;
	}
	*off = o + n;
	return NULL;
}

/* Decodes the record at the next 8-byte offset; -1 after reporting an error. */
static int read_record(struct ctfr_stream *s, struct ctfr_item *it)
{
	size_t a = RM_ALIGN8(s->pos);
	uint64_t at = s->pkt_off + a;
	if (a > s->content || s->content - a < RM_RECORD_HDR) {
		serr(s, s->pkt_off + s->pos, "truncated event header (content ends at byte %zu of "
					     "the packet)", s->content);
		return -1;
	}
	uint64_t word = rd64(s->pkt + a), ts = rd64(s->pkt + a + 8);
	uint32_t rec_size = RM_REC_SIZE(word), id = RM_REC_ID(word);
	const struct ctfr_event *e = ctfr_meta_event(s->meta, id);
	if (!e) {
		serr(s, at, "undeclared event id %u", id);
		return -1;
	}
	if (ts < s->last_ts || ts < s->ts_begin || ts > s->ts_end) {
		serr(s, at, "timestamp %" PRIu64 " outside the packet's %" PRIu64 "..%" PRIu64
			    " or before the previous event", ts, s->ts_begin, s->ts_end);
		return -1;
	}
	size_t off = a + RM_RECORD_HDR;
	if (s->content - off < s->meta->evctx_size) {
		serr(s, at, "%s: truncated event context", e->name);
		return -1;
	}
	it->meta = s->meta;
	for (uint32_t i = 0; i < s->meta->nevctx; i++) {
		if (s->meta->evctx[i].size == 4) {
			uint32_t v;
			memcpy(&v, s->pkt + off, 4);
			it->evctx[i] = v;
		} else {
			memcpy(&it->evctx[i], s->pkt + off, 8);
		}
		off += s->meta->evctx[i].size;
	}
	for (uint32_t i = 0; i < e->nfields; i++) {
		size_t foff = off;
		const char *why = decode_field(s->pkt, &off, s->content, e->fields[i].type,
					       &it->v[i]);
		if (why) {
			serr(s, s->pkt_off + foff, "%s: field %s: %s", e->name, e->fields[i].name,
			     why);
			return -1;
		}
	}
	if ((uint64_t)rec_size != off - a) {
		serr(s, at, "%s: rec_size %u, but the fields take %zu bytes", e->name, rec_size,
		     off - a);
		return -1;
	}
	s->pos = off;
	s->last_ts = ts;
	it->kind = CTFR_EVENT;
	it->ts = ts;
	it->offset = at;
	it->ev = e;
	return 0;
}

enum ctfr_kind ctfr_stream_next(struct ctfr_stream *s, struct ctfr_item *it)
{
	/* Each turn consumes a packet, a record, or ends the stream. */
	for (;;) {
		if (s->done)
			return CTFR_END;
		if (!s->in_packet) {
			open_packet(s);
			continue;
		}
		it->pid = s->pid;
		it->tid = s->tid;
		it->level = s->level;
		it->vpid = s->vpid;
		it->vtid = s->vtid;
		memcpy(it->procname, s->procname, sizeof(it->procname));
		if (s->lost_pending) {
			s->lost_pending = false;
			it->kind = CTFR_LOST;
			it->ts = s->ts_begin;
			it->offset = s->pkt_off;
			it->lost = s->lost;
			memcpy(it->lost_by, s->lost_by, sizeof(it->lost_by));
			it->causes = s->meta->causes;
			it->ev = NULL;
			if (s->ts_begin > s->last_ts)
				s->last_ts = s->ts_begin;
			return CTFR_LOST;
		}
		if (s->pos < s->content && read_record(s, it) == 0)
			return CTFR_EVENT;
		/* end of the packet, or an error in it: on to the next one */
		s->in_packet = false;
		s->pkt_off += s->pkt_size;
	}
}
