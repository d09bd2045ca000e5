/* Event class declarations and the packets they admit: idempotence,
 * conflicting declarations refused with one clear line, and records that
 * do not match their declaration refused before anything is written. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctf_test_util.h"

static void expect_refused(int r, const char *err, const char *needle)
{
	fprintf(stderr, "refused: %s\n", err);
	assert_int_not_equal(r, 0);
	assert_null(strchr(err, '\n'));
	assert_non_null(strstr(err, needle));
}

static void test_same_declaration_twice_is_accepted(void **state)
{
	(void)state;
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	struct ctf_writer *w = tw_open(dir, &info);
	struct rm_event_info e = tev(4, "db", "query", 2, "sql", RM_T_STRING, "ms", RM_T_F64);
	tw_class(w, &e);
	tw_class(w, &e);
	/* the same event from a second DSO, under another id */
	e.id = 9;
	tw_class(w, &e);
	tw_close(w);
	tdir_free(dir);
}

static void test_conflicting_declarations_are_refused(void **state)
{
	(void)state;
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	struct ctf_writer *w = tw_open(dir, &info);
	char err[256];
	struct rm_event_info e = tev(4, "db", "query", 2, "sql", RM_T_STRING, "ms", RM_T_F64);
	tw_class(w, &e);

	struct rm_event_info other_layout = tev(5, "db", "query", 2, "sql", RM_T_STRING, "ms",
						RM_T_F32);
	expect_refused(ctf_writer_event_class(w, &other_layout, err, sizeof(err)), err,
		       "db:query (id 5) conflicts with id 4: same name, different fields");

	struct rm_event_info renamed_field = tev(6, "db", "query", 2, "sql", RM_T_STRING,
						 "msec", RM_T_F64);
	expect_refused(ctf_writer_event_class(w, &renamed_field, err, sizeof(err)), err,
		       "conflicts with id 4");

	struct rm_event_info same_id = tev(4, "db", "query", 1, "sql", RM_T_STRING);
	expect_refused(ctf_writer_event_class(w, &same_id, err, sizeof(err)), err,
		       "event id 4 is already declared as db:query with another field layout");

	struct rm_event_info same_id_other_name = tev(4, "db", "commit", 0);
	expect_refused(ctf_writer_event_class(w, &same_id_other_name, err, sizeof(err)), err,
		       "event id 4 is already declared as db:query, not db:commit");

	/* names end up in TSDL text: nothing but C identifiers */
	struct rm_event_info bad = tev(7, "db", "q\"; } evil {", 0);
	expect_refused(ctf_writer_event_class(w, &bad, err, sizeof(err)), err,
		       "not a C identifier");
	/* quotes, braces, newlines, semicolons, a TSDL keyword's punctuation: in
	 * the provider, the name and a field name, each is refused */
	static const char *const hostile[] = { "a\"b", "a{b", "a}b", "a\nb", "a;b", "a b",
						"a:=b", "a/*b", "a\\b", "caf\xc3\xa9", "" };
	for (unsigned i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		bad = tev(7, hostile[i], "ok", 0);
		expect_refused(ctf_writer_event_class(w, &bad, err, sizeof(err)), err,
			       "not a C identifier");
		bad = tev(7, "db", hostile[i], 0);
		expect_refused(ctf_writer_event_class(w, &bad, err, sizeof(err)), err,
			       "not a C identifier");
		bad = tev(7, "db", "ok", 1, hostile[i], RM_T_U8);
		expect_refused(ctf_writer_event_class(w, &bad, err, sizeof(err)), err,
			       "field 0 is invalid");
	}
	bad = tev(7, "db", "ok", 1, "1x", RM_T_U8);
	expect_refused(ctf_writer_event_class(w, &bad, err, sizeof(err)), err, "field 0 is invalid");
	bad = tev(7, "db", "ok", 1, "x", RM_T_COUNT);
	expect_refused(ctf_writer_event_class(w, &bad, err, sizeof(err)), err, "field 0 is invalid");
	bad = tev(7, "db", "ok", 2, "x", RM_T_U8, "x", RM_T_U16);
	expect_refused(ctf_writer_event_class(w, &bad, err, sizeof(err)), err, "appears twice");
	bad = tev(7, "db", "ok", 0);
	bad.valid = false;
	expect_refused(ctf_writer_event_class(w, &bad, err, sizeof(err)), err, "invalid");

	/* the refused ones left no trace in the metadata */
	tw_close(w);
	struct bt2 r;
	bt2_ok(&r, dir);
	bt2_free(&r);
	tdir_free(dir);
}

