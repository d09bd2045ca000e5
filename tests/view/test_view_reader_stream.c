/* The strict CTF reader of `remora view` (ctl/ctf/ctf_reader.h), its
 * stream side, on traces the real writer made: every value back, losses
 * and their causes, older layouts; each kind of corruption reported at
 * its exact byte offset while the rest still reads; every truncation and
 * random byte damage handled without a crash, a hang or an out-of-bounds
 * read (the memcheck run checks the last part). Apart from
 * test_view_reader_meta.c because these read packets, each with a
 * metadata that already parsed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/ctf/ctf_reader.h"
#include "shm/reader.h"
#include "view_fixture.h"

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

/* "packets": three packets of PKT bytes (a HDR-byte header, one 10-byte
 * record: a compact 6-byte event header and a uint32, 2 bytes of
 * padding), at P1 = 0, P2, P3; records at HDR, R2, R3. HDR is where the
 * fixed context ends (CTF_CONTEXT_FIXED_END, the discarded_* fields
 * first); AT(f) is where field f of struct ctf_packet_hdr is. */
#define HDR 156
#define AT(f) offsetof(struct ctf_packet_hdr, f)
#define PKT (HDR + 12)
#define P2 PKT
#define P3 (2 * PKT)
#define R2 (P2 + HDR)
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
static void m_truncate(struct blob *b) { b->n -= 4; }
static void m_cut_header(struct blob *b) { b->n = P3 + 50; }
static void m_garbage(struct blob *b) { memset(b->b + b->n, 0xab, 200); b->n += 200; }
static void m_packet_size_huge(struct blob *b) { put64(b, P2 + AT(packet_size), 1ull << 40); }
static void m_packet_size_odd(struct blob *b) { put64(b, P2 + AT(packet_size), PKT * 8 + 3); }
static void m_content_gt_packet(struct blob *b) { put64(b, P2 + AT(content_size), (PKT + 1) * 8); }
static void m_content_small(struct blob *b) { put64(b, P2 + AT(content_size), 8 * 8); }
static void m_magic(struct blob *b) { b->b[P2] ^= 1; }
static void m_uuid(struct blob *b) { b->b[P2 + 4] ^= 1; }
static void m_id(struct blob *b) { b->b[R2] = 9; }
/* an extended header (14 bytes) where the content has 10 */
static void m_extended(struct blob *b) { b->b[R2] = 0xff, b->b[R2 + 1] = 0xff; }
/* low 32 bits below the packet's begin: read as a wrap, past its end */
static void m_ts_back(struct blob *b) { b->b[R2 + 2] = 10, memset(b->b + R2 + 3, 0, 3); }
static void m_content_cut(struct blob *b) { put64(b, P2 + AT(content_size), (HDR + 8) * 8); }
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
	expect_corrupt(&fx, m_truncate, 0, 2, P3, "runs past the end of the file (164 bytes left)");
	expect_corrupt(&fx, m_cut_header, 0, 2, P3, "truncated packet header: 50 bytes left");
	expect_corrupt(&fx, m_garbage, 200, 3, 3 * PKT, "bad packet magic 0xabababab");
	expect_corrupt(&fx, m_packet_size_huge, 0, 1, P2, "packet_size 1099511627776 bits");
	expect_corrupt(&fx, m_packet_size_odd, 0, 1, P2, "not a byte count");
	expect_corrupt(&fx, m_magic, 0, 1, P2, "bad packet magic");
	/* the packet's size holds: only that packet is skipped */
	expect_corrupt(&fx, m_content_gt_packet, 0, 2, P2, "content_size 1352 bits");
	expect_corrupt(&fx, m_content_small, 0, 2, P2, "content_size 64 bits");
	expect_corrupt(&fx, m_uuid, 0, 2, P2, "uuid differs");
	expect_corrupt(&fx, m_id, 0, 2, R2, "undeclared event id 9");
	expect_corrupt(&fx, m_extended, 0, 2, R2, "truncated extended event header");
	expect_corrupt(&fx, m_ts_back, 0, 2, R2, "timestamp 4294967306 outside");
	expect_corrupt(&fx, m_content_cut, 0, 2, R2 + 6, "field v: field runs past the end");
	expect_corrupt(&fx, m_content_pad, 0, 2, R2, "truncated event header");
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
 * headers, and the arena's 16-byte event headers of before issue 18,
 * 8-byte aligned): the same events and loss, no causes. */
static void t_stream_v1(void **state)
{
	(void)state;
	struct fixture fx, now;
	fx_open(&fx, "v1", "a", "stream_0");
	fx_open(&now, "basic", "a", "stream_0");
	assert_false(fx.meta.causes);
	assert_int_equal(fx.meta.packet_hdr, 96);
	assert_int_equal(fx.meta.fixed_off, 32);
	assert_false(fx.meta.compact);
	assert_true(now.meta.compact);
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
		cmocka_unit_test(t_stream_values),  cmocka_unit_test(t_stream_corrupt),
		cmocka_unit_test(t_stream_discarded), cmocka_unit_test(t_stream_causes_checked),
		cmocka_unit_test(t_stream_v1),      cmocka_unit_test(t_stream_tail),
		cmocka_unit_test(t_stream_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
