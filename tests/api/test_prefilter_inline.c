/* The prefilter inline in remora_trace() (remora.h, REMORA__PREFILTER),
 * against the fake stub, whose remora_filter_pass counts its calls and
 * keeps everything: a call the macro drops inline never reaches it.
 *  - it drops exactly what the stub's own check (rm_filter_pre_drops)
 *    drops, on compiled expressions over every integer kind of field
 *    (u64, s32, u8, an address) and random values near their constants;
 *  - a program rewritten in place, a byte that moves to another slot and
 *    back to a rewritten one: the next call uses what the arena holds now
 *    (nothing of an older program is kept anywhere);
 *  - hostile words (random field, type, offset, on byte, pool) and every
 *    enable byte: no read outside the 63 programs (memcheck: the table
 *    is one exact-size allocation) and the same answer as the stub's
 *    check; a field of another type than the word names, a string, a
 *    double, a field past the last: the stub decides;
 *  - stub_private NULL (a stub that does not give it) or an unfiltered
 *    byte: the macro never reads a program. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/filter/filter.h"
#include "fake_stub.h"
#include "shm/filter_eval.h"

REMORA_EVENT(pi, ev, (uint64_t, id), (int32_t, s), (const char *, path), (uint8_t, b),
	     (void *, ptr), (double, d));

#define NF 6
static const char *const names[NF] = { "id", "s", "path", "b", "ptr", "d" };

static struct remora_event *ev;
static struct rm_filter_prog *table; /* RM_FILTER_SLOTS programs, one allocation */
static volatile uint8_t byte;

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	ev = fake_find("pi", "ev", 0);
	assert_non_null(ev);
	table = calloc(RM_FILTER_SLOTS, sizeof(*table));
	assert_non_null(table);
	ev->enabled = &byte;
	ev->stub_private = (const void *)((uintptr_t)table - sizeof(*table));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_reset();
	ev->stub_private = NULL;
	free(table);
	return 0;
}

static uint8_t types_of(uint32_t i)
{
	return ev->fields[i].type;
}

static void compile(const char *text, struct rm_filter_prog *p)
{
	char err[256];
	struct rm_event_info e = { .valid = true, .nfields = NF, .provider = "pi", .name = "ev" };
	for (uint32_t i = 0; i < NF; i++) {
		snprintf(e.fields[i].name, RM_NAME_MAX, "%s", names[i]);
		e.fields[i].type = types_of(i);
	}
	struct rm_filter_expr *x = rm_filter_parse(text, err, sizeof(err));
	if (!x)
		fail_msg("%s: %s", text, err);
	if (rm_filter_compile(x, &e, p, err, sizeof(err)) < 0)
		fail_msg("%s: %s", text, err);
	rm_filter_expr_free(x);
}

/* One call; true when the stub was asked (not dropped inline). */
static bool asked(uint64_t id, int32_t s, uint8_t b, void *ptr)
{
	unsigned before = fake.filter_calls, res = fake.reserves;
	remora_trace(pi, ev, id, s, "/a/x", b, ptr, 0.5);
	bool a = fake.filter_calls != before;
	/* a filtered record is reserved iff the stub was asked (it keeps
	 * all); an unfiltered one always is */
	assert_int_equal(fake.reserves - res, a || byte < REMORA_ENABLE_FILTERED ? 1 : 0);
	return a;
}

/* The stub's own check on the same values, as remora_filter_pass sees them. */
static bool stub_drops(const struct rm_filter_prog *p, uint64_t id, int32_t s, uint8_t b, void *ptr)
{
	const char *path = "/a/x";
	double d = 0.5;
	const void *vals[NF] = { &id, &s, &path, &b, &ptr, &d };
	return rm_filter_pre_drops(p, NF, &ev->fields[0].type, sizeof(ev->fields[0]), vals);
}

static void set_slot(uint32_t slot, const char *text)
{
	compile(text, &table[slot - 1]);
	byte = (uint8_t)(slot << RM_ENABLE_FILTER_SHIFT | 1);
}

static void test_ranges(void **state)
{
	(void)state;
	set_slot(1, "id >= 100 && id < 200 && path == \"/a/*\"");
	assert_int_not_equal(table[0].pre, 0);
	assert_false(asked(99, 0, 0, NULL));
	assert_true(asked(100, 0, 0, NULL));
	assert_true(asked(199, 0, 0, NULL));
	assert_false(asked(200, 0, 0, NULL));
	assert_false(asked(UINT64_MAX, 0, 0, NULL));
	/* rewritten in place: the same word (field, type, offset), new bounds */
	uint64_t pre = table[0].pre;
	compile("id >= 500 && id < 600 && path == \"/a/*\"", &table[0]);
	assert_int_equal(table[0].pre, pre);
	assert_false(asked(150, 0, 0, NULL));
	assert_true(asked(550, 0, 0, NULL));
	/* another slot, a signed field; then back to slot 1, rewritten again */
	set_slot(2, "s >= -5 && s <= 5");
	assert_false(asked(550, -6, 0, NULL));
	assert_true(asked(550, -5, 0, NULL));
	assert_true(asked(0, 5, 0, NULL));
	assert_false(asked(0, 6, 0, NULL));
	assert_false(asked(0, INT32_MIN, 0, NULL));
	set_slot(1, "b < 10 && path == \"/b/*\"");
	assert_true(asked(550, 100, 9, NULL));
	assert_false(asked(550, 100, 10, NULL));
	set_slot(3, "ptr >= 4096 && ptr < 8192");
	assert_false(asked(0, 0, 0, (void *)4095));
	assert_true(asked(0, 0, 0, (void *)4096));
	assert_false(asked(0, 0, 0, (void *)8192));
	/* no prefilter (the first test is on a string): the stub decides */
	set_slot(4, "path == \"/b/*\" && id < 5");
	assert_int_equal(table[3].pre, 0);
	assert_true(asked(1000, 0, 0, NULL));
	/* the last slot */
	set_slot(RM_FILTER_SLOTS, "id == 7");
	assert_true(asked(7, 0, 0, NULL));
	assert_false(asked(8, 0, 0, NULL));
}

