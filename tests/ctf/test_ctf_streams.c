/* Packets to stream files: overlapping threads, packets in any order,
 * thousands of short-lived threads, and lost records that babeltrace2
 * must report as discarded events. */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctf_test_util.h"

#define EV_ID 5

static struct rm_event_info ev(void)
{
	return tev(EV_ID, "thr", "work", 2, "tid", RM_T_U32, "n", RM_T_U64);
}

/* A packet of thread `tid` with `n` events from ts, step apart. */
static void fill(struct tpkt *k, uint32_t tid, uint64_t ts, uint64_t step, int n)
{
	tpkt_init(k);
	for (int i = 0; i < n; i++) {
		struct tpay a = { .n = 0 };
		TPAY(&a, uint32_t, tid);
		TPAY(&a, uint64_t, ts + (uint64_t)i * step);
		tpkt_add(k, EV_ID, ts + (uint64_t)i * step, &a);
	}
}

/* Every event line (printed with --clock-cycles) must be in time order
 * and carry, in its packet context, the tid its payload names. */
static size_t check_order_and_owners(const char *out)
{
	uint64_t prev = 0;
	size_t n = 0;
	for (const char *line = out; *line; n++) {
		/* sscanf() measures its whole input string: give it one line */
		char buf[512];
		const char *nl = strchr(line, '\n');
		assert_non_null(nl);
		assert_true((size_t)(nl - line) < sizeof(buf));
		memcpy(buf, line, (size_t)(nl - line));
		buf[nl - line] = 0;
		line = nl + 1;

		uint64_t ts, n_field;
		unsigned ctx_tid, tid;
		const char *ctx = strstr(buf, "tid = ");
		assert_int_equal(sscanf(buf, "[%" SCNu64 "]", &ts), 1);
		assert_non_null(ctx);
		assert_int_equal(sscanf(ctx, "tid = %u, level = 0 }, { tid = %u, n = %" SCNu64 " }",
					&ctx_tid, &tid, &n_field),
				 3);
		assert_int_equal(ctx_tid, tid);
		assert_int_equal(n_field, ts);
		assert_true(ts >= prev);
		prev = ts;
	}
	return n;
}

static char *run_cycles(const char *dir)
{
	struct bt2 r;
	const char *argv[] = { "--clock-cycles", dir, NULL };
	bt2_run(&r, argv);
	if (r.status || r.err[0])
		fprintf(stderr, "babeltrace2: %d\n%s\n", r.status, r.err);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	free(r.err);
	return r.out;
}

static void test_overlapping_threads_get_separate_lanes(void **state)
{
	(void)state;
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	struct ctf_writer *w = tw_open(dir, &info);
	struct rm_event_info e = ev();
	tw_class(w, &e);
	/* tid, first ts, in delivery order; each packet spans 90 ns; lanes by
	 * best fit (the lane that ended last, not after the packet begins):
	 * 1:[0,90]->L0  2:[50,140]->L1  3:[120,210]->L0  1:[200,290]->L1
	 * 2:[250,340]->L0  4:[100,190]->L2 (late: older than every lane)
	 * 5:[350,440]->L0 (all fit; L0 ended last)  6:[295,385]->L1
	 * 7:[200,290]->L2: it fits only because 5 did not take L2 (worst fit
	 * would have, and 7 would need a fourth lane) */
	static const struct { uint32_t tid; uint64_t ts; } order[] = {
		{ 1, 0 }, { 2, 50 }, { 3, 120 }, { 1, 200 }, { 2, 250 }, { 4, 100 },
		{ 5, 350 }, { 6, 295 }, { 7, 200 },
	};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct tpkt k;
		fill(&k, order[i].tid, order[i].ts, 10, 10);
		struct rm_packet p = tpkt_packet(&k, 42, order[i].tid, 0);
		tw_packet(w, &p);
	}
	struct ctf_writer_stats st = tw_close(w);
	assert_int_equal(st.streams, 3);
	assert_int_equal(st.packets, 9);
	assert_int_equal(st.events, 90);

	char *out = run_cycles(dir);
	assert_int_equal(check_order_and_owners(out), 90);
	free(out);
	tdir_free(dir);
}

