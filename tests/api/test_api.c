/* The public API header against a fake stub: descriptors, registration,
 * the bit-exact payload of every field type, remora_printf, and that a
 * disabled event evaluates none of its arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "events.h"
#include "fake_stub.h"

static const volatile uint8_t on = 1, off = 0;

#define CHAR_T ((char)-1 < 0 ? REMORA_T_S8 : REMORA_T_U8)

static int setup(void **state)
{
	(void)state;
	fake_reset();
	fake_attach_all(&on);
	return 0;
}

/* The last record is exactly these bytes, reserved once and committed. */
#define assert_payload(...)                                                                 \
	do {                                                                                \
		static const unsigned char want_[] = { __VA_ARGS__ };                       \
		assert_int_equal(fake.reserves, 1);                                         \
		assert_int_equal(fake_commits(), 1);                                          \
		assert_int_equal(fake.last_size, sizeof(want_));                            \
		assert_memory_equal(fake.buf, want_, sizeof(want_));                        \
		assert_int_equal(fake.buf[sizeof(want_)], 0xee);                            \
	} while (0)

static void assert_field(const struct remora_event *ev, unsigned i, const char *name, uint8_t type)
{
	assert_true(i < ev->nfields);
	if (name)
		assert_string_equal(ev->fields[i].name, name);
	else
		assert_null(ev->fields[i].name);
	assert_int_equal(ev->fields[i].type, type);
}

static void test_descriptor_fields(void **state)
{
	(void)state;
	struct remora_event *ev = &remora__ev_myapp__request;
	assert_int_equal(ev->struct_size, sizeof(struct remora_event));
	assert_int_equal(ev->version, REMORA_ABI_VERSION);
	assert_int_equal(ev->nfields, 3);
	assert_string_equal(ev->provider, "myapp");
	assert_string_equal(ev->name, "request");
	assert_field(ev, 0, "id", REMORA_T_U64);
	assert_field(ev, 1, "len", REMORA_T_U32);
	assert_field(ev, 2, "path", REMORA_T_STRING);
	assert_null(ev->format);
	assert_null(ev->stub_private);
	assert_int_equal(remora__ev_t__empty.nfields, 0);
	assert_int_equal(remora__ev_t__sixteen.nfields, 16);
	assert_field(&remora__ev_t__sixteen, 15, "f16", REMORA_T_S64);
	assert_field(&remora__ev_t__blobs, 0, "a", REMORA_T_BYTES);
	assert_field(&remora__ev_t__strings, 1, "b", REMORA_T_STRING);
	assert_field(&remora__ev_t__addr, 0, "p", sizeof(void *) == 8 ? REMORA_T_U64 : REMORA_T_U32);
}

static void test_ctypes_map_to_sized_types(void **state)
{
	(void)state;
	static const uint8_t want[] = { CHAR_T, REMORA_T_S8, REMORA_T_U8, REMORA_T_S16, REMORA_T_U16,
					REMORA_T_S32, REMORA_T_U32, REMORA_T_S64, REMORA_T_U64,
					REMORA_T_S64, REMORA_T_U64, REMORA_T_U64, REMORA_T_S64,
					REMORA_T_BOOL };
	if (sizeof(long) != 8)
		skip();
	struct remora_event *ev = &remora__ev_t__ctypes;
	assert_int_equal(ev->nfields, sizeof(want));
	for (unsigned i = 0; i < sizeof(want); i++)
		assert_int_equal(ev->fields[i].type, want[i]);
	remora_trace(t, ctypes, 'A', -1, 200, -2, 65535, -3, 7u, -6L, 9UL, -7LL, 10ULL, (size_t)11,
		     (ssize_t)-12, true);
	assert_payload(0x41, 0xff, 0xc8, 0xfe, 0xff, 0xff, 0xff, 0xfd, 0xff, 0xff, 0xff, 7, 0, 0, 0,
		       0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 9, 0, 0, 0, 0, 0, 0, 0,
		       0xf9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 10, 0, 0, 0, 0, 0, 0, 0,
		       11, 0, 0, 0, 0, 0, 0, 0, 0xf4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1);
}

