/* The filter compiler and evaluator without a process around them:
 * expressions compile and give the right answer on every field type; type
 * errors name the field and column; and 1,000 random programs (and 1,000
 * random mutations of valid ones) never crash the evaluator, never run
 * past its step bound, and are refused by the validator whenever they
 * are malformed in a way the validator checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/filter/filter.h"

static struct rm_event_info ev(void)
{
	struct rm_event_info e = { .valid = true, .nfields = 5, .provider = "ft", .name = "req" };
	const char *names[] = { "id", "s", "d", "path", "flag" };
	uint8_t types[] = { RM_T_U64, RM_T_S32, RM_T_F64, RM_T_STRING, RM_T_BOOL };
	for (int i = 0; i < 5; i++) {
		strcpy(e.fields[i].name, names[i]);
		e.fields[i].type = types[i];
	}
	return e;
}

struct vals {
	uint64_t id;
	int32_t s;
	double d;
	const char *path;
	_Bool flag;
};

static int run(const char *text, struct vals v, uint32_t *steps)
{
	char err[512];
	struct rm_event_info e = ev();
	struct rm_filter_expr *x = rm_filter_parse(text, err, sizeof(err));
	if (!x)
		fail_msg("%s: %s", text, err);
	struct rm_filter_prog p;
	if (rm_filter_compile(x, &e, &p, err, sizeof(err)) < 0)
		fail_msg("%s: %s", text, err);
	rm_filter_expr_free(x);
	uint8_t types[5];
	for (int i = 0; i < 5; i++)
		types[i] = e.fields[i].type;
	assert_null(rm_filter_validate(&p, 5, types, true));
	const void *ptrs[5] = { &v.id, &v.s, &v.d, &v.path, &v.flag };
	struct rm_filter_env env = { .nfields = 5, .types = types, .vals = ptrs };
	return rm_filter_eval(&p, &env, steps);
}

static void test_filter_answers(void **state)
{
	(void)state;
	struct vals v = { 1500, -7, 2.5, "/a/b/c", 1 };
	const char *keep = "id >= 1000 && id < 2000 && path == \"/a/*\"";
	assert_int_equal(run(keep, v, NULL), 1);
	v.path = "/b/x";
	assert_int_equal(run(keep, v, NULL), 0);
	v.path = "/a/x";
	v.id = 2000;
	assert_int_equal(run(keep, v, NULL), 0);
	assert_int_equal(run("s < 0 && s > -8", v, NULL), 1);
	assert_int_equal(run("s < id", v, NULL), 1); /* -7 < 2000: signed below unsigned */
	assert_int_equal(run("id > -1", v, NULL), 1);
	assert_int_equal(run("d == 2.5 && d > 2", v, NULL), 1);
	assert_int_equal(run("flag && !(d < 1)", v, NULL), 1);
	assert_int_equal(run("path != \"/a/?\" || 0", v, NULL), 1); /* ? is literal */
	assert_int_equal(run("path == \"*x\" && path == \"/a/x\"", v, NULL), 1);
	assert_int_equal(run("path == \"/a/\\*\"", v, NULL), 0);
	v.path = "/a/*";
	assert_int_equal(run("path == \"/a/\\*\"", v, NULL), 1);
	v.path = NULL; /* a NULL string is "" */
	assert_int_equal(run("path == \"\"", v, NULL), 1);
	assert_int_equal(run("id == 18446744073709551615", v, NULL), 0);
	v.id = UINT64_MAX;
	assert_int_equal(run("id == 18446744073709551615 && id > 0x7fffffffffffffff", v, NULL), 1);
	/* constants folded away, field against field, mirrored literals */
	v.id = 9;
	v.s = 9;
	assert_int_equal(run("(0 && id < 5) || id > 7", v, NULL), 1);
	assert_int_equal(run("(0 && id < 5) || id > 70", v, NULL), 0);
	assert_int_equal(run("1 || id > 70", v, NULL), 1);
	assert_int_equal(run("0 || 2 < 1", v, NULL), 0);
	assert_int_equal(run("id == s && !(s != id)", v, NULL), 1);
	assert_int_equal(run("8 < id && 10 > id && 9 <= s", v, NULL), 1);
	assert_int_equal(run("!(id > 5 || s < 3) || d", v, NULL), 1); /* d = 2.5: not zero */
	v.d = 0;
	assert_int_equal(run("!(id > 5 || s < 3) || d", v, NULL), 0);
}

