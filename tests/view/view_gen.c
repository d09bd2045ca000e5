#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl/ctf/ctf_packet.h"
#include "ctl/ctf/ctf_writer.h"
#include "view_gen.h"

struct pkt {
	unsigned char buf[4096];
	size_t len;
	uint32_t n;
	uint64_t first, last;
};

struct pay {
	unsigned char b[1024];
	size_t n;
};

static void put(struct pay *p, const void *v, size_t n)
{
	if (p->n + n > sizeof(p->b))
		abort();
	memcpy(p->b + p->n, v, n);
	p->n += n;
}
#define PUT(p, T, v)                                                                         \
	do {                                                                                 \
		T put_v_ = (v);                                                              \
		put((p), &put_v_, sizeof(put_v_));                                           \
	} while (0)

static void put_str(struct pay *p, const char *s)
{
	put(p, s, strlen(s) + 1);
}

static void put_bytes(struct pay *p, const void *v, uint32_t n)
{
	put(p, &n, 4);
	if (n)
		put(p, v, n);
}

static void add(struct pkt *k, uint32_t id, uint64_t ts, const struct pay *p)
{
	size_t plen = p ? p->n : 0, off = RM_ALIGN8(k->len);
	uint64_t word = (RM_RECORD_HDR + plen) | (uint64_t)id << 32;
	if (off + RM_RECORD_HDR + plen > sizeof(k->buf))
		abort();
	memset(k->buf + k->len, 0, off - k->len);
	memcpy(k->buf + off, &word, 8);
	memcpy(k->buf + off + 8, &ts, 8);
	if (plen)
		memcpy(k->buf + off + 16, p->b, plen);
	k->len = off + RM_RECORD_HDR + plen;
	if (!k->n++)
		k->first = ts;
	k->last = ts;
}

static struct rm_event_info ev(uint32_t id, const char *prov, const char *name, int nf, ...)
{
	struct rm_event_info e;
	va_list ap;
	memset(&e, 0, sizeof(e));
	e.valid = true;
	e.id = id;
	e.nfields = (uint32_t)nf;
	snprintf(e.provider, sizeof(e.provider), "%s", prov);
	snprintf(e.name, sizeof(e.name), "%s", name);
	va_start(ap, nf);
	for (int i = 0; i < nf; i++) {
		snprintf(e.fields[i].name, sizeof(e.fields[i].name), "%s", va_arg(ap, const char *));
		e.fields[i].type = (uint8_t)va_arg(ap, int);
	}
	va_end(ap);
	return e;
}

struct gen {
	struct ctf_writer *w;
	char err[256];
	int bad;
};

static void gopen(struct gen *g, const char *dir, int64_t extra_ns)
{
	struct ctf_trace_info info = {
		.hostname = "testhost", .procname = "testprog", .clock = RM_CLOCK_MONOTONIC,
		.real_minus_mono_ns = 1700000000LL * 1000000000LL + extra_ns,
	};
	g->w = ctf_writer_open(dir, &info, g->err, sizeof(g->err));
	if (!g->w) {
		fprintf(stderr, "view_gen: %s\n", g->err);
		g->bad = 1;
	}
}

static void gclass(struct gen *g, struct rm_event_info e)
{
	if (g->w && ctf_writer_event_class(g->w, &e, g->err, sizeof(g->err))) {
		fprintf(stderr, "view_gen: %s\n", g->err);
		g->bad = 1;
	}
}

/* by: the loss by cause (enum rm_lost_cause), NULL when it has none */
static void gpacket_by(struct gen *g, const struct pkt *k, uint32_t pid, uint32_t tid,
		       uint64_t lost, const uint64_t *by)
{
	struct rm_packet p = { .pid = pid, .tid = tid, .lost = lost, .nrecords = k->n,
			       .ts_begin = k->first, .ts_end = k->last, .data = k->buf,
			       .len = k->len };
	if (by)
		memcpy(p.lost_by, by, sizeof(p.lost_by));
	if (g->w && ctf_writer_packet(g->w, &p, g->err, sizeof(g->err))) {
		fprintf(stderr, "view_gen: %s\n", g->err);
		g->bad = 1;
	}
}

