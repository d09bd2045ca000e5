/* The prefilter (shm/filter.h, `pre`) never drops a record its program
 * keeps. Randomized: 1,500 compiled expressions over every integer type
 * (ranges, single comparisons either way round, `!`, && and ||, edge
 * constants) and 1,500 random bytecode programs, each against 100 value
 * sets drawn near the constants; the app's check (rm_filter_pre_drops)
 * must never say "drop" where the evaluator (rm_filter_eval, and the
 * app's inline rm_filter_run) says "keep". Also: the issue's expression
 * gets a prefilter that drops exactly the ids outside [1000, 2000); a
 * random prefilter word with a random pool never reads outside the
 * program or the values (memcheck: every value and program is its own
 * exact-size allocation), and is ignored when the app's field type is not
 * the one it names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/filter/filter.h"
#include "shm/filter_eval.h"

#define NF 9
static const char *const names[NF] = { "u8", "u16", "u32", "u64", "s8",
				       "s16", "s32", "s64", "path" };
static const uint8_t types[NF] = { RM_T_U8, RM_T_U16, RM_T_U32, RM_T_U64, RM_T_S8,
				   RM_T_S16, RM_T_S32, RM_T_S64, RM_T_STRING };
static const size_t sizes[NF] = { 1, 2, 4, 8, 1, 2, 4, 8, sizeof(const char *) };

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static const char *const edges[] = {
	"0", "1", "-1", "2", "-2", "100", "-100", "127", "128", "-128", "-129", "255", "256",
	"32767", "32768", "-32768", "65535", "65536", "2147483647", "2147483648", "-2147483648",
	"4294967295", "4294967296", "9223372036854775807", "-9223372036854775808",
	"9223372036854775808", "18446744073709551615", "1000", "2000",
};
#define NEDGES (sizeof(edges) / sizeof(edges[0]))

static uint64_t edge_value(void)
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

static struct rm_event_info event(void)
{
	struct rm_event_info e = { .valid = true, .nfields = NF, .provider = "pf", .name = "ev" };
	for (int i = 0; i < NF; i++) {
		strcpy(e.fields[i].name, names[i]);
		e.fields[i].type = types[i];
	}
	return e;
}

/* One term: a comparison (either way round), a range, a glob, a negation. */
static void term(char *out, size_t n)
{
	static const char *const ops[] = { "<", "<=", ">", ">=", "==", "!=" };
	const char *f = names[rnd() % 8], *op = ops[rnd() % 6];
	const char *k = edges[rnd() % NEDGES], *k2 = edges[rnd() % NEDGES];
	switch (rnd() % 6) {
	case 0: snprintf(out, n, "%s >= %s && %s < %s", f, k, f, k2); break;
	case 1: snprintf(out, n, "%s %s %s", k, op, f); break;
	case 2: snprintf(out, n, "!(%s %s %s)", f, op, k); break;
	case 3: snprintf(out, n, "path == \"/a/*\""); break;
	default: snprintf(out, n, "%s %s %s", f, op, k); break;
	}
}

static void expression(char *out, size_t n)
{
	char a[160], b[160], c[160];
	term(a, sizeof(a));
	term(b, sizeof(b));
	term(c, sizeof(c));
	switch (rnd() % 5) {
	case 0: snprintf(out, n, "%s", a); break;
	case 1: snprintf(out, n, "%s && %s", a, b); break;
	case 2: snprintf(out, n, "%s && (%s || %s)", a, b, c); break;
	case 3: snprintf(out, n, "(%s) || %s", a, b); break;
	default: snprintf(out, n, "!(%s && %s) && %s", a, b, c); break;
	}
}

/* Values in exact-size allocations, so memcheck sees any overread. */
struct vset {
	void *v[NF];
	const void *ptrs[NF];
};

static void vset_alloc(struct vset *s)
{
	for (int i = 0; i < NF; i++)
		s->ptrs[i] = s->v[i] = malloc(sizes[i]);
}

static void vset_free(struct vset *s)
{
	for (int i = 0; i < NF; i++)
		free(s->v[i]);
}

static void vset_fill(struct vset *s)
{
	static const char *const paths[] = { "/a/x", "/b", "", NULL };
	for (int i = 0; i < 8; i++) {
		uint64_t x = edge_value();
		memcpy(s->v[i], &x, sizes[i]); /* little endian: the low bytes, as a C cast */
	}
	memcpy(s->v[8], &paths[rnd() % 4], sizeof(const char *));
}

/* One program against 100 value sets: the prefilter never drops a kept
 * record. Returns how many it dropped. */