static void expect_error(const char *text, const char *want)
{
	char err[512] = "";
	struct rm_event_info e = ev();
	struct rm_filter_prog p;
	struct rm_filter_expr *x = rm_filter_parse(text, err, sizeof(err));
	if (x) {
		assert_int_equal(rm_filter_compile(x, &e, &p, err, sizeof(err)), -1);
		rm_filter_expr_free(x);
	}
	if (!strstr(err, want))
		fail_msg("'%s': error '%s' lacks '%s'", text, err, want);
}

static void test_filter_errors_name_field_and_column(void **state)
{
	(void)state;
	expect_error("id > 1 && nope == 2", "unknown field 'nope'");
	expect_error("id > 1 && nope == 2", "column 11");
	expect_error("path > 3", "column 1");
	expect_error("id == \"x\"", "is a number, compared to a string");
	expect_error("path", "alone is not a condition");
	expect_error("id >= && x", "column 7");
	expect_error("(id > 1", "')' expected");
	expect_error("id = 1", "use '=='");
	expect_error("$ctx.nope == 1", "unknown context");
	expect_error("\"abc", "string not closed");
}

static void test_filter_ctx_is_consumer_only(void **state)
{
	(void)state;
	char err[256];
	struct rm_event_info e = ev();
	struct rm_filter_prog p;
	struct rm_filter_expr *x = rm_filter_parse("$ctx.vtid == 5 && $ctx.procname == \"ap*\"", err, sizeof(err));
	assert_non_null(x);
	assert_true(rm_filter_uses_ctx(x));
	assert_int_equal(rm_filter_compile(x, &e, &p, err, sizeof(err)), 0);
	rm_filter_expr_free(x);
	uint8_t types[5] = { RM_T_U64, RM_T_S32, RM_T_F64, RM_T_STRING, RM_T_BOOL };
	assert_non_null(rm_filter_validate(&p, 5, types, true)); /* not for the app */
	assert_null(rm_filter_validate(&p, 5, types, false));
	struct rm_filter_ctxv ctx = { .procname = "app" };
	struct rm_filter_env env = { .nfields = 5, .types = types, .vals = (const void *[5]){ 0 },
				     .ctx = &ctx };
	ctx.num[RM_FCTX_VTID] = 5;
	assert_int_equal(rm_filter_eval(&p, &env, NULL), 1);
	ctx.num[RM_FCTX_VTID] = 6;
	assert_int_equal(rm_filter_eval(&p, &env, NULL), 0);
}

/* A long string against a glob with stars cannot spend more than the
 * budget: the answer is "keep" and the steps stay bounded. */