static void test_packets_in_any_order_stay_readable(void **state)
{
	(void)state;
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	struct ctf_writer *w = tw_open(dir, &info);
	struct rm_event_info e = ev();
	tw_class(w, &e);
	/* 8 threads x 20 packets with overlapping ranges, delivered thread by
	 * thread (the reader drains slot by slot), threads in a shuffled order. */
	uint32_t tids[8] = { 5, 2, 7, 0, 3, 6, 1, 4 };
	for (int t = 0; t < 8; t++)
		for (int s = 0; s < 20; s++) {
			struct tpkt k;
			fill(&k, 900 + tids[t], 1000 + (uint64_t)s * 100 + tids[t] * 7, 9, 10);
			struct rm_packet p = tpkt_packet(&k, 42, 900 + tids[t], 0);
			tw_packet(w, &p);
		}
	struct ctf_writer_stats st = tw_close(w);
	assert_int_equal(st.events, 8 * 20 * 10);
	assert_true(st.streams >= 2 && st.streams <= 8);

	char *out = run_cycles(dir);
	assert_int_equal(check_order_and_owners(out), 8 * 20 * 10);
	free(out);
	tdir_free(dir);
}

static void test_ten_thousand_sequential_threads_share_a_lane(void **state)
{
	(void)state;
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	struct ctf_writer *w = tw_open(dir, &info);
	struct rm_event_info e = ev();
	tw_class(w, &e);
	for (uint32_t i = 0; i < 10000; i++) {
		struct tpkt k;
		fill(&k, 10000 + i, 1000000 + (uint64_t)i * 100, 20, 3);
		struct rm_packet p = tpkt_packet(&k, 42, 10000 + i, 0);
		tw_packet(w, &p);
	}
	struct ctf_writer_stats st = tw_close(w);
	assert_int_equal(st.streams, 1);
	assert_int_equal(st.packets, 10000);
	assert_int_equal(st.events, 30000);

	char *out = run_cycles(dir);
	assert_int_equal(check_order_and_owners(out), 30000);
	free(out);
	tdir_free(dir);
}

/* The reader drains slot by slot: sequential threads that used 64 slots
 * arrive in slot order inside each drain, not in time order. */
static void test_ten_thousand_threads_drained_by_slot_need_few_lanes(void **state)
{
	(void)state;
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	struct ctf_writer *w = tw_open(dir, &info);
	struct rm_event_info e = ev();
	tw_class(w, &e);
	unsigned seed = 12345;
	for (uint32_t batch = 0; batch < 10000 / 64 + 1; batch++) {
		uint32_t perm[64];
		for (uint32_t i = 0; i < 64; i++)
			perm[i] = i;
		for (uint32_t i = 63; i > 0; i--) {
			seed = seed * 1103515245u + 12345u;
			uint32_t j = (seed >> 16) % (i + 1), tmp = perm[i];
			perm[i] = perm[j];
			perm[j] = tmp;
		}
		for (uint32_t i = 0; i < 64; i++) {
			uint32_t n = batch * 64 + perm[i];
			if (n >= 10000)
				continue;
			struct tpkt k;
			fill(&k, 10000 + n, 1000000 + (uint64_t)n * 100, 20, 3);
			struct rm_packet p = tpkt_packet(&k, 42, 10000 + n, 0);
			tw_packet(w, &p);
		}
	}
	struct ctf_writer_stats st = tw_close(w);
	fprintf(stderr, "lanes for 10000 threads in 64-slot drains: %u\n", st.streams);
	assert_true(st.streams <= 64);
	assert_int_equal(st.events, 30000);

	char *out = run_cycles(dir);
	assert_int_equal(check_order_and_owners(out), 30000);
	free(out);
	tdir_free(dir);
}

