/* The writer: event classes in, packets out. A packet is written with one
 * pwritev() at the end of its lane's last complete packet; if anything
 * fails the file is cut back there, so a reader never meets a packet whose
 * context promises bytes that are not on disk. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ctl/ctf/ctf_classes.h"
#include "ctl/ctf/ctf_clock.h"
#include "ctl/ctf/ctf_files.h"
#include "ctl/ctf/ctf_ctx_lane.h"
#include "ctl/ctf/ctf_event_hdr.h"
#include "ctl/ctf/ctf_lanes.h"
#include "ctl/ctf/ctf_metadata.h"
#include "ctl/ctf/ctf_packet.h"
#include "ctl/ctf/ctf_writer.h"

struct ctf_writer {
	int dirfd;
	char *dir;
	char *hostname, *procname;
	struct ctf_trace_info info;
	struct ctf_clock_class clock;
	uint8_t uuid[16];
	struct ctf_classes classes;
	struct ctf_lanes lanes;
	struct ctf_ctx_lanes ctx_lanes; /* each context's last lane: ctf_ctx_lane.h */
	uint64_t tie_cycles;            /* cycles that may show as one ns (>= 1) */
	struct ctf_writer_stats stats;
	bool meta_dirty; /* classes declared since the metadata was written */
	char perf_names[RM_EVCTX_PERF_SLOTS][48]; /* info.evctx_perf's copies */
	const struct ctf_packet_ctx *pctx; /* the packet being written's context values */
	/* a packet's records in the on-disk layout (encode_records) */
	unsigned char *out;
	size_t out_cap;
	uint64_t compact_gap; /* cycles from which an event gets the extended header */
	int last_lane;   /* of the last packet written, -1 before any */
};

/* Lets every internal function snprintf into err without a NULL check. */
#define ERR_SINK(err, errlen)                                                                \
	char err_sink_[1];                                                                   \
	if (!(err) || !(errlen)) {                                                           \
		(err) = err_sink_;                                                           \
		(errlen) = sizeof(err_sink_);                                                \
	}

static int write_metadata(struct ctf_writer *w, char *err, size_t errlen)
{
	struct ctf_metadata m = {
		.info = &w->info, .clock = &w->clock, .uuid = w->uuid, .classes = &w->classes,
	};
	size_t len;
	char *text = ctf_metadata_text(&m, &len);
	if (!text) {
		snprintf(err, errlen, "out of memory for the metadata of %s", w->dir);
		return -1;
	}
	int r = ctf_file_replace(w->dirfd, w->dir, "metadata", text, len, err, errlen);
	free(text);
	if (!r)
		w->meta_dirty = false;
	return r;
}

static int make_uuid(uint8_t u[16], char *err, size_t errlen)
{
	size_t got = 0;
	while (got < 16) {
		ssize_t n = getrandom(u + got, 16 - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "cannot get random bytes for the trace uuid: %s",
				 strerror(n < 0 ? errno : EIO));
			return -1;
		}
		got += (size_t)n;
	}
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* RFC 4122 version 4 */
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	return 0;
}

static void writer_free(struct ctf_writer *w)
{
	ctf_classes_free(&w->classes);
	free(w->lanes.v);
	free(w->out);
	ctf_ctx_lanes_free(&w->ctx_lanes);
	if (w->dirfd >= 0)
		close(w->dirfd);
	free(w->dir);
	free(w->hostname);
	free(w->procname);
	free(w);
}

struct ctf_writer *ctf_writer_open(const char *dir, const struct ctf_trace_info *info,
				   char *err, size_t errlen)
{
	ERR_SINK(err, errlen);
	struct ctf_writer *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory for a trace writer");
		return NULL;
	}
	w->dirfd = -1;
	w->last_lane = -1;
	w->info = *info;
	w->dir = strdup(dir);
	w->hostname = strdup(info->hostname ? info->hostname : "");
	w->procname = strdup(info->procname ? info->procname : "");
	if (!w->dir || !w->hostname || !w->procname) {
		snprintf(err, errlen, "out of memory for a trace writer");
		goto fail;
	}
	w->info.hostname = w->hostname;
	w->info.procname = w->procname;
	for (uint32_t s = 0; s < RM_EVCTX_PERF_SLOTS; s++) {
		snprintf(w->perf_names[s], sizeof(w->perf_names[s]), "%s",
			 info->evctx_perf[s] ? info->evctx_perf[s] : "perf_unknown");
		w->info.evctx_perf[s] = w->perf_names[s];
	}
	if (ctf_clock_class_compute(&w->info, &w->clock, err, errlen) ||
	    make_uuid(w->uuid, err, errlen))
		goto fail;
	w->compact_gap = info->compact_gap ? info->compact_gap : CTF_COMPACT_GAP;
	w->tie_cycles = w->clock.freq > 1000000000u ? (w->clock.freq + 999999999u) / 1000000000u : 1;
	w->dirfd = ctf_dir_open(dir, err, errlen);
	if (w->dirfd < 0 || write_metadata(w, err, errlen))
		goto fail;
	return w;