static void test_fixed_width_integers_bit_exact(void **state)
{
	(void)state;
	remora_trace(t, ints, 0xab, 0x1234, 0x89abcdefu, 0x0123456789abcdefull, -2, -3, -4, -5);
	assert_payload(0xab, 0x34, 0x12, 0xef, 0xcd, 0xab, 0x89,
		       0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
		       0xfe, 0xfd, 0xff, 0xfc, 0xff, 0xff, 0xff,
		       0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
}

static void test_integer_extremes(void **state)
{
	(void)state;
	remora_trace(t, ints, UINT8_MAX, UINT16_MAX, UINT32_MAX, UINT64_MAX, INT8_MIN, INT16_MIN,
		     INT32_MIN, INT64_MIN);
	assert_payload(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		       0x80, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80);
}

static void test_float_and_double(void **state)
{
	(void)state;
	remora_trace(t, reals, 1.5f, -2.25);
	assert_payload(0x00, 0x00, 0xc0, 0x3f, 0, 0, 0, 0, 0, 0, 0x02, 0xc0);
	fake_reset();
	fake_attach_all(&on);
	remora_trace(t, reals, 3, 1); /* integers convert */
	assert_payload(0x00, 0x00, 0x40, 0x40, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f);
}

static void test_bool_is_one_byte_zero_or_one(void **state)
{
	(void)state;
	remora_trace(t, flags, true, false);
	assert_payload(1, 0);
	fake_reset();
	fake_attach_all(&on);
	int five = 5;
	remora_trace(t, flags, five, 0);
	assert_payload(1, 0);
}

static void test_strings_with_nul_and_null_as_empty(void **state)
{
	(void)state;
	char buf[] = "xyz";
	remora_trace(t, strings, "abc", buf);
	assert_payload('a', 'b', 'c', 0, 'x', 'y', 'z', 0);
	fake_reset();
	fake_attach_all(&on);
	const char *none = NULL;
	remora_trace(t, strings, "", none);
	assert_payload(0, 0);
	fake_reset();
	fake_attach_all(&on);
	remora_trace(t, strings, NULL, NULL);
	assert_payload(0, 0);
}

static void test_bytes_length_then_data(void **state)
{
	(void)state;
	remora_trace(t, blobs, remora_bytes_of("\x01\x02\x03", 3), 0x7f, remora_bytes_of(NULL, 0));
	assert_payload(3, 0, 0, 0, 1, 2, 3, 0x7f, 0, 0, 0, 0);
	fake_reset();
	fake_attach_all(&on);
	unsigned char big[300];
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)i;
	remora_trace(t, blobs, remora_bytes_of(big, sizeof(big)), 1, remora_bytes_of("", 0));
	assert_int_equal(fake.last_size, 4 + 300 + 1 + 4);
	assert_memory_equal(fake.buf, ((unsigned char[]){ 0x2c, 0x01, 0, 0 }), 4);
	assert_memory_equal(fake.buf + 4, big, sizeof(big));
	assert_memory_equal(fake.buf + 304, ((unsigned char[]){ 1, 0, 0, 0, 0 }), 5);
}

/* A record over REMORA_RECORD_MAX: its strings and byte sequences are cut,
 * in field order, to fit exactly, each ending with the marker, counted. */
static void test_large_record_truncated_with_marker(void **state)
{
	(void)state;
	static char s[1000001];
	memset(s, 'x', sizeof(s) - 1);
	s[100000] = 0;
	remora_trace(t, strings, s, "tail");
	static const char m1[] = "...[truncated from 100000 bytes]";
	size_t keep = REMORA_PAYLOAD_MAX - 5 - 1 - (sizeof(m1) - 1);
	assert_int_equal(fake.last_size, REMORA_PAYLOAD_MAX);
	assert_int_equal(fake_commits(), 1);
	assert_int_equal(fake.truncated, 1);
	assert_int_equal(strlen((const char *)fake.buf), keep + sizeof(m1) - 1);
	assert_memory_equal(fake.buf + keep, m1, sizeof(m1));
	assert_string_equal((const char *)fake.buf + keep + sizeof(m1), "tail");

	/* the first sequence keeps only its marker, the second the rest */
	fake_reset();
	fake_attach_all(&on);
	s[100000] = 'x';
	remora_trace(t, blobs, remora_bytes_of(s, 1000000), 7, remora_bytes_of(s, 1000000));
	static const char m2[] = "...[truncated from 1000000 bytes]";
	uint32_t n1, n2, ml = sizeof(m2) - 1;
	assert_int_equal(fake.last_size, REMORA_PAYLOAD_MAX);
	assert_int_equal(fake.truncated, 1);
	memcpy(&n1, fake.buf, 4);
	assert_int_equal(n1, ml);
	assert_memory_equal(fake.buf + 4, m2, ml);
	assert_int_equal(fake.buf[4 + ml], 7);
	memcpy(&n2, fake.buf + 5 + ml, 4);
	assert_int_equal(n2, REMORA_PAYLOAD_MAX - (4 + ml) - 1 - 4);
	assert_memory_equal(fake.buf + 9 + ml + n2 - ml, m2, ml);
	assert_int_equal(fake.buf[9 + ml], 'x');

	/* at the limit: whole, not counted */
	fake_reset();
	fake_attach_all(&on);
	s[REMORA_PAYLOAD_MAX - 5 - 1] = 0;
	remora_trace(t, strings, s, "tail");
	assert_int_equal(fake.last_size, REMORA_PAYLOAD_MAX);
	assert_int_equal(fake.truncated, 0);
	assert_int_equal(strlen((const char *)fake.buf), REMORA_PAYLOAD_MAX - 6);
}