static void test_bad_records_are_refused_whole(void **state)
{
	(void)state;
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	struct ctf_writer *w = tw_open(dir, &info);
	char err[256];
	struct rm_event_info e = tev(1, "a", "b", 2, "n", RM_T_U32, "s", RM_T_STRING);
	tw_class(w, &e);
	struct tpay good = { .n = 0 }, short_pay = { .n = 0 }, no_nul = { .n = 0 };
	TPAY(&good, uint32_t, 5);
	tpay_str(&good, "ok");
	TPAY(&short_pay, uint16_t, 5);
	TPAY(&no_nul, uint32_t, 5);
	tpay_put(&no_nul, "abc", 3);

	struct tpkt k;
	struct rm_packet p;
	tpkt_init(&k);
	tpkt_add(&k, 1, 10, &good);
	tpkt_add(&k, 2, 11, &good);
	p = tpkt_packet(&k, 1, 2, 0);
	expect_refused(ctf_writer_packet(w, &p, err, sizeof(err)), err,
		       "undeclared event id at byte 24 (record 1)");

	tpkt_init(&k);
	tpkt_add(&k, 1, 10, &short_pay);
	p = tpkt_packet(&k, 1, 2, 0);
	expect_refused(ctf_writer_packet(w, &p, err, sizeof(err)), err,
		       "payload does not match the event's fields");

	tpkt_init(&k);
	tpkt_add(&k, 1, 10, &no_nul);
	p = tpkt_packet(&k, 1, 2, 0);
	expect_refused(ctf_writer_packet(w, &p, err, sizeof(err)), err, "payload does not match");

	tpkt_init(&k);
	tpkt_add(&k, 1, 10, &good);
	tpkt_add(&k, 1, 9, &good);
	p = tpkt_packet(&k, 1, 2, 0);
	expect_refused(ctf_writer_packet(w, &p, err, sizeof(err)), err,
		       "timestamp before the previous record's");

	tpkt_init(&k);
	tpkt_add(&k, 1, 10, &good);
	p = tpkt_packet(&k, 1, 2, 0);
	p.len -= 1; /* cuts the record */
	expect_refused(ctf_writer_packet(w, &p, err, sizeof(err)), err, "record size out of bounds");
	p.len = 8;
	expect_refused(ctf_writer_packet(w, &p, err, sizeof(err)), err, "truncated record header");

	struct ctf_writer_stats st = tw_close(w);
	assert_int_equal(st.packets, 0);
	assert_int_equal(st.streams, 0);
	tdir_free(dir);
}

/* An event of fixed-size fields is checked by its size, and a run of
 * records with the same word once: what follows such a run is still
 * checked in full (a zero word, a wrong size, a time going back). */
static void test_fixed_size_runs_are_checked(void **state)
{
	(void)state;
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	struct ctf_writer *w = tw_open(dir, &info);
	char err[256];
	struct rm_event_info e = tev(3, "a", "fixed", 2, "x", RM_T_U64, "y", RM_T_U32);
	tw_class(w, &e);
	struct tpay good = { .n = 0 }, longer = { .n = 0 };
	TPAY(&good, uint64_t, 1);
	TPAY(&good, uint32_t, 2);
	TPAY(&longer, uint64_t, 1);
	TPAY(&longer, uint64_t, 2);

	struct tpkt k;
	struct rm_packet p;
	tpkt_init(&k);
	for (int i = 0; i < 4; i++)
		tpkt_add(&k, 3, 10 + i, &good);
	p = tpkt_packet(&k, 1, 2, 0);
	p.len = RM_ALIGN8(p.len) + 16; /* a zero word after the run */
	expect_refused(ctf_writer_packet(w, &p, err, sizeof(err)), err,
		       "record size out of bounds at byte 128 (record 4)");

	tpkt_init(&k);
	for (int i = 0; i < 4; i++)
		tpkt_add(&k, 3, 10 + i, &good);
	tpkt_add(&k, 3, 20, &longer);
	p = tpkt_packet(&k, 1, 2, 0);
	expect_refused(ctf_writer_packet(w, &p, err, sizeof(err)), err,
		       "payload does not match the event's fields at byte 128");

	tpkt_init(&k);
	for (int i = 0; i < 4; i++)
		tpkt_add(&k, 3, 10 - i, &good);
	p = tpkt_packet(&k, 1, 2, 0);
	expect_refused(ctf_writer_packet(w, &p, err, sizeof(err)), err,
		       "timestamp before the previous record's at byte 32 (record 1)");

	tpkt_init(&k);
	for (int i = 0; i < 4; i++)
		tpkt_add(&k, 3, 10 + i, &good);
	p = tpkt_packet(&k, 1, 2, 0);
	assert_int_equal(ctf_writer_packet(w, &p, err, sizeof(err)), 0);
	struct ctf_writer_stats st = tw_close(w);
	assert_int_equal(st.packets, 1);
	assert_int_equal(st.events, 4);
	struct bt2 r;
	bt2_ok(&r, dir);
	bt2_free(&r);
	tdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_declaration_twice_is_accepted),
		cmocka_unit_test(test_conflicting_declarations_are_refused),
		cmocka_unit_test(test_bad_records_are_refused_whole),
		cmocka_unit_test(test_fixed_size_runs_are_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
