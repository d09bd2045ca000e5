/* The strict CTF reader of `remora view` (ctl/ctf/ctf_reader.h), its
 * metadata side, on traces the real writer made: every event and field
 * type read back; metadata outside the subset refused with a message
 * naming what is wrong; every prefix of a metadata file refused or
 * parsed, never a crash or a read past its end (the memcheck run checks
 * that). Apart from test_view_reader_stream.c because the metadata parse
 * is checked on its own, before any stream is read. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_meta_basic),     cmocka_unit_test(t_meta_bytes),
		cmocka_unit_test(t_meta_refused),   cmocka_unit_test(t_meta_prefixes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
