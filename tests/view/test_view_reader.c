/* The strict CTF reader of `remora view` (ctl/ctf/ctf_reader.h), on traces
 * the real writer made: every value back, losses, and each kind of
 * corruption reported at its exact byte offset while the rest still reads;
 * metadata outside the subset refused with a message; every truncation and
 * random byte damage handled without a crash, a hang or an out-of-bounds
 * read (the memcheck run checks the last part). */
#define _GNU_SOURCE
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/ctf/ctf_reader.h"
#include "shm/reader.h"
#include "view_gen.h"

struct blob {
	char *b;
	size_t n;
};

static struct blob slurp(const char *dir, const char *name)
{
	char *path;
	struct blob r = { 0 };
	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	r.n = (size_t)ftell(f);
	rewind(f);
	r.b = malloc(r.n + 1);
	assert_non_null(r.b);
	assert_int_equal(fread(r.b, 1, r.n, f), r.n);
	r.b[r.n] = 0;
	fclose(f);
	free(path);
	return r;
}

static int rm_one(const char *p, const struct stat *st, int fl, struct FTW *ftw)
{
	(void)st, (void)fl, (void)ftw;
	return remove(p);
}

/* A scenario's trace `sub` read into memory: metadata parsed, one stream. */
struct fixture {
	char base[64];
	struct ctfr_meta meta;
	struct blob md, st;
};

static void fx_open(struct fixture *fx, const char *scenario, const char *sub, const char *stream)
{
	char dir[128], err[256] = "";
	snprintf(fx->base, sizeof(fx->base), "/tmp/remora-view-XXXXXX");
	assert_non_null(mkdtemp(fx->base));
	assert_int_equal(view_gen(fx->base, scenario), 0);
	snprintf(dir, sizeof(dir), "%s/%s", fx->base, sub);
	fx->md = slurp(dir, "metadata");
	fx->st = slurp(dir, stream);
	int r = ctfr_meta_parse(fx->md.b, fx->md.n, &fx->meta, err, sizeof(err));
	if (r)
		fprintf(stderr, "metadata: %s\n", err);
	assert_int_equal(r, 0);
}