static int check_program(const struct rm_filter_prog *p, struct vset *s, const char *what)
{
	int drops = 0;
	for (int j = 0; j < 100; j++) {
		vset_fill(s);
		struct rm_filter_env env = { .nfields = NF, .types = types, .vals = s->ptrs };
		int keep = rm_filter_eval(p, &env, NULL);
		assert_int_equal(keep, rm_filter_run(p, &env, NULL));
		int drop = rm_filter_pre_drops(p, NF, types, 1, s->ptrs);
		if (drop && keep) {
			uint64_t x = 0;
			uint32_t f = (p->pre >> 8) & 0xff;
			if (f < 8)
				memcpy(&x, s->v[f], sizes[f]);
			fail_msg("%s: prefilter %#llx dropped a kept record (field %u = %#llx)", what,
				 (unsigned long long)p->pre, f, (unsigned long long)x);
		}
		drops += drop;
	}
	return drops;
}

static void test_prefilter_compiled_never_drops_kept(void **state)
{
	(void)state;
	struct rm_event_info e = event();
	struct vset s;
	vset_alloc(&s);
	int compiled = 0, with_pre = 0, drops = 0;
	for (int i = 0; i < 1500; i++) {
		char text[600], err[512];
		expression(text, sizeof(text));
		struct rm_filter_expr *x = rm_filter_parse(text, err, sizeof(err));
		if (!x)
			fail_msg("%s: %s", text, err);
		struct rm_filter_prog *p = malloc(sizeof(*p));
		int rc = rm_filter_compile(x, &e, p, err, sizeof(err));
		rm_filter_expr_free(x);
		if (rc == 0) {
			compiled++;
			assert_null(rm_filter_validate(p, NF, types, true));
			with_pre += p->pre != 0;
			drops += check_program(p, &s, text);
		}
		free(p);
	}
	vset_free(&s);
	/* not vacuous: most compile, many get a prefilter, and it drops */
	assert_true(compiled > 1250);
	assert_true(with_pre > 200);
	assert_true(drops > 10000);
	print_message("compiled %d, with a prefilter %d, prefilter drops %d\n", compiled, with_pre,
		      drops);
}

static void random_prog(struct rm_filter_prog *p)
{
	unsigned char *b = (unsigned char *)p;
	for (size_t i = 0; i < sizeof(*p); i++)
		b[i] = (unsigned char)rnd();
	p->ninsn = 1 + rnd() % (RM_FILTER_INSN_MAX + 4);
	p->pool_len = rnd() % (RM_FILTER_POOL_MAX - 200);
	for (int i = 0; i < RM_FILTER_INSN_MAX; i++) {
		struct rm_filter_insn *in = &p->insn[i];
		in->op = rnd() % 2 ? RM_FOP_TEST_K : rnd() % 2 ? RM_FOP_TEST_RANGE : rnd() % RM_FOP_COUNT;
		in->a = (uint8_t)(rnd() % 10);
		in->cmp = (uint8_t)(rnd() % 7);
		in->kind = (uint8_t)(rnd() % 4);
		uint32_t t = rnd() % 4;
		in->jt = (uint8_t)(t == 0 ? RM_FILTER_KEEP : t == 1 ? RM_FILTER_DROP : rnd() % 70);
		t = rnd() % 4;
		in->jf = (uint8_t)(t == 0 ? RM_FILTER_KEEP : t == 1 ? RM_FILTER_DROP : rnd() % 70);
		in->len = (uint16_t)(rnd() % 8 ? (rnd() % 120) * 8 : rnd());
		in->k.u = edge_value();
		if (in->op == RM_FOP_TEST_RANGE && in->len <= RM_FILTER_POOL_MAX - 8) {
			uint64_t k2 = edge_value();
			memcpy(p->pool + in->len, &k2, 8);
		}
	}
	/* most first tests on an integer field, going to DROP one way */
	if (rnd() % 4) {
		struct rm_filter_insn *in = &p->insn[0];
		in->a = (uint8_t)(rnd() % 8);
		in->kind = (uint8_t)(rnd() % 2);
		if (rnd() % 2)
			in->jf = RM_FILTER_DROP;
		else
			in->jt = RM_FILTER_DROP;
	}
}

static void test_prefilter_random_bytecode_never_drops_kept(void **state)
{
	(void)state;
	struct vset s;
	vset_alloc(&s);
	int with_pre = 0, drops = 0;
	for (int i = 0; i < 1500; i++) {
		struct rm_filter_prog *p = malloc(sizeof(*p));
		random_prog(p);
		rm_filter_prefilter(p, NF, types);
		with_pre += p->pre != 0;
		char what[64];
		snprintf(what, sizeof(what), "random program %d", i);
		drops += check_program(p, &s, what);
		free(p);
	}
	vset_free(&s);
	print_message("random programs with a prefilter %d, prefilter drops %d\n", with_pre, drops);
	assert_true(with_pre > 150);
	assert_true(drops > 5000);
}