static void test_unfiltered_and_no_table(void **state)
{
	(void)state;
	set_slot(1, "id >= 100 && id < 200");
	for (uint8_t on = 1; on < REMORA_ENABLE_FILTERED; on++) {
		byte = on;
		assert_false(asked(5, 0, 0, NULL));
		assert_int_equal(fake.reserves, fake_commits());
	}
	byte = 1 << RM_ENABLE_FILTER_SHIFT | 1;
	const void *t = ev->stub_private;
	ev->stub_private = NULL; /* a stub of version 1 */
	assert_true(asked(5, 0, 0, NULL));
	ev->stub_private = t;
	assert_false(asked(5, 0, 0, NULL));
	byte = 0;
	unsigned r = fake.reserves;
	remora_trace(pi, ev, 5, 0, "", 0, NULL, 0);
	assert_int_equal(fake.reserves, r);
}

static const char *const edges[] = { "0", "1", "-1", "5", "127", "128", "255", "256", "4096",
				     "-2147483648", "2147483647", "4294967295",
				     "9223372036854775807", "18446744073709551615", "1000" };
#define NEDGES (sizeof(edges) / sizeof(edges[0]))

static uint64_t near(void)
{
	const char *t = edges[rnd() % NEDGES];
	uint64_t v = t[0] == '-' ? (uint64_t)strtoll(t, NULL, 0) : strtoull(t, NULL, 0);
	switch (rnd() % 4) {
	case 0: return v - 1;
	case 1: return v + 1;
	case 2: return ((uint64_t)rnd() << 32 | rnd()) >> (rnd() % 64);
	default: return v;
	}
}

/* The macro drops exactly what the stub's check drops. */
static void check_against_stub(uint32_t slot, int values)
{
	for (int j = 0; j < values; j++) {
		uint64_t id = near(), s = near(), b = near(), ptr = near();
		bool drop = stub_drops(&table[slot - 1], id, (int32_t)s, (uint8_t)b, (void *)(uintptr_t)ptr);
		assert_int_equal(asked(id, (int32_t)s, (uint8_t)b, (void *)(uintptr_t)ptr), !drop);
	}
}

static void test_random_expressions(void **state)
{
	(void)state;
	static const char *const ops[] = { "<", "<=", ">", ">=", "==", "!=" };
	static const char *const ints[] = { "id", "s", "b", "ptr" };
	int with_pre = 0;
	for (int i = 0; i < 600; i++) {
		char text[256];
		const char *f = ints[rnd() % 4];
		const char *k = edges[rnd() % NEDGES], *k2 = edges[rnd() % NEDGES];
		switch (rnd() % 4) {
		case 0: snprintf(text, sizeof(text), "%s >= %s && %s < %s && path == \"/a/*\"", f, k, f, k2); break;
		case 1: snprintf(text, sizeof(text), "%s %s %s", k, ops[rnd() % 6], f); break;
		case 2: snprintf(text, sizeof(text), "!(%s %s %s) && d > 0", f, ops[rnd() % 6], k); break;
		default: snprintf(text, sizeof(text), "%s %s %s || id == 3", f, ops[rnd() % 6], k); break;
		}
		uint32_t slot = 1 + rnd() % RM_FILTER_SLOTS;
		set_slot(slot, text);
		with_pre += table[slot - 1].pre != 0;
		check_against_stub(slot, 40);
	}
	assert_true(with_pre > 200); /* the inline path really ran */
}

/* Hostile words and pools: the answer of the stub's check, no overread. */
static void test_hostile(void **state)
{
	(void)state;
	for (int i = 0; i < 3000; i++) {
		uint32_t slot = 1 + rnd() % RM_FILTER_SLOTS;
		struct rm_filter_prog *p = &table[slot - 1];
		for (size_t k = 0; k < sizeof(p->pool); k += 4) {
			uint32_t r = rnd();
			memcpy(p->pool + k, &r, 4);
		}
		uint64_t w = (uint64_t)rnd() << 32 | rnd();
		if (rnd() % 4) { /* mostly words the macro takes a look at */
			w = (w & ~0xffffffull) | RM_FILTER_PRE_ON | (uint64_t)(rnd() % 8) << 8 |
			    (uint64_t)(rnd() % 14) << 16;
			if (rnd() % 2)
				w = (w & 0xffffffffull) | (uint64_t)(rnd() % (RM_FILTER_POOL_MAX + 64)) << 32;
		}
		p->pre = w;
		byte = (uint8_t)(slot << RM_ENABLE_FILTER_SHIFT | (rnd() & 3));
		check_against_stub(slot, 8);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unfiltered_and_no_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_expressions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