static void fx_close(struct fixture *fx)
{
	ctfr_meta_free(&fx->meta);
	free(fx->md.b);
	free(fx->st.b);
	nftw(fx->base, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Everything one stream yields, errors included. */
struct run {
	size_t events, losses, errors;
	uint64_t lost, lost_by[CTF_CAUSES];
	uint64_t vals[16];          /* field 0 of the first events, as integers */
	uint64_t err_off[8];
	char err_msg[8][256];
};

static void on_err(void *ctx, uint64_t off, const char *what)
{
	struct run *r = ctx;
	if (r->errors < 8) {
		r->err_off[r->errors] = off;
		snprintf(r->err_msg[r->errors], sizeof(r->err_msg[0]), "%s", what);
	}
	r->errors++;
}

static struct run run_mem(const struct ctfr_meta *m, const void *buf, size_t len)
{
	struct run r;
	memset(&r, 0, sizeof(r));
	struct ctfr_mem mem = { .buf = buf, .len = len };
	struct ctfr_stream s;
	struct ctfr_item it;
	ctfr_stream_init(&s, m, ctfr_mem_source(&mem), on_err, &r);
	enum ctfr_kind k;
	size_t guard = 0;
	while ((k = ctfr_stream_next(&s, &it)) != CTFR_END) {
		assert_true(++guard < 100000);
		if (k == CTFR_LOST) {
			r.losses++;
			r.lost += it.lost;
			for (int i = 0; i < CTF_CAUSES; i++)
				r.lost_by[i] += it.lost_by[i];
			continue;
		}
		if (r.events < 16 && it.ev->nfields)
			r.vals[r.events] = it.v[0].u;
		r.events++;
	}
	assert_int_equal(s.errors, r.errors);
	return r;
}

/* "packets": three packets of PKT bytes (a HDR-byte header, one 20-byte
 * record, 4 bytes of padding), at P1 = 0, P2, P3; records at HDR, R2, R3.
 * HDR is sizeof(struct ctf_packet_hdr), with the discarded_* fields; AT(f)
 * is where its field f is. */
#define HDR 160
#define AT(f) offsetof(struct ctf_packet_hdr, f)
#define PKT (HDR + 24)
#define P2 PKT
#define P3 (2 * PKT)
#define R2 (P2 + HDR)

static void t_meta_basic(void **state)
{
	(void)state;
	struct fixture fx;
	fx_open(&fx, "basic", "a", "stream_0");
	const struct ctfr_meta *m = &fx.meta;
	assert_int_equal(m->freq, 1000000000);
	assert_int_equal(m->offset_s, 1700000000);
	assert_int_equal(m->offset, 0);
	assert_int_equal(m->nevents, 4);
	const struct ctfr_event *e = ctfr_meta_event(m, 1);
	assert_non_null(e);
	assert_string_equal(e->name, "app:ints");
	static const uint8_t ints[] = { RM_T_S8, RM_T_S16, RM_T_S32, RM_T_S64,
					RM_T_U8, RM_T_U16, RM_T_BOOL, RM_T_BOOL };
	assert_int_equal(e->nfields, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(e->fields[i].type, ints[i]);
	assert_string_equal(e->fields[0].name, "a");
	e = ctfr_meta_event(m, 2);
	assert_int_equal(e->fields[0].type, RM_T_F32);
	assert_int_equal(e->fields[1].type, RM_T_F64);
	e = ctfr_meta_event(m, 5);
	assert_string_equal(e->name, "app:empty");
	assert_int_equal(e->nfields, 0);
	assert_null(ctfr_meta_event(m, 3));
	assert_null(ctfr_meta_event(m, 6));
	/* the packet header carries the uuid of the metadata */
	assert_memory_equal(fx.st.b + 4, m->uuid, 16);
	assert_true(ctfr_time_ns(m, 1000) == (__int128)1700000000 * 1000000000 + 1000);
	fx_close(&fx);
}

static void t_meta_bytes(void **state)
{
	(void)state;
	struct fixture fx;
	fx_open(&fx, "hostile", "h", "stream_0");
	const struct ctfr_event *e = ctfr_meta_event(&fx.meta, 4);
	assert_non_null(e);
	assert_int_equal(e->nfields, 1);
	assert_string_equal(e->fields[0].name, "data");
	assert_int_equal(e->fields[0].type, RM_T_BYTES);
	fx_close(&fx);
}

/* Replaces the first `from` in text by `to` and expects a refusal that
 * mentions `why`. */
static void expect_refused(const struct blob *md, const char *from, const char *to,
			   const char *why)
{
	char *p = strstr(md->b, from);
	if (!p)
		fail_msg("'%s' not in the metadata", from);
	size_t head = (size_t)(p - md->b), fl = strlen(from), tl = strlen(to);
	size_t n = md->n - fl + tl;
	char *t = malloc(n + 1);
	memcpy(t, md->b, head);
	memcpy(t + head, to, tl);
	memcpy(t + head + tl, p + fl, md->n - head - fl + 1);
	struct ctfr_meta m;
	char err[256] = "";
	int r = ctfr_meta_parse(t, n, &m, err, sizeof(err));
	if (r == 0 || !strstr(err, why))
		fail_msg("'%s' -> '%s': got %d '%s', expected an error with '%s'", from, to, r, err,
			 why);
	assert_int_equal(m.nevents, 0);
	assert_null(m.events);
	free(t);
}

static void t_meta_refused(void **state)
{
	(void)state;
	struct fixture fx;
	fx_open(&fx, "basic", "a", "stream_0");
	const struct blob *md = &fx.md;
	expect_refused(md, "/* CTF 1.8", "/* CTF 2.0", "not CTF 1.8");
	expect_refused(md, "/* CTF 1.8", "\x57\x1d\xd1\x75 CTF", "packetized");
	expect_refused(md, "byte_order = le", "byte_order = be", "expected 'le', found 'be'");
	expect_refused(md, "string _path", "sequence _path", "unsupported field type 'sequence'");
	expect_refused(md, "size = 16; align = 8; signed = true;", "size = 12; align = 8; signed = true;",
		       "integer size 12");
	expect_refused(md, "exp_dig = 8; mant_dig = 24", "exp_dig = 5; mant_dig = 11",
		       "exp_dig 5 mant_dig 11");
	expect_refused(md, "id = 5;", "id = 2;", "event id 2 is declared twice");
	expect_refused(md, "id = 5;", "id = 1048576;", "larger than 1048575");
	expect_refused(md, "offset = 0;", "offset = 1000000000;", "not below freq");
	expect_refused(md, "freq = 1000000000;", "freq = 0;", "freq is 0");
	expect_refused(md, "freq = 1000000000;", "freq = 99999999999999999999;", "larger than");
	expect_refused(md, "name = \"app:empty\"", "name = \"app empty\"", "not provider:name");
	expect_refused(md, "name = \"app:empty\"", "name = \"app:em\\x\"", "unsupported escape");
	expect_refused(md, "hostname = \"testhost\"", "hostname = \"t\x1b\"", "byte 0x1b");
	expect_refused(md, "hostname = \"testhost\"", "hostname = \"t", "byte 0x0a in a string");
	expect_refused(md, "event {", "/* open", "unterminated comment");
	expect_refused(md, "event {", "event @", "unexpected byte 0x40");
	expect_refused(md, "_y;", "_y; floating_point { exp_dig = 11; mant_dig = 53; align = 8; } _y;",
		       "field y appears twice");
	expect_refused(md, "_path;", "_path; string _1x;", "does not start with '_' and a letter");
	expect_refused(md, "stream_id = 0;\n\tfields", "stream_id = 1;\n\tfields",
		       "expected '0', found '1'");
	expect_refused(md, "\"monotonic\"", "\"realtime\"", "expected \"monotonic\"");
	expect_refused(md, "absolute = TRUE;", "absolute = FALSE;", "found 'FALSE'");
	expect_refused(md, "discarded_corrupt;", "discarded_korrupt;",
		       "expected 'discarded_corrupt', found 'discarded_korrupt'");
	expect_refused(md, "uint64_clock_monotonic_t discarded_no_slot;",
		       "uint64_t discarded_no_slot;",
		       "expected 'uint64_clock_monotonic_t', found 'uint64_t'");
	/* the causes first and last: the reader takes one place only */
	expect_refused(md, "uint32_t level;\n",
		       "uint32_t level;\n" CTF_CONTEXT_CAUSES_TAIL, "expected '8', found '64'");
	/* a NUL byte inside */
	struct blob nul = { .b = strdup(md->b), .n = md->n };
	nul.b[100] = 0;
	struct ctfr_meta m;
	char err[256] = "";
	assert_int_equal(ctfr_meta_parse(nul.b, nul.n, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL byte at offset 100"));
	free(nul.b);
	/* the message names the line */
	expect_refused(md, "app:ints", "app:in-ts", "line ");
	fx_close(&fx);
	/* remora's first layout with causes, after `level`: as strict */
	fx_open(&fx, "tail", "a", "stream_0");
	expect_refused(&fx.md, "align = 64; signed = false; } discarded",
		       "align = 8; signed = false; } discarded", "expected '64', found '8'");
	expect_refused(&fx.md, "uint64_t discarded_refused;", "uint64_t discarded_refuse;",
		       "expected 'discarded_refused', found 'discarded_refuse'");
	fx_close(&fx);
}

/* Every prefix: refused or parsed, never a crash or a read past the end
 * (the prefix is copied to a buffer of exactly its size). */
static void t_meta_prefixes(void **state)
{
	(void)state;
	struct fixture fx;
	fx_open(&fx, "basic", "a", "stream_0");
	size_t ok = 0;
	for (size_t n = 0; n < fx.md.n; n++) {
		char *t = malloc(n ? n : 1);
		memcpy(t, fx.md.b, n);
		struct ctfr_meta m;
		char err[256];
		if (ctfr_meta_parse(t, n, &m, err, sizeof(err)) == 0) {
			ok++;
			ctfr_meta_free(&m);
		}
		free(t);
	}
	/* whole-event boundaries parse (fewer events); nothing else does */
	assert_true(ok >= 1 && ok <= 3 * 5);
	fx_close(&fx);
}

static void t_stream_values(void **state)
{
	(void)state;
	struct fixture fx;
	fx_open(&fx, "basic", "a", "stream_0");
	struct ctfr_mem mem = { .buf = (const unsigned char *)fx.st.b, .len = fx.st.n };
	struct ctfr_stream s;
	struct ctfr_item it;
	struct run r;
	memset(&r, 0, sizeof(r));
	ctfr_stream_init(&s, &fx.meta, ctfr_mem_source(&mem), on_err, &r);

	assert_int_equal(ctfr_stream_next(&s, &it), CTFR_EVENT);
	assert_string_equal(it.ev->name, "app:request");
	assert_int_equal(it.ts, 1000);
	assert_int_equal(it.pid, 100);
	assert_int_equal(it.tid, 101);
	assert_int_equal(it.offset, HDR);
	assert_int_equal(it.v[0].u, 1);
	assert_int_equal(it.v[1].u, 10);
	assert_int_equal(it.v[2].b.n, 2);
	assert_memory_equal(it.v[2].b.p, "/a", 2);

	assert_int_equal(ctfr_stream_next(&s, &it), CTFR_EVENT);
	assert_string_equal(it.ev->name, "app:ints");
	assert_int_equal(it.v[0].s, -128);
	assert_int_equal(it.v[1].s, -32768);
	assert_int_equal(it.v[2].s, INT32_MIN);
	assert_true(it.v[3].s == INT64_MIN);
	assert_int_equal(it.v[4].u, 255);
	assert_int_equal(it.v[5].u, 65535);
	assert_int_equal(it.v[6].u, 1);
	assert_int_equal(it.v[7].u, 0);

	assert_int_equal(ctfr_stream_next(&s, &it), CTFR_EVENT);
	assert_true(it.v[0].d == (double)0.1f);
	assert_true(it.v[1].d == 0.5);
	assert_true(it.v[2].d == -1e300);
	assert_true(it.v[3].d == 1234.25);

	/* the next packet reports its loss first, at its begin time, by cause */
	assert_int_equal(ctfr_stream_next(&s, &it), CTFR_LOST);
	assert_int_equal(it.lost, 3);
	assert_true(fx.meta.causes);
	assert_int_equal(it.lost_by[RM_LOST_BUFFER_FULL], 2);
	assert_int_equal(it.lost_by[RM_LOST_TOO_LARGE], 1);
	for (int i = RM_LOST_TOO_LARGE + 1; i < CTF_CAUSES; i++)
		assert_int_equal(it.lost_by[i], 0);
	assert_int_equal(it.ts, 6000);
	assert_int_equal(it.tid, 101);
	assert_int_equal(ctfr_stream_next(&s, &it), CTFR_EVENT);
	assert_int_equal(it.v[0].u, 2);
	assert_int_equal(ctfr_stream_next(&s, &it), CTFR_END);
	assert_int_equal(ctfr_stream_next(&s, &it), CTFR_END);
	assert_int_equal(r.errors, 0);
	fx_close(&fx);
}

static void put64(struct blob *b, size_t off, uint64_t v)
{
	memcpy(b->b + off, &v, 8);
}

static struct run corrupt(const struct fixture *fx, void (*mut)(struct blob *), size_t extra)
{
	struct blob b = { .b = malloc(fx->st.n + extra), .n = fx->st.n };
	memcpy(b.b, fx->st.b, fx->st.n);
	mut(&b);
	struct run r = run_mem(&fx->meta, b.b, b.n);
	free(b.b);
	return r;
}

static void m_none(struct blob *b) { (void)b; }
static void m_truncate(struct blob *b) { b->n -= 10; }
static void m_cut_header(struct blob *b) { b->n = P3 + 50; }
static void m_garbage(struct blob *b) { memset(b->b + b->n, 0xab, 200); b->n += 200; }
static void m_packet_size_huge(struct blob *b) { put64(b, P2 + AT(packet_size), 1ull << 40); }
static void m_packet_size_odd(struct blob *b) { put64(b, P2 + AT(packet_size), PKT * 8 + 3); }
static void m_content_gt_packet(struct blob *b) { put64(b, P2 + AT(content_size), (PKT + 1) * 8); }
static void m_content_small(struct blob *b) { put64(b, P2 + AT(content_size), 8 * 8); }
static void m_magic(struct blob *b) { b->b[P2] ^= 1; }
static void m_uuid(struct blob *b) { b->b[P2 + 4] ^= 1; }
static void m_id(struct blob *b) { b->b[R2 + 4] = 9; }
static void m_rec_size(struct blob *b) { b->b[R2] = 21; }
static void m_ts_back(struct blob *b) { put64(b, R2 + 8, 10); }
static void m_content_cut(struct blob *b) { put64(b, P2 + AT(content_size), (HDR + 18) * 8); }
static void m_content_pad(struct blob *b) { put64(b, P2 + AT(content_size), (HDR + 2) * 8); }

static void expect_corrupt(const struct fixture *fx, void (*mut)(struct blob *), size_t extra,
			   size_t events, uint64_t off, const char *why)
{
	struct run r = corrupt(fx, mut, extra);
	if (r.errors != 1 || r.events != events || r.err_off[0] != off || !strstr(r.err_msg[0], why))
		fail_msg("%zu errors, %zu events, first at %llu: '%s'; expected 1 error, %zu events, "
			 "at %llu: '%s'", r.errors, r.events, (unsigned long long)r.err_off[0],
			 r.errors ? r.err_msg[0] : "", events, (unsigned long long)off, why);
}

static void t_stream_corrupt(void **state)
{
	(void)state;
	struct fixture fx;
	fx_open(&fx, "packets", "p", "stream_0");
	assert_int_equal(fx.st.n, 3 * PKT);
	struct run r = corrupt(&fx, m_none, 0);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.events, 3);
	assert_int_equal(r.vals[0], 1);
	assert_int_equal(r.vals[2], 3);

	/* the packet's size cannot be trusted: the stream ends there */
	expect_corrupt(&fx, m_truncate, 0, 2, P3, "runs past the end of the file (174 bytes left)");
	expect_corrupt(&fx, m_cut_header, 0, 2, P3, "truncated packet header: 50 bytes left");
	expect_corrupt(&fx, m_garbage, 200, 3, 3 * PKT, "bad packet magic 0xabababab");
	expect_corrupt(&fx, m_packet_size_huge, 0, 1, P2, "packet_size 1099511627776 bits");
	expect_corrupt(&fx, m_packet_size_odd, 0, 1, P2, "not a byte count");
	expect_corrupt(&fx, m_magic, 0, 1, P2, "bad packet magic");
	/* the packet's size holds: only that packet is skipped */
	expect_corrupt(&fx, m_content_gt_packet, 0, 2, P2, "content_size 1480 bits");
	expect_corrupt(&fx, m_content_small, 0, 2, P2, "content_size 64 bits");
	expect_corrupt(&fx, m_uuid, 0, 2, P2, "uuid differs");
	expect_corrupt(&fx, m_id, 0, 2, R2, "undeclared event id 9");
	expect_corrupt(&fx, m_rec_size, 0, 2, R2, "rec_size 21, but the fields take 20");
	expect_corrupt(&fx, m_ts_back, 0, 2, R2, "timestamp 10 outside");
	expect_corrupt(&fx, m_content_cut, 0, 2, R2 + 16, "field v: field runs past the end");
	/* (said where the context ends: the next 8-byte boundary is the record's) */
	expect_corrupt(&fx, m_content_pad, 0, 2, P2 + CTF_CONTEXT_FIXED_END, "truncated event header");
	fx_close(&fx);
}

static void m_discarded_down(struct blob *b)
{
	put64(b, AT(events_discarded), 5);
	put64(b, P2 + AT(events_discarded), 2);
	put64(b, P3 + AT(events_discarded), 2);
}

static void t_stream_discarded(void **state)
{
	(void)state;
	struct fixture fx;
	fx_open(&fx, "packets", "p", "stream_0");
	/* 5 lost before packet 0; packets 1 and 2 say 2: reported once,
	 * counted on from 2, and their events still show */
	struct run r = corrupt(&fx, m_discarded_down, 0);
	assert_int_equal(r.losses, 1);
	assert_int_equal(r.lost, 5);
	assert_int_equal(r.errors, 1);
	assert_int_equal(r.err_off[0], P2);
	assert_non_null(strstr(r.err_msg[0], "events_discarded goes down from 5 to 2"));
	assert_int_equal(r.events, 3);
	fx_close(&fx);
}

/* discarded_* counts that go down, or grow past events_discarded: said,
 * the causes of that packet dropped, its events still shown */
#define CAUSES_AT AT(discarded_by)
static void m_cause_down(struct blob *b)
{
	put64(b, AT(events_discarded), 5);
	put64(b, CAUSES_AT + 8, 5);
	put64(b, P2 + AT(events_discarded), 5);
	put64(b, P3 + AT(events_discarded), 5);
	put64(b, P3 + CAUSES_AT + 8, 5);
}

static void m_causes_exceed(struct blob *b)
{
	put64(b, P2 + AT(events_discarded), 1);
	put64(b, P3 + AT(events_discarded), 1);
	put64(b, P2 + CAUSES_AT, 2);
	put64(b, P3 + CAUSES_AT, 2);
}

static void t_stream_causes_checked(void **state)
{
	(void)state;
	struct fixture fx;
	fx_open(&fx, "packets", "p", "stream_0");
	struct run r = corrupt(&fx, m_cause_down, 0);
	assert_int_equal(r.errors, 2); /* down at packet 1, and up again at 2 */
	assert_int_equal(r.err_off[0], P2);
	assert_non_null(strstr(r.err_msg[0], "discarded_too_large goes down from 5 to 0"));
	assert_int_equal(r.lost, 5);
	assert_int_equal(r.lost_by[RM_LOST_TOO_LARGE], 5);
	assert_int_equal(r.events, 3);
	r = corrupt(&fx, m_causes_exceed, 0);
	assert_int_equal(r.errors, 1);
	assert_int_equal(r.err_off[0], P2);
	assert_non_null(strstr(r.err_msg[0], "discarded_* grow by 2 in all, more than "
					   "events_discarded (1)"));
	assert_int_equal(r.lost, 1);
	assert_int_equal(r.lost_by[RM_LOST_BUFFER_FULL], 0);
	assert_int_equal(r.events, 3);
	fx_close(&fx);
}

/* A trace of an older remora (packet context ending at `level`, 96-byte
 * headers): the same events and loss, no causes. */
static void t_stream_v1(void **state)
{
	(void)state;
	struct fixture fx, now;
	fx_open(&fx, "v1", "a", "stream_0");
	fx_open(&now, "basic", "a", "stream_0");
	assert_false(fx.meta.causes);
	assert_int_equal(fx.meta.packet_hdr, 96);
	assert_int_equal(fx.meta.fixed_off, 32);
	assert_int_equal(fx.st.n + 64 * 2, now.st.n); /* two packets in stream_0 */
	struct run old = run_mem(&fx.meta, fx.st.b, fx.st.n);
	struct run cur = run_mem(&now.meta, now.st.b, now.st.n);
	assert_int_equal(old.errors, 0);
	assert_int_equal(old.events, cur.events);
	assert_int_equal(old.events, 4);
	assert_memory_equal(old.vals, cur.vals, sizeof(old.vals));
	assert_int_equal(old.lost, 3);
	for (int i = 0; i < CTF_CAUSES; i++)
		assert_int_equal(old.lost_by[i], 0);
	assert_int_equal(cur.lost_by[RM_LOST_BUFFER_FULL] + cur.lost_by[RM_LOST_TOO_LARGE], 3);
	/* the first event of the old stream starts right after its 96 bytes */
	struct ctfr_mem mem = { .buf = (const unsigned char *)fx.st.b, .len = fx.st.n };
	struct ctfr_stream s;
	struct ctfr_item it;
	ctfr_stream_init(&s, &fx.meta, ctfr_mem_source(&mem), NULL, NULL);
	assert_int_equal(ctfr_stream_next(&s, &it), CTFR_EVENT);
	assert_int_equal(it.offset, 96);
	fx_close(&now);
	fx_close(&fx);
}

/* A trace of remora's first layout with causes (declared after `level`,
 * the first at byte 96): the same events, loss and causes as now. */
static void t_stream_tail(void **state)
{
	(void)state;
	struct fixture fx, now;
	fx_open(&fx, "tail", "a", "stream_0");
	fx_open(&now, "basic", "a", "stream_0");
	assert_true(fx.meta.causes);
	assert_int_equal(fx.meta.causes_off, 96);
	assert_int_equal(fx.meta.fixed_off, 32);
	assert_int_equal(fx.meta.context_end, 160);
	assert_int_equal(fx.meta.packet_hdr, 160);
	assert_int_equal(now.meta.causes_off, 32);
	assert_int_equal(now.meta.fixed_off, 96);
	assert_int_equal(now.meta.context_end, 156);
	assert_int_equal(now.meta.packet_hdr, 160);
	assert_int_equal(fx.st.n, now.st.n);
	assert_memory_not_equal(fx.st.b, now.st.b, HDR);
	struct run old = run_mem(&fx.meta, fx.st.b, fx.st.n);
	struct run cur = run_mem(&now.meta, now.st.b, now.st.n);
	assert_int_equal(old.errors, 0);
	assert_int_equal(old.events, 4);
	assert_int_equal(old.events, cur.events);
	assert_memory_equal(old.vals, cur.vals, sizeof(old.vals));
	assert_int_equal(old.lost, 3);
	assert_memory_equal(old.lost_by, cur.lost_by, sizeof(old.lost_by));
	assert_int_equal(old.lost_by[RM_LOST_BUFFER_FULL], 2);
	assert_int_equal(old.lost_by[RM_LOST_TOO_LARGE], 1);
	fx_close(&now);
	fx_close(&fx);
}

/* Damage anywhere: every truncation, then random bytes at random places.
 * The stream always ends, with at most as many events as it had. */
static void t_stream_damage(void **state)
{
	(void)state;
	const char *scen[][2] = { { "basic", "a" }, { "hostile", "h" }, { "v1", "a" },
				  { "tail", "a" } };
	for (size_t k = 0; k < 4; k++) {
		struct fixture fx;
		fx_open(&fx, scen[k][0], scen[k][1], "stream_0");
		size_t all = run_mem(&fx.meta, fx.st.b, fx.st.n).events;
		for (size_t n = 0; n < fx.st.n; n++) {
			unsigned char *t = malloc(n ? n : 1);
			memcpy(t, fx.st.b, n);
			struct run r = run_mem(&fx.meta, t, n);
			assert_true(r.events <= all);
			assert_true(n == 0 || r.errors > 0 || r.events < all || n % 8 == 0);
			free(t);
		}
		unsigned seed = 12345;
		int rounds = getenv("REMORA_UNDER_VALGRIND") ? 300 : 5000;
		for (int i = 0; i < rounds; i++) {
			unsigned char *t = malloc(fx.st.n);
			memcpy(t, fx.st.b, fx.st.n);
			int flips = 1 + rand_r(&seed) % 4;
			for (int j = 0; j < flips; j++)
				t[(size_t)rand_r(&seed) % fx.st.n] = (unsigned char)rand_r(&seed);
			run_mem(&fx.meta, t, fx.st.n);
			free(t);
		}
		fx_close(&fx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_meta_basic),     cmocka_unit_test(t_meta_bytes),
		cmocka_unit_test(t_meta_refused),   cmocka_unit_test(t_meta_prefixes),
		cmocka_unit_test(t_stream_values),  cmocka_unit_test(t_stream_corrupt),
		cmocka_unit_test(t_stream_discarded), cmocka_unit_test(t_stream_causes_checked),
		cmocka_unit_test(t_stream_v1),      cmocka_unit_test(t_stream_tail),
		cmocka_unit_test(t_stream_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