static void test_filter_glob_budget(void **state)
{
	(void)state;
	size_t n = 1 << 20;
	char *big = malloc(n + 1);
	memset(big, 'a', n);
	big[n] = 0;
	struct vals v = { 0, 0, 0, big, 0 };
	uint32_t steps;
	assert_int_equal(run("path == \"*b*c\"", v, &steps), 1);
	assert_true(steps <= RM_FILTER_INSN_MAX + RM_FILTER_STEP_MAX);
	free(big);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void random_prog(struct rm_filter_prog *p, bool mutate_valid)
{
	if (mutate_valid) {
		struct vals v = { 0 };
		(void)v;
		char err[256];
		struct rm_event_info e = ev();
		struct rm_filter_expr *x = rm_filter_parse(
			"(id > 5 || s < -3) && path == \"/a/*\" && !(d >= 1.5) || flag", err, sizeof(err));
		assert_int_equal(rm_filter_compile(x, &e, p, err, sizeof(err)), 0);
		rm_filter_expr_free(x);
		unsigned char *b = (unsigned char *)p;
		for (int k = 1 + (int)(rnd() % 4); k > 0; k--)
			b[rnd() % sizeof(*p)] = (unsigned char)rnd();
		return;
	}
	unsigned char *b = (unsigned char *)p;
	for (size_t i = 0; i < sizeof(*p); i++)
		b[i] = (unsigned char)rnd();
	p->ninsn = rnd() % (RM_FILTER_INSN_MAX + 8);
	p->pool_len = rnd() % (RM_FILTER_POOL_MAX + 8);
	/* mostly real opcodes and small operands, so deep paths get run */
	for (int i = 0; i < RM_FILTER_INSN_MAX; i++) {
		struct rm_filter_insn *in = &p->insn[i];
		in->op = (uint8_t)(rnd() % (RM_FOP_COUNT + 1));
		in->a = (uint8_t)(rnd() % 2 ? rnd() % 8 : RM_FOPND_CTX | rnd() % 6);
		in->cmp = (uint8_t)(rnd() % 8);
		in->kind = (uint8_t)(rnd() % 4);
		uint32_t t = rnd() % 4;
		in->jt = (uint8_t)(t == 0 ? RM_FILTER_KEEP : t == 1 ? RM_FILTER_DROP : rnd() % 70);
		t = rnd() % 4;
		in->jf = (uint8_t)(t == 0 ? RM_FILTER_KEEP : t == 1 ? RM_FILTER_DROP : rnd() % 70);
		in->len = (uint16_t)(rnd() % 2 ? rnd() % 16 : rnd());
		if (rnd() % 2)
			in->k.u = rnd() % (RM_FILTER_POOL_MAX + 16);
	}
}

static void test_filter_random_programs_are_safe(void **state)
{
	(void)state;
	uint8_t types[5] = { RM_T_U64, RM_T_S32, RM_T_F64, RM_T_STRING, RM_T_BOOL };
	struct vals v = { 77, -3, 1.25, "/a/zz", 1 };
	const void *ptrs[5] = { &v.id, &v.s, &v.d, &v.path, &v.flag };
	int accepted = 0;
	for (int i = 0; i < 2000; i++) {
		struct rm_filter_prog *p = malloc(sizeof(*p)); /* exact size: memcheck sees overreads */
		random_prog(p, i >= 1000);
		struct rm_filter_ctxv ctx = { .num = { 1, 2, 3, 4 }, .procname = "x" };
		struct rm_filter_env env = { .nfields = 5, .types = types, .vals = ptrs,
					     .ctx = i % 2 ? &ctx : NULL };
		uint32_t steps = 0;
		int r = rm_filter_eval(p, &env, &steps);
		assert_true(r == 0 || r == 1);
		assert_true(steps <= RM_FILTER_INSN_MAX + RM_FILTER_STEP_MAX);
		if (!rm_filter_validate(p, 5, types, false)) {
			accepted++;
			assert_true(steps <= RM_FILTER_INSN_MAX + RM_FILTER_STEP_MAX);
		}
		/* fewer fields than the program names: never read past them */
		env.nfields = 1;
		r = rm_filter_eval(p, &env, &steps);
		assert_true(r == 0 || r == 1);
		free(p);
	}
	/* the mutations leave some programs whole: the validator is not
	 * refusing everything */
	assert_true(accepted > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_answers),
		cmocka_unit_test(test_filter_errors_name_field_and_column),
		cmocka_unit_test(test_filter_ctx_is_consumer_only),
		cmocka_unit_test(test_filter_glob_budget),
		cmocka_unit_test(test_filter_random_programs_are_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