fail:
	writer_free(w);
	return NULL;
}

int ctf_writer_event_class(struct ctf_writer *w, const struct rm_event_info *e, char *err,
			   size_t errlen)
{
	ERR_SINK(err, errlen);
	switch (ctf_classes_add(&w->classes, e, err, errlen)) {
	case CTF_CLASS_KNOWN:
		return 0;
	case CTF_CLASS_REFUSED:
		return -1;
	case CTF_CLASS_ADDED:
		break;
	}
	/* Written before the next packet (or at close), not now: rewriting
	 * the whole metadata for each of 10,000 classes took 45 s. */
	w->meta_dirty = true;
	return 0;
}

/* What a packet's records say about it, once they are all checked. */
struct scan {
	uint64_t first_ts, last_ts;
	uint32_t records;
	size_t end; /* bytes of w->out: the packet's records, on-disk layout */
};

/* Room for a packet's records in their on-disk layout: never more than
 * the arena's (a 14-byte extended header for a 16-byte one, no padding),
 * plus the 16 bytes a payload copy may write past the end. */
static int out_reserve(struct ctf_writer *w, size_t len, char *err, size_t errlen)
{
	size_t need = len + 16;
	if (need <= w->out_cap)
		return 0;
	size_t cap = w->out_cap ? w->out_cap : 65536;
	while (cap < need)
		cap *= 2;
	unsigned char *b = realloc(w->out, cap);
	if (!b) {
		snprintf(err, errlen, "out of memory for a packet of %zu bytes of %s", len, w->dir);
		return -1;
	}
	w->out = b;
	w->out_cap = cap;
	return 0;
}

/* One walk over a packet's records: each is checked (a declared id, a
 * payload that matches its layout, a timestamp not before the previous
 * one) and written to w->out with the on-disk event header of
 * ctf_metadata.c: uint16 id and the low 32 bits of the timestamp (6
 * bytes), or, when the id is CTF_ID_EXTENDED or more or the time since the
 * previous event of the packet (or timestamp_begin, the first record's)
 * reaches w->compact_gap, CTF_ID_EXTENDED, uint32 id and uint64 timestamp
 * (14 bytes); then the event context and the payload, byte-aligned. The
 * rec_size word is gone: a reader finds the next event from the fields
 * (strings end with their NUL, byte sequences have their length first). */