static void gpacket(struct gen *g, const struct pkt *k, uint32_t pid, uint32_t tid, uint64_t lost)
{
	gpacket_by(g, k, pid, tid, lost, NULL);
}

static int gclose(struct gen *g)
{
	if (g->w && ctf_writer_close(g->w, NULL, g->err, sizeof(g->err))) {
		fprintf(stderr, "view_gen: %s\n", g->err);
		g->bad = 1;
	}
	g->w = NULL;
	return g->bad ? -1 : 0;
}

static void request(struct pkt *k, uint64_t ts, uint64_t id, uint32_t len, const char *path)
{
	struct pay p = { .n = 0 };
	PUT(&p, uint64_t, id);
	PUT(&p, uint32_t, len);
	put_str(&p, path);
	add(k, 0, ts, &p);
}

static void classes_basic(struct gen *g)
{
	gclass(g, ev(0, "app", "request", 3, "id", RM_T_U64, "len", RM_T_U32, "path", RM_T_STRING));
	gclass(g, ev(1, "app", "ints", 8, "a", RM_T_S8, "b", RM_T_S16, "c", RM_T_S32, "d", RM_T_S64,
		     "e", RM_T_U8, "f", RM_T_U16, "g", RM_T_BOOL, "h", RM_T_BOOL));
	gclass(g, ev(2, "app", "floats", 4, "x", RM_T_F32, "y", RM_T_F64, "z", RM_T_F64, "w",
		     RM_T_F64));
	gclass(g, ev(5, "app", "empty", 0));
}

static int basic(const char *out)
{
	struct gen g = { 0 };
	char *dir;
	struct pkt k;
	struct pay p;

	if (asprintf(&dir, "%s/a", out) < 0)
		return -1;
	gopen(&g, dir, 0);
	free(dir);
	classes_basic(&g);
	/* tid 101: request, ints, floats at 1000, 2000, 5000 */
	memset(&k, 0, sizeof(k));
	request(&k, 1000, 1, 10, "/a");
	p.n = 0;
	PUT(&p, int8_t, -128);
	PUT(&p, int16_t, -32768);
	PUT(&p, int32_t, INT32_MIN);
	PUT(&p, int64_t, INT64_MIN);
	PUT(&p, uint8_t, 255);
	PUT(&p, uint16_t, 65535);
	PUT(&p, uint8_t, 1);
	PUT(&p, uint8_t, 0);
	add(&k, 1, 2000, &p);
	p.n = 0;
	PUT(&p, float, 0.1f);
	PUT(&p, double, 0.5);
	PUT(&p, double, -1e300);
	PUT(&p, double, 1234.25);
	add(&k, 2, 5000, &p);
	gpacket(&g, &k, 100, 101, 0);
	/* tid 102 overlaps in time: a second stream */
	memset(&k, 0, sizeof(k));
	request(&k, 1500, UINT64_MAX, UINT32_MAX, "/b");
	add(&k, 5, 4000, NULL);
	gpacket(&g, &k, 100, 102, 0);
	/* tid 101 again, after losing 3 events */
	memset(&k, 0, sizeof(k));
	request(&k, 6000, 2, 20, "/c");
	/* 3 lost: 2 for want of a chunk, 1 too large for one */
	static const uint64_t by[RM_LOST_CAUSES] = { [RM_LOST_BUFFER_FULL] = 2,
						     [RM_LOST_TOO_LARGE] = 1 };
	gpacket_by(&g, &k, 100, 101, 3, by);
	if (gclose(&g))
		return -1;

	if (asprintf(&dir, "%s/sub/b", out) < 0)
		return -1;
	gopen(&g, dir, 700); /* another clock origin: 700 ns later */
	free(dir);
	classes_basic(&g);
	memset(&k, 0, sizeof(k));
	request(&k, 1000, 7, 70, "/other");
	request(&k, 3000, 8, 80, "/other");
	gpacket(&g, &k, 200, 200, 0);
	return gclose(&g);
}

