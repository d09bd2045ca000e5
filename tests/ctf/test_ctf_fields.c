/* Every field type, written by the CTF writer and read back by
 * babeltrace2: the printed values must be exactly the ones encoded. */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctf_test_util.h"

/* Writes one packet of `k` with class `e` and returns babeltrace2's output. */
static char *trace_of(const struct rm_event_info *e, const struct tpkt *k, size_t expect_events)
{
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	struct ctf_writer *w = tw_open(dir, &info);
	tw_class(w, e);
	struct rm_packet p = tpkt_packet(k, 100, 101, 0);
	tw_packet(w, &p);
	struct ctf_writer_stats st = tw_close(w);
	assert_int_equal(st.events, expect_events);

	struct bt2 r;
	bt2_ok(&r, dir);
	assert_int_equal(count_events(r.out), expect_events);
	/* the packet context's losses by cause are not printed with every event */
	assert_null(strstr(r.out, "discarded_"));
	free(r.err);
	tdir_free(dir);
	return r.out;
}

static void expect_line(const char *out, const char *needle)
{
	if (!strstr(out, needle))
		fprintf(stderr, "missing: %s\nin:\n%s\n", needle, out);
	assert_non_null(strstr(out, needle));
}

static void test_integers_of_every_width_print_exactly(void **state)
{
	(void)state;
	struct rm_event_info e = tev(0, "app", "ints", 8, "u8", RM_T_U8, "u16", RM_T_U16, "u32",
				     RM_T_U32, "u64", RM_T_U64, "s8", RM_T_S8, "s16", RM_T_S16,
				     "s32", RM_T_S32, "s64", RM_T_S64);
	struct tpkt k;
	tpkt_init(&k);
	struct tpay a = { .n = 0 }, b = { .n = 0 }, c = { .n = 0 };
	TPAY(&a, uint8_t, UINT8_MAX);
	TPAY(&a, uint16_t, UINT16_MAX);
	TPAY(&a, uint32_t, UINT32_MAX);
	TPAY(&a, uint64_t, UINT64_MAX);
	TPAY(&a, int8_t, INT8_MIN);
	TPAY(&a, int16_t, INT16_MIN);
	TPAY(&a, int32_t, INT32_MIN);
	TPAY(&a, int64_t, INT64_MIN);
	tpkt_add(&k, 0, 1000, &a);
	TPAY(&b, uint8_t, 0);
	TPAY(&b, uint16_t, 0);
	TPAY(&b, uint32_t, 0);
	TPAY(&b, uint64_t, 0);
	TPAY(&b, int8_t, -1);
	TPAY(&b, int16_t, -1);
	TPAY(&b, int32_t, -1);
	TPAY(&b, int64_t, -1);
	tpkt_add(&k, 0, 1001, &b);
	TPAY(&c, uint8_t, 42);
	TPAY(&c, uint16_t, 4242);
	TPAY(&c, uint32_t, 424242);
	TPAY(&c, uint64_t, 42424242424242ull);
	TPAY(&c, int8_t, INT8_MAX);
	TPAY(&c, int16_t, INT16_MAX);
	TPAY(&c, int32_t, INT32_MAX);
	TPAY(&c, int64_t, INT64_MAX);
	tpkt_add(&k, 0, 1002, &c);

	char *out = trace_of(&e, &k, 3);
	expect_line(out, "app:ints: { pid = 100, tid = 101, level = 0 }, { u8 = 255, u16 = 65535, "
			 "u32 = 4294967295, u64 = 18446744073709551615, s8 = -128, s16 = -32768, "
			 "s32 = -2147483648, s64 = -9223372036854775808 }\n");
	expect_line(out, "{ u8 = 0, u16 = 0, u32 = 0, u64 = 0, s8 = -1, s16 = -1, s32 = -1, "
			 "s64 = -1 }\n");
	expect_line(out, "{ u8 = 42, u16 = 4242, u32 = 424242, u64 = 42424242424242, s8 = 127, "
			 "s16 = 32767, s32 = 2147483647, s64 = 9223372036854775807 }\n");
	free(out);
}

static void test_floats_doubles_and_bools_print_exactly(void **state)
{
	(void)state;
	struct rm_event_info e = tev(7, "app", "real", 4, "f", RM_T_F32, "d", RM_T_F64, "yes",
				     RM_T_BOOL, "no", RM_T_BOOL);
	struct tpkt k;
	tpkt_init(&k);
	struct tpay a = { .n = 0 }, b = { .n = 0 };
	TPAY(&a, float, 1.5f);
	TPAY(&a, double, -2.25e-300);
	TPAY(&a, uint8_t, 1);
	TPAY(&a, uint8_t, 0);
	tpkt_add(&k, 7, 5000, &a);
	TPAY(&b, float, -0.125f);
	TPAY(&b, double, 6.5e+300);
	TPAY(&b, uint8_t, 0);
	TPAY(&b, uint8_t, 1);
	tpkt_add(&k, 7, 5000, &b); /* same timestamp: allowed */

	char *out = trace_of(&e, &k, 2);
	expect_line(out, "{ f = 1.5, d = -2.25e-300, yes = ( \"true\" : container = 1 ), "
			 "no = ( \"false\" : container = 0 ) }\n");
	expect_line(out, "{ f = -0.125, d = 6.5e+300, yes = ( \"false\" : container = 0 ), "
			 "no = ( \"true\" : container = 1 ) }\n");
	free(out);
}