static void test_lost_records_are_reported_as_discarded_events(void **state)
{
	(void)state;
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	struct ctf_writer *w = tw_open(dir, &info);
	struct rm_event_info e = ev();
	tw_class(w, &e);
	struct tpkt k;
	struct rm_packet p;

	fill(&k, 1, 1000, 1000, 2); /* 1000, 2000 */
	p = tpkt_packet(&k, 42, 1, 0);
	tw_packet(w, &p);
	p = (struct rm_packet){ .pid = 42, .tid = 1, .lost = 5 }; /* only a loss report */
	tw_packet(w, &p);
	fill(&k, 1, 3000, 1000, 2); /* 3000, 4000 */
	p = tpkt_packet(&k, 42, 1, 7);
	tw_packet(w, &p);
	p = (struct rm_packet){ .pid = 42, .tid = 1 }; /* nothing at all: no packet */
	tw_packet(w, &p);
	struct ctf_writer_stats st = tw_close(w);
	assert_int_equal(st.discarded, 12);
	assert_int_equal(st.packets, 3);
	assert_int_equal(st.events, 4);
	assert_int_equal(st.streams, 1);

	struct bt2 r;
	const char *argv[] = { dir, NULL };
	bt2_run(&r, argv);
	assert_int_equal(r.status, 0);
	assert_int_equal(count_events(r.out), 4);
	/* babeltrace2 2.0's pretty sink prints one warning per
	 * events_discarded increase, on stderr, between the end times of the
	 * two packets around the loss. */
	fprintf(stderr, "babeltrace2 said:\n%s", r.err);
	assert_int_equal(count_str(r.err, "\n"), 2);
	assert_non_null(strstr(r.err,
			       "WARNING: Tracer discarded 5 events between [22:13:20.000002000] and "
			       "[22:13:20.000002000] in trace \"testhost\""));
	assert_non_null(strstr(r.err,
			       "WARNING: Tracer discarded 7 events between [22:13:20.000002000] and "
			       "[22:13:20.000004000] in trace \"testhost\""));
	bt2_free(&r);
	tdir_free(dir);
}

static void test_loss_before_any_packet_is_reported(void **state)
{
	(void)state;
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	struct ctf_writer *w = tw_open(dir, &info);
	struct rm_event_info e = ev();
	tw_class(w, &e);
	struct rm_packet p = { .pid = 42, .tid = 9, .lost = 3, .ts_begin = 500 };
	tw_packet(w, &p);
	struct tpkt k;
	fill(&k, 9, 1000, 1, 1);
	p = tpkt_packet(&k, 42, 9, 0);
	tw_packet(w, &p);
	struct ctf_writer_stats st = tw_close(w);
	assert_int_equal(st.discarded, 3);
	assert_int_equal(st.streams, 1);

	struct bt2 r;
	const char *argv[] = { dir, NULL };
	bt2_run(&r, argv);
	fprintf(stderr, "babeltrace2 said:\n%s", r.err);
	assert_int_equal(r.status, 0);
	assert_int_equal(count_events(r.out), 1);
	/* exact, thanks to the empty packet that opens the lane */
	assert_int_equal(count_str(r.err, "WARNING: Tracer discarded 3 events between "
					  "[22:13:20.000000500] and [22:13:20.000000500]"),
			 1);
	assert_int_equal(count_str(r.err, "\n"), 1);
	bt2_free(&r);
	tdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlapping_threads_get_separate_lanes),
		cmocka_unit_test(test_packets_in_any_order_stay_readable),
		cmocka_unit_test(test_ten_thousand_sequential_threads_share_a_lane),
		cmocka_unit_test(test_ten_thousand_threads_drained_by_slot_need_few_lanes),
		cmocka_unit_test(test_lost_records_are_reported_as_discarded_events),
		cmocka_unit_test(test_loss_before_any_packet_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