static int hostile(const char *out)
{
	static const char *const strs[] = {
		"\x1b[31mred\x1b[0m\x07", "line1\nline2\ttab\rcr", "bad\xff\xfe utf8 \xc3",
		"quote\" back\\slash", "caf\xc3\xa9 \xe2\x82\xac", "\xe2\x80\xae rtl",
		"\xc2\x9b c1 \x7f del", "",
	};
	struct gen g = { 0 };
	char *dir;
	struct pkt k;
	struct pay p;
	if (asprintf(&dir, "%s/h", out) < 0)
		return -1;
	gopen(&g, dir, 0);
	free(dir);
	gclass(&g, ev(3, "evil", "str", 1, "s", RM_T_STRING));
	gclass(&g, ev(4, "evil", "bytes", 1, "data", RM_T_BYTES));
	memset(&k, 0, sizeof(k));
	uint64_t ts = 100;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		p.n = 0;
		put_str(&p, strs[i]);
		add(&k, 3, ts++, &p);
	}
	p.n = 0;
	put_bytes(&p, "\x00\x1b\xff", 3);
	add(&k, 4, ts++, &p);
	p.n = 0;
	put_bytes(&p, "", 0);
	add(&k, 4, ts++, &p);
	gpacket(&g, &k, 1, 2, 0);
	return gclose(&g);
}

static int packets(const char *out)
{
	struct gen g = { 0 };
	char *dir;
	if (asprintf(&dir, "%s/p", out) < 0)
		return -1;
	gopen(&g, dir, 0);
	free(dir);
	gclass(&g, ev(0, "t", "one", 1, "v", RM_T_U32));
	for (uint32_t i = 1; i <= 3; i++) {
		struct pkt k;
		struct pay p = { .n = 0 };
		memset(&k, 0, sizeof(k));
		PUT(&p, uint32_t, i);
		add(&k, 0, 1000 * i, &p);
		gpacket(&g, &k, 7, 7, 0);
	}
	return gclose(&g);
}

/* ---- traces as remora wrote them before the discarded_* fields ---- */

static char *slurp_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	rewind(f);
	char *b = len >= 0 ? malloc((size_t)len + 1) : NULL;
	if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
		free(b);
		b = NULL;
	}
	fclose(f);
	if (b) {
		b[len] = 0;
		*n = (size_t)len;
	}
	return b;
}

static int spit_file(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int r = fwrite(b, 1, n, f) == n ? 0 : -1;
	return fclose(f) || r ? -1 : 0;
}

/* The metadata as an older remora wrote it: without the discarded_*
 * declarations (and their comment) at the start of the packet context;
 * with `tail`, with them after `level` instead. */
static int metadata_to_old(const char *dir, bool tail)
{
	static const char tail_decl[] = "\t\t/* losses by cause, cumulative; the first one's"
					" alignment skips the 4 bytes after level */\n"
					CTF_CONTEXT_CAUSES_TAIL;
	static const char level[] = "\t\tuint32_t level;\n";
	char *path;
	size_t n;
	if (asprintf(&path, "%s/metadata", dir) < 0)
		return -1;
	char *t = slurp_file(path, &n);
	char *from = t ? strstr(t, "\t\t/* losses by cause") : NULL;
	char *to = from ? strstr(from, CTF_CONTEXT_CAUSES) : NULL;
	int r = -1;
	if (to) {
		to += strlen(CTF_CONTEXT_CAUSES);
		memmove(from, to, strlen(to) + 1);
		char *at = strstr(t, level);
		if (!tail) {
			r = spit_file(path, t, strlen(t));
		} else if (at) {
			at += strlen(level);
			char *o = NULL;
			if (asprintf(&o, "%.*s%s%s", (int)(at - t), t, tail_decl, at) >= 0)
				r = spit_file(path, o, strlen(o));
			free(o);
		}
	}
	free(t);
	free(path);
	return r;
}