static void test_strings_and_byte_sequences_print_exactly(void **state)
{
	(void)state;
	/* `_blob_len` is also a user field name: the length field must not clash. */
	struct rm_event_info e = tev(3, "net", "msg", 5, "path", RM_T_STRING, "blob", RM_T_BYTES,
				     "empty", RM_T_STRING, "none", RM_T_BYTES, "_blob_len",
				     RM_T_U16);
	struct tpkt k;
	tpkt_init(&k);
	struct tpay a = { .n = 0 };
	static const unsigned char blob[] = { 0, 1, 0x7f, 0x80, 0xff };
	tpay_str(&a, "/etc/passwd \"quoted\" caf\xc3\xa9");
	tpay_bytes(&a, blob, sizeof(blob));
	tpay_str(&a, "");
	tpay_bytes(&a, NULL, 0);
	TPAY(&a, uint16_t, 7);
	tpkt_add(&k, 3, 77, &a);

	char *out = trace_of(&e, &k, 1);
	expect_line(out, "net:msg: { pid = 100, tid = 101, level = 0 }, { path = \"/etc/passwd "
			 "\\\"quoted\\\" caf\xc3\xa9\", _blob_len_ = 5, blob = [ [0] = 0, [1] = 1, "
			 "[2] = 127, [3] = 128, [4] = 255 ], empty = \"\", _none_len = 0, none = "
			 "[ ], _blob_len = 7 }\n");
	free(out);
}

static void test_sixteen_fields_and_keyword_names(void **state)
{
	(void)state;
	/* TSDL keywords as field names must still parse. */
	struct rm_event_info e = tev(
		1, "big", "sixteen", 16, "string", RM_T_STRING, "event", RM_T_S8, "struct",
		RM_T_U16, "integer", RM_T_S32, "enum", RM_T_BOOL, "align", RM_T_F64, "signed",
		RM_T_S64, "f7", RM_T_BYTES, "f8", RM_T_U8, "f9", RM_T_U32, "f10", RM_T_U64, "f11",
		RM_T_S16, "f12", RM_T_F32, "f13", RM_T_STRING, "f14", RM_T_S8, "f15", RM_T_U8);
	struct tpkt k;
	tpkt_init(&k);
	for (int i = 0; i < 3; i++) {
		struct tpay a = { .n = 0 };
		tpay_str(&a, "s");
		TPAY(&a, int8_t, (int8_t)-i);
		TPAY(&a, uint16_t, (uint16_t)i);
		TPAY(&a, int32_t, -1000 * i);
		TPAY(&a, uint8_t, (uint8_t)(i & 1));
		TPAY(&a, double, 0.5 * i);
		TPAY(&a, int64_t, -(int64_t)i * ((int64_t)1 << 40));
		tpay_bytes(&a, "xy", (uint32_t)(i % 3));
		TPAY(&a, uint8_t, (uint8_t)i);
		TPAY(&a, uint32_t, (uint32_t)i);
		TPAY(&a, uint64_t, (uint64_t)i);
		TPAY(&a, int16_t, (int16_t)-i);
		TPAY(&a, float, 0.25f * (float)i);
		tpay_str(&a, i == 2 ? "two" : "");
		TPAY(&a, int8_t, -128);
		TPAY(&a, uint8_t, 255);
		tpkt_add(&k, 1, 10 + (uint64_t)i, &a);
	}
	char *out = trace_of(&e, &k, 3);
	expect_line(out, "{ string = \"s\", event = -2, struct = 2, integer = -2000, enum = ( "
			 "\"false\" : container = 0 ), align = 1, signed = -2199023255552, _f7_len = "
			 "2, f7 = [ [0] = 120, [1] = 121 ], f8 = 2, f9 = 2, f10 = 2, f11 = -2, f12 = "
			 "0.5, f13 = \"two\", f14 = -128, f15 = 255 }\n");
	expect_line(out, "{ string = \"s\", event = 0, struct = 0, integer = 0, enum = ( "
			 "\"false\" : container = 0 ), align = 0, signed = 0, _f7_len = 0, f7 = [ ], "
			 "f8 = 0, f9 = 0, f10 = 0, f11 = 0, f12 = 0, f13 = \"\", f14 = -128, f15 = "
			 "255 }\n");
	free(out);
}

static void test_event_without_fields(void **state)
{
	(void)state;
	struct rm_event_info e = tev(2, "app", "tick", 0);
	struct tpkt k;
	tpkt_init(&k);
	for (int i = 0; i < 5; i++)
		tpkt_add(&k, 2, 100 + (uint64_t)i, NULL);
	char *out = trace_of(&e, &k, 5);
	assert_int_equal(count_str(out, "app:tick: { pid = 100, tid = 101, level = 0 }, { }\n"), 5);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers_of_every_width_print_exactly),
		cmocka_unit_test(test_floats_doubles_and_bools_print_exactly),
		cmocka_unit_test(test_strings_and_byte_sequences_print_exactly),
		cmocka_unit_test(test_sixteen_fields_and_keyword_names),
		cmocka_unit_test(test_event_without_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