static void test_prefilter_issue_expression(void **state)
{
	(void)state;
	struct rm_event_info e = { .valid = true, .nfields = 3, .provider = "bench", .name = "str" };
	strcpy(e.fields[0].name, "id"), e.fields[0].type = RM_T_U64;
	strcpy(e.fields[1].name, "len"), e.fields[1].type = RM_T_U32;
	strcpy(e.fields[2].name, "path"), e.fields[2].type = RM_T_STRING;
	uint8_t t[3] = { RM_T_U64, RM_T_U32, RM_T_STRING };
	char err[512];
	struct rm_filter_expr *x = rm_filter_parse("id >= 1000 && id < 2000 && path == \"/a/*\"",
						   err, sizeof(err));
	assert_non_null(x);
	struct rm_filter_prog p;
	assert_int_equal(rm_filter_compile(x, &e, &p, err, sizeof(err)), 0);
	rm_filter_expr_free(x);
	assert_int_equal(p.pre & 0xff, RM_FILTER_PRE_ON);
	assert_int_equal((p.pre >> 8) & 0xff, 0);             /* field id */
	assert_int_equal((p.pre >> 16) & 0xff, RM_T_U64);    /* made for its type */
	uint64_t id = 0;
	uint32_t len = 3;
	const char *path = "/a/b";
	const void *vals[3] = { &id, &len, &path };
	const uint64_t ids[] = { 0, 999, 1000, 1999, 2000, UINT64_MAX };
	const int drop[] = { 1, 1, 0, 0, 1, 1 };
	for (int i = 0; i < 6; i++) {
		id = ids[i];
		assert_int_equal(rm_filter_pre_drops(&p, 3, t, 1, vals), drop[i]);
	}
	/* the app's own type decides: a descriptor that says u32 ignores it */
	id = 5000;
	uint8_t other[3] = { RM_T_U32, RM_T_U32, RM_T_STRING };
	assert_int_equal(rm_filter_pre_drops(&p, 3, other, 1, vals), 0);
	/* a field number past the app's fields: ignored */
	assert_int_equal(rm_filter_pre_drops(&p, 0, t, 1, vals), 0);
	/* `len < 5 && ...`: a single bound on a u32 */
	x = rm_filter_parse("len < 5 && path == \"/a/*\"", err, sizeof(err));
	assert_int_equal(rm_filter_compile(x, &e, &p, err, sizeof(err)), 0);
	rm_filter_expr_free(x);
	assert_int_equal((p.pre >> 8) & 0xff, 1);
	len = 4;
	assert_int_equal(rm_filter_pre_drops(&p, 3, t, 1, vals), 0);
	len = 5;
	assert_int_equal(rm_filter_pre_drops(&p, 3, t, 1, vals), 1);
	/* `a || b`: nothing is demanded of every kept record */
	x = rm_filter_parse("id < 5 || len < 5", err, sizeof(err));
	assert_int_equal(rm_filter_compile(x, &e, &p, err, sizeof(err)), 0);
	rm_filter_expr_free(x);
	assert_int_equal(p.pre, 0);
}

static void test_prefilter_hostile_word_stays_inside(void **state)
{
	(void)state;
	struct vset s;
	vset_alloc(&s);
	for (int i = 0; i < 5000; i++) {
		struct rm_filter_prog *p = malloc(sizeof(*p));
		unsigned char *b = (unsigned char *)p;
		for (size_t j = 0; j < sizeof(*p); j++)
			b[j] = (unsigned char)rnd();
		p->pre = RM_FILTER_PRE_ON | (uint64_t)(rnd() % 20) << 8 | (uint64_t)(rnd() % 12) << 16 |
			 (uint64_t)(rnd() % 2 ? rnd() % (RM_FILTER_POOL_MAX + 32) : rnd()) << 32;
		if (rnd() % 8 == 0)
			p->pre = (uint64_t)rnd() << 32 | rnd();
		vset_fill(&s);
		int r = rm_filter_pre_drops(p, 1 + rnd() % NF, types, 1, s.ptrs);
		assert_true(r == 0 || r == 1);
		free(p);
	}
	vset_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefilter_issue_expression),
		cmocka_unit_test(test_prefilter_compiled_never_drops_kept),
		cmocka_unit_test(test_prefilter_random_bytecode_never_drops_kept),
		cmocka_unit_test(test_prefilter_hostile_word_stays_inside),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