static int encode_records(struct ctf_writer *w, const struct rm_packet *p, struct scan *s,
			  char *err, size_t errlen)
{
	const char *why = NULL;
	const unsigned char *data = p->data;
	size_t off = 0, len = p->len, end = 0;
	const struct rm_event_info *e = NULL;
	uint32_t cur = UINT32_MAX, fixed = 0; /* e and its fixed size are of id cur */
	/* the last word found valid by its size alone; none yet: a word that
	 * is never valid (its id is past CTF_EVENT_ID_LIMIT) */
	uint64_t fixed_word = UINT64_MAX;
	uint32_t records = 0;
	/* the first record is at timestamp_begin: it starts with a gap of 0 */
	uint64_t last_ts = 0, gap = w->compact_gap;
	if (len >= RM_RECORD_HDR)
		memcpy(&last_ts, data + 8, 8);
	uint64_t first_ts = last_ts;
	size_t cs = rm_evctx_size(w->info.evctx); /* event.context, before the payload */
	bool v1 = w->info.v1_records;
	if (out_reserve(w, len, err, errlen))
		return -1;
	unsigned char *out = w->out;
	/* locals, not *s: stores through s could alias the packet's bytes */
	while (off < len) {
		uint64_t word, ts;
		/* A run of records like the last one checked by its size alone
		 * (one declared id, one size, a payload of at most 16 bytes: a
		 * flat-out producer's): one compare each, then a compact header
		 * and a 16-byte copy. Anything else goes the general way. */
		if (fixed_word != UINT64_MAX && !v1 && RM_REC_ID(fixed_word) < CTF_ID_EXTENDED &&
		    RM_REC_SIZE(fixed_word) <= RM_RECORD_HDR + 16) {
			uint32_t asz_f = RM_ALIGN8(RM_REC_SIZE(fixed_word));
			size_t body_f = RM_REC_SIZE(fixed_word) - RM_RECORD_HDR;
			uint16_t id16 = (uint16_t)RM_REC_ID(fixed_word);
			while (len - off >= RM_RECORD_HDR + 16 && len - off >= asz_f) {
				memcpy(&word, data + off, 8);
				memcpy(&ts, data + off + 8, 8);
				if (word != fixed_word || ts < last_ts || ts - last_ts >= gap)
					break;
				uint32_t ts32 = (uint32_t)ts;
				memcpy(out + end, &id16, 2);
				memcpy(out + end + 2, &ts32, 4);
				memcpy(out + end + CTF_HDR_COMPACT, data + off + RM_RECORD_HDR, 16);
				end += CTF_HDR_COMPACT + body_f;
				off += asz_f;
				last_ts = ts;
				records++;
			}
			if (off >= len)
				break;
		}
		if (len - off < RM_RECORD_HDR) {
			why = "truncated record header";
			break;
		}
		memcpy(&word, data + off, 8);
		memcpy(&ts, data + off + 8, 8);
		uint32_t size = RM_REC_SIZE(word), id = RM_REC_ID(word);
		if (word == fixed_word) {
			/* same declared id and size as a record checked before */
			if (size > len - off)
				why = "record size out of bounds";
		} else {
			if (id != cur) {
				e = ctf_classes_get(&w->classes, id);
				fixed = e ? rm_fixed_record_size(e) : 0;
				cur = id;
			}
			if (size < RM_RECORD_HDR + cs || size > len - off)
				why = "record size out of bounds";
			else if (RM_REC_CTX(word))
				why = "context bits in a record word";
			else if (!e)
				why = "undeclared event id";
			else if (fixed ? size != fixed + cs
				       : !ctf_payload_fits(e, data + off + RM_RECORD_HDR + cs,
							   size - RM_RECORD_HDR - cs))
				why = "payload does not match the event's fields";
			else if (fixed)
				fixed_word = word;
		}
		if (!why && ts < last_ts)
			why = "timestamp before the previous record's";
		if (why)
			break;
		uint64_t since = ts - last_ts;
		last_ts = ts;
		records++;
		size_t body = size - RM_RECORD_HDR, asz = RM_ALIGN8(size);
		if (__builtin_expect(v1, 0)) { /* the arena's layout, as before issue 18 */
			size_t n = RM_ALIGN8(end);
			memset(out + end, 0, n - end);
			memcpy(out + n, data + off, size);
			end = n + size;
			off += asz;
			continue;
		}
		if (__builtin_expect(id < CTF_ID_EXTENDED && since < gap, 1)) {
			uint16_t id16 = (uint16_t)id;
			uint32_t ts32 = (uint32_t)ts;
			memcpy(out + end, &id16, 2);
			memcpy(out + end + 2, &ts32, 4);
			end += CTF_HDR_COMPACT;
		} else {
			uint16_t ext = CTF_ID_EXTENDED;
			memcpy(out + end, &ext, 2);
			memcpy(out + end + 2, &id, 4);
			memcpy(out + end + 6, &ts, 8);
			end += CTF_HDR_EXTENDED;
		}
		/* context and payload: 16 bytes at once for a small one while the
		 * packet holds them, whole words while the record's padding is in
		 * the packet, else exactly (what is copied past `body` is
		 * overwritten by the next record or left past the content) */
		const unsigned char *src = data + off + RM_RECORD_HDR;
		if (__builtin_expect(body <= 16 && len - off >= RM_RECORD_HDR + 16, 1)) {
			memcpy(out + end, src, 16);
		} else if (asz <= len - off) {
			for (size_t i = 0; i < body; i += 8)
				memcpy(out + end + i, src + i, 8);
		} else {
			memcpy(out + end, src, body);
		}
		end += body;
		off += asz;
	}
	if (!records)
		first_ts = last_ts = 0;
	*s = (struct scan){ .first_ts = first_ts, .last_ts = last_ts, .records = records, .end = end };
	if (!why)
		return 0;
	snprintf(err, errlen,
		 "refusing packet %llu of pid %u tid %u level %u: %s at byte %zu (record %u)",
		 (unsigned long long)p->seq, p->pid, p->tid, p->level, why, off, records);
	return -1;
}

