/* The clock class: monotonic ns or TSC cycles, both shown by babeltrace2
 * as the wall-clock time CLOCK_MONOTONIC + (REALTIME - MONOTONIC) gives,
 * which is how the trace lines up with LTTng traces of the same host. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctf_test_util.h"
#include "ctl/ctf/ctf_clock.h"

#define S 1000000000LL

/* Writes events at the given clock values; returns `babeltrace2
 * --clock-seconds` output (seconds since the Unix epoch). */
static char *seconds_of(const struct ctf_trace_info *info, const uint64_t *ts, int n)
{
	char *dir = tdir_new();
	struct ctf_writer *w = tw_open(dir, info);
	struct rm_event_info e = tev(0, "clk", "at", 0);
	tw_class(w, &e);
	struct tpkt k;
	tpkt_init(&k);
	for (int i = 0; i < n; i++)
		tpkt_add(&k, 0, ts[i], NULL);
	struct rm_packet p = tpkt_packet(&k, 1, 1, 0);
	tw_packet(w, &p);
	tw_close(w);
	struct bt2 r;
	const char *argv[] = { "--clock-seconds", dir, NULL };
	bt2_run(&r, argv);
	if (r.status || r.err[0])
		fprintf(stderr, "%s\n", r.err);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	free(r.err);
	tdir_free(dir);
	return r.out;
}

static void expect_time(const char *out, const char *stamp)
{
	if (!strstr(out, stamp))
		fprintf(stderr, "missing %s in:\n%s", stamp, out);
	assert_non_null(strstr(out, stamp));
}

static void test_monotonic_offset_is_the_realtime_difference(void **state)
{
	(void)state;
	struct ctf_clock_class c;
	char err[128];
	struct ctf_trace_info info = tinfo_mono();
	info.real_minus_mono_ns = 1700000000LL * S + 500000000; /* .5 s */
	assert_int_equal(ctf_clock_class_compute(&info, &c, err, sizeof(err)), 0);
	assert_int_equal(c.freq, S);
	assert_int_equal(c.offset_s, 1700000000);
	assert_int_equal(c.offset, 500000000);

	info.real_minus_mono_ns = -1500000000LL; /* -1.5 s: floor, not truncation */
	assert_int_equal(ctf_clock_class_compute(&info, &c, err, sizeof(err)), 0);
	assert_int_equal(c.offset_s, -2);
	assert_int_equal(c.offset, 500000000);

	info.real_minus_mono_ns = 1700000000LL * S + 500000000;
	uint64_t ts[] = { 1250000000, 3 * S + 7 };
	char *out = seconds_of(&info, ts, 2);
	expect_time(out, "[1700000001.750000000]");
	expect_time(out, "[1700000003.500000007]");
	free(out);
}

static void test_tsc_cycles_map_to_the_same_instant(void **state)
{
	(void)state;
	struct ctf_trace_info info = tinfo_mono();
	info.clock = RM_CLOCK_TSC;
	info.tsc_hz = 2.5e9;
	info.calib = (struct rm_clock_pair){ .tsc = 10000000000ull, .mono_ns = 100 * S };
	info.real_minus_mono_ns = 1700000000LL * S;
	/* calib point, one second later, and cycle 0 (= monotonic 96 s) */
	uint64_t ts[] = { 0, 10000000000ull, 12500000000ull, 12500000000ull + 25 };
	char *out = seconds_of(&info, ts, 4);
	expect_time(out, "[1700000096.000000000]");
	expect_time(out, "[1700000100.000000000]");
	expect_time(out, "[1700000101.000000000]");
	expect_time(out, "[1700000101.000000010]"); /* 25 cycles at 2.5 GHz */
	free(out);
}

static void test_tsc_offset_may_be_negative(void **state)
{
	(void)state;
	struct ctf_clock_class c;
	char err[128];
	struct ctf_trace_info info = tinfo_mono();
	info.clock = RM_CLOCK_TSC;
	info.tsc_hz = 2.5e9;
	/* cycle 10e9 (4 s of cycles) was monotonic 1 s: origin at -3 s */
	info.calib = (struct rm_clock_pair){ .tsc = 10000000000ull, .mono_ns = 1 * S };
	info.real_minus_mono_ns = 0;
	assert_int_equal(ctf_clock_class_compute(&info, &c, err, sizeof(err)), 0);
	assert_int_equal(c.freq, 2500000000ull);
	assert_int_equal(c.offset_s, -3);
	assert_int_equal(c.offset, 0);

	info.calib.mono_ns = 1 * S + 200000000; /* 1.2 s: -2.8 s = -3 s + 0.2 s */
	assert_int_equal(ctf_clock_class_compute(&info, &c, err, sizeof(err)), 0);
	assert_int_equal(c.offset_s, -3);
	assert_int_equal(c.offset, 500000000); /* 0.2 s of cycles */

	uint64_t ts[] = { 10000000000ull, 12500000000ull };
	char *out = seconds_of(&info, ts, 2);
	expect_time(out, "[1.200000000]");
	expect_time(out, "[2.200000000]");
	free(out);
}

static void test_fractional_tsc_frequency_keeps_the_calibration_point(void **state)
{
	(void)state;
	struct ctf_trace_info info = tinfo_mono();
	info.clock = RM_CLOCK_TSC;
	info.tsc_hz = 2893456789.4;
	info.calib = (struct rm_clock_pair){ .tsc = 987654321012345ull, .mono_ns = 123456 * S + 789 };
	info.real_minus_mono_ns = 1700000000LL * S;
	uint64_t ts[] = { 987654321012345ull };
	char *out = seconds_of(&info, ts, 1);
	/* the reader rounds to whole cycles of offset: within a nanosecond */
	assert_true(strstr(out, "[1700123456.000000789]") || strstr(out, "[1700123456.000000788]") ||
		    strstr(out, "[1700123456.000000790]"));
	free(out);

	struct ctf_clock_class c;
	char err[128] = "";
	info.tsc_hz = 0;
	assert_int_not_equal(ctf_clock_class_compute(&info, &c, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "TSC frequency"));
	info.clock = 7;
	assert_int_not_equal(ctf_clock_class_compute(&info, &c, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "unknown clock 7"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monotonic_offset_is_the_realtime_difference),
		cmocka_unit_test(test_tsc_cycles_map_to_the_same_instant),
		cmocka_unit_test(test_tsc_offset_may_be_negative),
		cmocka_unit_test(test_fractional_tsc_frequency_keeps_the_calibration_point),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
