/* The compact event header (ctl/ctf/ctf_event_hdr.h) and its extended
 * form, checked against babeltrace2 and the strict reader: ids from 65535
 * on, gaps of 2^32 cycles and more (fed directly: the writer takes any
 * timestamps), a gap threshold made small so compact and extended headers
 * alternate, and the bytes a record takes on disk. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctf_test_util.h"
#include "ctl/ctf/ctf_event_hdr.h"
#include "ctl/ctf/ctf_reader.h"

/* what the trace must show, in order */
struct want {
	uint32_t id;
	uint64_t ts;
};

static char *slurp(const char *dir, const char *name, size_t *n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	rewind(f);
	char *b = malloc((size_t)len + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	b[len] = 0;
	*n = (size_t)len;
	return b;
}

/* babeltrace2 --clock-cycles: every event's cycles, name and fields */
static void check_bt2(const char *dir, const struct want *w, size_t n)
{
	struct bt2 r;
	const char *argv[] = { "--clock-cycles", dir, NULL };
	bt2_run(&r, argv);
	if (r.status || r.err[0])
		fprintf(stderr, "babeltrace2: %d\n%s\n", r.status, r.err);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	const char *line = r.out;
	for (size_t i = 0; i < n; i++) {
		assert_non_null(line);
		uint64_t ts, id_field, ts_field;
		char name[64];
		const char *ev = strstr(line, " ev:");
		assert_non_null(ev);
		assert_int_equal(sscanf(line, "[%" SCNu64 "]", &ts), 1);
		assert_int_equal(sscanf(ev, " %63[^:]:", name), 1);
		const char *f = strstr(line, "{ id = ");
		assert_non_null(f);
		assert_int_equal(sscanf(f, "{ id = %" SCNu64 ", ts = %" SCNu64 " }", &id_field,
					&ts_field), 2);
		char expect[32];
		snprintf(expect, sizeof(expect), " ev:ev%u: ", w[i].id);
		if (ts != w[i].ts || strcmp(name, "ev") || id_field != w[i].id ||
		    ts_field != w[i].ts || !strstr(line, expect))
			fail_msg("event %zu: '%.*s', expected ev:ev%u at %" PRIu64, i,
				 (int)(strchr(line, '\n') - line), line, w[i].id, w[i].ts);
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	assert_true(line && !*line);
	bt2_free(&r);
}

/* the strict reader (remora view): the same ids and timestamps */
static void check_strict(const char *dir, const struct want *w, size_t n)
{
	size_t mlen, slen;
	char *md = slurp(dir, "metadata", &mlen);
	char *st = slurp(dir, "stream_0", &slen);
	struct ctfr_meta m;
	char err[256];
	if (ctfr_meta_parse(md, mlen, &m, err, sizeof(err)))
		fail_msg("metadata: %s", err);
	assert_true(m.compact);
	struct ctfr_mem mem = { .buf = (const unsigned char *)st, .len = slen };
	struct ctfr_stream s;
	struct ctfr_item it;
	ctfr_stream_init(&s, &m, ctfr_mem_source(&mem), NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ctfr_stream_next(&s, &it), CTFR_EVENT);
		assert_int_equal(it.ev->id, w[i].id);
		assert_true(it.ts == w[i].ts);
		assert_true(it.v[0].u == w[i].id);
		assert_true(it.v[1].u == w[i].ts);
	}
	assert_int_equal(ctfr_stream_next(&s, &it), CTFR_END);
	assert_int_equal(s.errors, 0);
	ctfr_meta_free(&m);
	free(md);
	free(st);
}

static struct rm_event_info ev_of(uint32_t id)
{
	char name[32];
	snprintf(name, sizeof(name), "ev%u", id);
	return tev(id, "ev", name, 2, "id", RM_T_U32, "ts", RM_T_U64);
}

/* Writes w[0..n) as one packet (a 12-byte payload each: the id and the
 * timestamp) and returns the bytes of records on disk. */
static size_t write_trace(const char *dir, const struct ctf_trace_info *info,
			  const struct want *w, size_t n)
{
	struct ctf_writer *wr = tw_open(dir, info);
	static struct tpkt k;
	tpkt_init(&k);
	for (size_t i = 0; i < n; i++) {
		struct rm_event_info e = ev_of(w[i].id);
		tw_class(wr, &e);
		struct tpay p = { .n = 0 };
		TPAY(&p, uint32_t, w[i].id);
		TPAY(&p, uint64_t, w[i].ts);
		tpkt_add(&k, w[i].id, w[i].ts, &p);
	}
	struct rm_packet pk = tpkt_packet(&k, 10, 11, 0);
	tw_packet(wr, &pk);
	struct ctf_writer_stats st = tw_close(wr);
	assert_int_equal(st.events, n);
	/* content_size of the one packet, less the header and context */
	size_t slen;
	char *b = slurp(dir, "stream_0", &slen);
	uint64_t content;
	memcpy(&content, b + offsetof(struct ctf_packet_hdr, content_size), 8);
	free(b);
	return (size_t)(content / 8) - CTF_CONTEXT_FIXED_END;
}

/* Ids that do not fit 16 bits (65535 is the extended tag itself) and
 * gaps of 2^32 cycles and more get the extended header; 2^32 - 1 and a
 * wrap of the low 32 bits stay compact. */
static void t_extended_ids_and_gaps(void **state)
{
	(void)state;
	const uint64_t G = 1ull << 32;
	const struct want w[] = {
		{ 1, 1000 },                 /* compact */
		{ 65534, 1000 },             /* compact: the largest compact id */
		{ 65535, 1001 },             /* extended: the tag */
		{ 70000, 1002 },             /* extended */
		{ 2, 1002 + G - 1 },         /* compact: the largest compact gap, wraps */
		{ 3, 1002 + 2 * G - 1 },     /* extended: a gap of exactly 2^32 */
		{ 4, 1002 + 7 * G + 12345 }, /* extended: a gap of several wraps */
		{ 5, 1002 + 7 * G + 12346 }, /* compact */
		{ 1048575, 1002 + 8 * G },   /* extended: both (the largest writer id) */
	};
	size_t n = sizeof(w) / sizeof(w[0]);
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	size_t bytes = write_trace(dir, &info, w, n);
	/* 4 compact, 5 extended, 12 payload bytes each */
	assert_int_equal(bytes, 4 * CTF_HDR_COMPACT + 5 * CTF_HDR_EXTENDED + n * 12);
	check_bt2(dir, w, n);
	check_strict(dir, w, n);
	tdir_free(dir);
}

/* A small threshold (compact_gap): compact and extended alternate, and
 * both readers still agree to the cycle. */
static void t_small_gap_threshold(void **state)
{
	(void)state;
	struct want w[64];
	size_t n = 0, ext = 0;
	uint64_t ts = 5000, prev = 5000;
	for (uint32_t i = 0; i < 64; i++) {
		ts += (i * 37u) % 250u; /* gaps 0..249, some of them >= 100 */
		w[n++] = (struct want){ .id = i % 3, .ts = ts };
		ext += i && ts - prev >= 100;
		prev = ts;
	}
	assert_true(ext > 10 && ext < 54);
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	info.compact_gap = 100;
	size_t bytes = write_trace(dir, &info, w, n);
	assert_int_equal(bytes, (n - ext) * CTF_HDR_COMPACT + ext * CTF_HDR_EXTENDED + n * 12);
	check_bt2(dir, w, n);
	check_strict(dir, w, n);
	tdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_extended_ids_and_gaps),
		cmocka_unit_test(t_small_gap_threshold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