static void test_address_field(void **state)
{
	(void)state;
	int x = 0;
	uintptr_t want = (uintptr_t)&x;
	remora_trace(t, addr, &x);
	assert_int_equal(fake.last_size, sizeof(void *));
	assert_memory_equal(fake.buf, &want, sizeof(void *));
}

static void test_sixteen_fields(void **state)
{
	(void)state;
	char z[] = "z";
	remora_trace(t, sixteen, 1, -2, 3, -4, true, 0.5f, -1.0, "hi", remora_bytes_of("\xaa", 1),
		     -10, 0xbeef, -12, 13, z, 15, -16L);
	assert_payload(0x01, 0xfe, 0xff, 0x03, 0, 0, 0, 0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		       0xff, 0x01, 0, 0, 0, 0x3f, 0, 0, 0, 0, 0, 0, 0xf0, 0xbf, 'h', 'i', 0,
		       1, 0, 0, 0, 0xaa, 0xf6, 0xef, 0xbe, 0xf4, 0xff, 0xff, 0xff,
		       13, 0, 0, 0, 0, 0, 0, 0, 'z', 0, 15, 0, 0, 0, 0, 0, 0, 0,
		       0xf0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
}

static void test_zero_field_event(void **state)
{
	(void)state;
	remora_trace(t, empty);
	assert_int_equal(fake.reserves, 1);
	assert_int_equal(fake_commits(), 1);
	assert_int_equal(fake.last_size, 0);
	assert_ptr_equal(fake.last_event, &remora__ev_t__empty);
}

static void test_printf_fields_typed_from_arguments(void **state)
{
	(void)state;
	uint64_t id = 42;
	const char *path = "/a";
	int n = -1;
	double x = 0.25;
	remora_printf(myapp, note, "id=%lu path=%s n=%d x=%f", id, path, n, x);
	assert_payload(42, 0, 0, 0, 0, 0, 0, 0, '/', 'a', 0, 0xff, 0xff, 0xff, 0xff,
		       0, 0, 0, 0, 0, 0, 0xd0, 0x3f);
	struct remora_event *ev = fake.last_event;
	assert_ptr_equal(ev, fake_find("myapp", "note", 0));
	assert_string_equal(ev->format, "id=%lu path=%s n=%d x=%f");
	assert_int_equal(ev->struct_size, sizeof(struct remora_event));
	assert_int_equal(ev->version, REMORA_ABI_VERSION);
	assert_int_equal(ev->nfields, 4);
	assert_field(ev, 0, NULL, REMORA_T_U64);
	assert_field(ev, 1, NULL, REMORA_T_STRING);
	assert_field(ev, 2, NULL, REMORA_T_S32);
	assert_field(ev, 3, NULL, REMORA_T_F64);
}

static void test_printf_literals_arrays_and_no_arguments(void **state)
{
	(void)state;
	char word[] = "hey";
	remora_printf(t, lit, "s=%s w=%s c=%c u=%hhu", "lit", word, 'x', (unsigned char)7);
	assert_payload('l', 'i', 't', 0, 'h', 'e', 'y', 0, 'x', 0, 0, 0, 7);
	struct remora_event *ev = fake.last_event;
	assert_field(ev, 0, NULL, REMORA_T_STRING);
	assert_field(ev, 1, NULL, REMORA_T_STRING);
	assert_field(ev, 2, NULL, REMORA_T_S32);
	assert_field(ev, 3, NULL, REMORA_T_U8);
	fake_reset();
	fake_attach_all(&on);
	remora_printf(t, mark, "just a mark");
	assert_int_equal(fake.last_size, 0);
	assert_int_equal(fake.last_event->nfields, 0);
	assert_int_equal(fake_commits(), 1);
}

static int evaluations;
static int count(int v)
{
	evaluations++;
	return v;
}
static const char *count_str(const char *s)
{
	evaluations++;
	return s;
}

static void test_disabled_event_evaluates_no_argument(void **state)
{
	(void)state;
	fake_attach_all(&off);
	evaluations = 0;
	remora_trace(myapp, request, (uint64_t)count(1), (uint32_t)count(2), count_str("p"));
	remora_trace(t, blobs, remora_bytes_of(count_str("ab"), 2), count(3), remora_bytes_of(NULL, 0));
	remora_printf(myapp, counted, "a=%d b=%s", count(1), count_str("x"));
	assert_int_equal(evaluations, 0);
	assert_int_equal(fake.reserves, 0);

	/* enabled: each argument exactly once */
	fake_attach_all(&on);
	remora_trace(myapp, request, (uint64_t)count(1), (uint32_t)count(2), count_str("p"));
	assert_int_equal(evaluations, 3);
	remora_printf(myapp, counted, "a=%d b=%s", count(1), count_str("x"));
	assert_int_equal(evaluations, 5);
	assert_int_equal(fake.reserves, 2);
}

static void test_remora_enabled_follows_the_byte(void **state)
{
	(void)state;
	static volatile uint8_t byte;
	fake_attach_all(&byte);
	byte = 0;
	assert_false(remora_enabled(myapp, request));
	byte = 1;
	assert_true(remora_enabled(myapp, request));
	fake_reset();
	assert_false(remora_enabled(myapp, request));
}

static void test_dropped_record_is_not_committed(void **state)
{
	(void)state;
	fake.drop = true;
	remora_trace(myapp, request, 1, 2, "x");
	assert_int_equal(fake.reserves, 1);
	assert_int_equal(fake_commits(), 0);
}

/* Both translation units that include events.h hold their own descriptor
 * of myapp:request, in the same section, registered by each TU's
 * constructor under the same `begin`. */
static void test_same_declaration_in_two_translation_units(void **state)
{
	(void)state;
	assert_int_equal(fake.nsections, 1);
	assert_true(fake.sections[0].registrations >= 2);
	struct remora_event *a = fake_find("myapp", "request", 0);
	struct remora_event *b = fake_find("myapp", "request", 1);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(fake_find("myapp", "request", 2));
	assert_ptr_not_equal(a, b);
	struct remora_event *here = &remora__ev_myapp__request, *there = second_tu_request_event();
	assert_true((a == here && b == there) || (a == there && b == here));
	assert_int_equal(a->nfields, b->nfields);
	for (unsigned i = 0; i < a->nfields; i++) {
		assert_string_equal(a->fields[i].name, b->fields[i].name);
		assert_int_equal(a->fields[i].type, b->fields[i].type);
	}

	second_tu_trace(5, 6, "q");
	assert_ptr_equal(fake.last_event, there);
	assert_payload(5, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 'q', 0);
}

static void test_section_lists_every_event_aligned(void **state)
{
	(void)state;
	struct fake_section *s = &fake.sections[0];
	assert_int_equal((uintptr_t)s->begin % sizeof(void *), 0);
	static const char *const names[] = { "empty", "ints", "ctypes", "reals", "flags",
					     "strings", "blobs", "addr", "sixteen" };
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_non_null(fake_find("t", names[i], 1)); /* one per TU */
	for (struct remora_event *const *e = s->begin; e < s->end; e++) {
		assert_non_null(*e);
		assert_int_equal((*e)->struct_size, sizeof(struct remora_event));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_descriptor_fields, setup),
		cmocka_unit_test_setup(test_ctypes_map_to_sized_types, setup),
		cmocka_unit_test_setup(test_fixed_width_integers_bit_exact, setup),
		cmocka_unit_test_setup(test_integer_extremes, setup),
		cmocka_unit_test_setup(test_float_and_double, setup),
		cmocka_unit_test_setup(test_bool_is_one_byte_zero_or_one, setup),
		cmocka_unit_test_setup(test_strings_with_nul_and_null_as_empty, setup),
		cmocka_unit_test_setup(test_bytes_length_then_data, setup),
		cmocka_unit_test_setup(test_large_record_truncated_with_marker, setup),
		cmocka_unit_test_setup(test_address_field, setup),
		cmocka_unit_test_setup(test_sixteen_fields, setup),
		cmocka_unit_test_setup(test_zero_field_event, setup),
		cmocka_unit_test_setup(test_printf_fields_typed_from_arguments, setup),
		cmocka_unit_test_setup(test_printf_literals_arrays_and_no_arguments, setup),
		cmocka_unit_test_setup(test_disabled_event_evaluates_no_argument, setup),
		cmocka_unit_test_setup(test_remora_enabled_follows_the_byte, setup),
		cmocka_unit_test_setup(test_dropped_record_is_not_committed, setup),
		cmocka_unit_test_setup(test_same_declaration_in_two_translation_units, setup),
		cmocka_unit_test_setup(test_section_lists_every_event_aligned, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