/* Picks (or opens) the lane and the packet's time range. */
static int place(struct ctf_writer *w, const struct rm_packet *p, const struct scan *s,
		 uint64_t *begin, uint64_t *end, bool *opened, char *err, size_t errlen)
{
	int lane;
	*opened = false;
	if (s->records) {
		*begin = s->first_ts;
		*end = s->last_ts;
		/* a thread's packet that begins when its previous one ended goes
		 * where readers order it after that one (ctf_ctx_lane.h) */
		int prev = ctf_ctx_lane_tied(&w->ctx_lanes, p, *begin, w->tie_cycles);
		if (prev < 0)
			lane = ctf_lanes_pick(&w->lanes, *begin);
		else if ((uint32_t)prev < w->lanes.n && w->lanes.v[prev].last_ts <= *begin)
			lane = prev;
		else
			lane = ctf_lanes_pick_from(&w->lanes, *begin, (uint32_t)prev + 1);
	} else {
		/* Only a loss report: it takes the lane's last time, so it moves
		 * no lane forward and fits wherever it goes. */
		lane = ctf_lanes_latest(&w->lanes);
		*begin = *end = lane >= 0 ? w->lanes.v[lane].last_ts : p->ts_begin;
	}
	if (lane < 0) {
		lane = ctf_lanes_add(&w->lanes, w->dirfd, w->dir, *begin, err, errlen);
		*opened = lane >= 0;
	}
	return lane;
}

/* Writes one packet of `len` record bytes (len == 0: an empty packet) at
 * the end of lane li and advances the lane; on error cuts the file back. */
#define CTF_PAGE 4096u

_Static_assert(CTF_CAUSES == RM_LOST_CAUSES, "one discarded_* field per cause");
_Static_assert(sizeof(((struct ctf_lane *)0)->discarded_by) == 8 * CTF_CAUSES, "lane causes");

/* a count, not an identity: saturates */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* len: bytes of w->out (encode_records) */
static int emit(struct ctf_writer *w, int li, const struct rm_packet *p, size_t len,
		uint32_t records, uint64_t begin, uint64_t end, uint64_t lost, char *err,
		size_t errlen)
{
	static const uint8_t zeros[CTF_PAGE + 8];
	struct ctf_lane *lane = &w->lanes.v[li];
	/* The first event header follows the context at once (it is
	 * byte-aligned), and an empty packet ends with its context. */
	size_t ctx_end = CTF_CONTEXT_FIXED_END + ctf_ctx_size(w->info.contexts);
	size_t hdr_len = w->info.v1_records ? RM_ALIGN8(ctx_end) : ctx_end;
	size_t content = len ? hdr_len + len : ctx_end;
	size_t total = RM_ALIGN8(content);
	/* A large packet is padded to end on a page boundary: ext4 zeroes
	 * the rest of every page (or large folio) that a write starts or ends
	 * inside, and that was 12 % of the consumer's time under a flat-out
	 * producer. Small packets stay compact: padding costs them more
	 * space than it saves time. */
	size_t pad = (CTF_PAGE - (lane->size + total) % CTF_PAGE) % CTF_PAGE;
	if (pad && pad * 16 <= content)
		total += pad;
	uint64_t discarded = add_sat(lane->discarded, lost);
	/* by cause: at most `lost` in all, as the context promises (causes
	 * past what `lost` holds are left out, never counted twice) */
	uint64_t by[CTF_CAUSES], room = lost;
	for (int i = 0; i < CTF_CAUSES; i++) {
		uint64_t n = p->lost_by[i] < room ? p->lost_by[i] : room;
		room -= n;
		by[i] = add_sat(lane->discarded_by[i], n);
	}
	struct ctf_packet_hdr h = {
		.magic = CTF_MAGIC,
		.stream_id = 0,
		.stream_instance_id = (uint64_t)li,
		.timestamp_begin = begin,
		.timestamp_end = end,
		.content_size = (uint64_t)content * 8,
		.packet_size = (uint64_t)total * 8,
		.events_discarded = discarded,
		.packet_seq_num = lane->seq,
		.pid = p->pid,
		.tid = p->tid,
		.level = p->level,
	};
	memcpy(h.discarded_by, by, sizeof(by));
	memcpy(h.uuid, w->uuid, sizeof(h.uuid));
	unsigned char hb[sizeof(h) + 32] = { 0 };
	memcpy(hb, &h, sizeof(h));
	unsigned char *x = hb + CTF_CONTEXT_FIXED_END;
	const struct ctf_packet_ctx none = { 0 }, *c = w->pctx ? w->pctx : &none;
	if (w->info.contexts & CTF_CTX_VPID)
		memcpy(x, &c->vpid, 4), x += 4;
	if (w->info.contexts & CTF_CTX_VTID)
		memcpy(x, &c->vtid, 4), x += 4;
	if (w->info.contexts & CTF_CTX_PROCNAME)
		memcpy(x, c->procname, CTF_CTX_PROCNAME_LEN);
	struct iovec iov[3] = {
		{ .iov_base = hb, .iov_len = hdr_len },
		{ .iov_base = w->out, .iov_len = len },
		{ .iov_base = (void *)zeros, .iov_len = total - hdr_len - len },
	};

	size_t done;
	int e = ctf_pwritev_all(lane->fd, iov, 3, (off_t)lane->size, &done);
	if (e) {
		bool cut = ftruncate(lane->fd, (off_t)lane->size) == 0;
		snprintf(err, errlen,
			 "cannot write a packet to %s/stream_%d: %s (%zu of %zu bytes written; %s)",
			 w->dir, li, strerror(e), done, total,
			 cut ? "file cut back to its last complete packet"
			     : "could not cut the file back: the last packet is incomplete");
		return -1;
	}
	lane->size += total;
	lane->last_ts = end;
	lane->discarded = discarded;
	memcpy(lane->discarded_by, by, sizeof(by));
	lane->seq++;
	w->stats.events += records;
	w->stats.packets++;
	w->stats.discarded += lost;
	w->stats.bytes += total;
	return 0;
}