/* Each packet as an older remora wrote it (the scenarios have no
 * add-context fields): v1 without the 64 bytes of discarded_* fields, so
 * an empty packet ends its content at `level`; tail with them after
 * `level` and 4 bytes of alignment, so an empty packet ends at the last
 * of them. */
static int stream_to_old(const char *dir, const char *name, bool tail)
{
	enum { CUT = 8 * CTF_CAUSES, FIX = offsetof(struct ctf_packet_hdr, timestamp_begin) };
	const size_t hdr = sizeof(struct ctf_packet_hdr);
	char *path;
	size_t n, out = 0;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -1;
	unsigned char *b = (unsigned char *)slurp_file(path, &n);
	unsigned char *o = b ? malloc(n) : NULL;
	int r = o ? 0 : -1;
	for (size_t off = 0; o && off < n;) {
		struct ctf_packet_hdr h;
		if (n - off < hdr) {
			r = -1;
			break;
		}
		memcpy(&h, b + off, hdr);
		size_t psize = h.packet_size / 8, csize = h.content_size / 8;
		if (!tail) {
			h.packet_size -= CUT * 8;
			h.content_size -= CUT * 8;
		} else if (csize == CTF_CONTEXT_FIXED_END) {
			h.content_size = CTF_CONTEXT_END_TAIL * 8;
		}
		unsigned char *p = o + out;
		memcpy(p, b + off, FIX - CUT);                     /* packet header */
		memcpy(p + FIX - CUT, &h.timestamp_begin, CTF_CONTEXT_END_V1 - (FIX - CUT));
		memset(p + CTF_CONTEXT_END_V1, 0, CTF_PACKET_HDR_V1 - CTF_CONTEXT_END_V1);
		if (tail)
			memcpy(p + CTF_PACKET_HDR_V1, h.discarded_by, CUT);
		size_t head = tail ? hdr : CTF_PACKET_HDR_V1;
		memcpy(p + head, b + off + hdr, psize - hdr);
		out += head + psize - hdr;
		off += psize;
	}
	if (!r)
		r = spit_file(path, o, out);
	free(o);
	free(b);
	free(path);
	return r;
}

/* "basic" as an older remora wrote it: out/a and out/sub/b */
static int old(const char *out, bool tail)
{
	if (basic(out))
		return -1;
	int r = 0;
	for (int t = 0; !r && t < 2; t++) {
		char *dir, name[32];
		if (asprintf(&dir, "%s/%s", out, t ? "sub/b" : "a") < 0)
			return -1;
		r = metadata_to_old(dir, tail);
		for (int i = 0; !r; i++) {
			snprintf(name, sizeof(name), "stream_%d", i);
			char *path;
			if (asprintf(&path, "%s/%s", dir, name) < 0)
				return -1;
			struct stat st;
			bool there = stat(path, &st) == 0;
			free(path);
			if (!there)
				break;
			r = stream_to_old(dir, name, tail);
		}
		free(dir);
	}
	if (r)
		fprintf(stderr, "view_gen: cannot rewrite %s as an older remora's trace\n", out);
	return r;
}

int view_gen(const char *out, const char *name)
{
	mkdir(out, 0700);
	if (!strcmp(name, "basic"))
		return basic(out);
	if (!strcmp(name, "hostile"))
		return hostile(out);
	if (!strcmp(name, "packets"))
		return packets(out);
	if (!strcmp(name, "v1"))
		return old(out, false);
	if (!strcmp(name, "tail"))
		return old(out, true);
	fprintf(stderr, "view_gen: unknown scenario %s\n", name);
	return -1;
}