int ctf_writer_packet(struct ctf_writer *w, const struct rm_packet *p, char *err, size_t errlen)
{
	return ctf_writer_packet_ctx(w, p, NULL, err, errlen);
}

int ctf_writer_packet_ctx(struct ctf_writer *w, const struct rm_packet *p,
			  const struct ctf_packet_ctx *ctx, char *err, size_t errlen)
{
	ERR_SINK(err, errlen);
	w->pctx = ctx;
	struct scan s;
	uint64_t begin, end;
	bool opened;

	if (p->len == 0 && p->lost == 0)
		return 0;
	if (w->meta_dirty && write_metadata(w, err, errlen))
		return -1; /* no packet before the classes it may use */
	if (encode_records(w, p, &s, err, errlen))
		return -1;
	int li = place(w, p, &s, &begin, &end, &opened, err, errlen);
	if (li < 0)
		return -1;
	/* babeltrace2 counts discarded events as the difference from the
	 * previous packet, and can only say "may have discarded" for a
	 * stream's first packet: a new lane that starts with a loss gets an
	 * empty packet before it, so the count is reported exactly. */
	struct ctf_writer_stats before = w->stats;
	int r = 0;
	if (opened && p->lost)
		r = emit(w, li, p, 0, 0, begin, begin, 0, err, errlen);
	if (!r)
		r = emit(w, li, p, s.end, s.records, begin, end, p->lost, err, errlen);
	if (!r)
		w->last_lane = li;
	if (!r && s.records)
		ctf_ctx_lane_note(&w->ctx_lanes, p, li, end);
	if (r && opened) { /* nothing of this call stays on disk */
		ctf_lanes_drop_last(&w->lanes, w->dirfd);
		w->stats = before;
		size_t n = strlen(err);
		snprintf(err + n, errlen - n, "; stream file removed");
	}
	return r;
}

uint64_t ctf_writer_bytes(const struct ctf_writer *w)
{
	return w ? w->stats.bytes : 0;
}

int ctf_writer_last_packet(const struct ctf_writer *w, unsigned *stream, uint64_t *size)
{
	if (w->last_lane < 0)
		return -1;
	*stream = (unsigned)w->last_lane;
	*size = w->lanes.v[w->last_lane].size;
	return 0;
}

int ctf_writer_close(struct ctf_writer *w, struct ctf_writer_stats *out, char *err, size_t errlen)
{
	ERR_SINK(err, errlen);
	if (!w)
		return 0;
	int m = w->meta_dirty ? write_metadata(w, err, errlen) : 0;
	w->stats.streams = w->lanes.n;
	if (out)
		*out = w->stats;
	uint32_t bad = 0;
	int e = ctf_lanes_close(&w->lanes, &bad);
	if (e)
		snprintf(err, errlen, "cannot flush %s/stream_%u: %s; its last packets may be lost",
			 w->dir, bad, strerror(e));
	writer_free(w);
	return e || m ? -1 : 0;
}
