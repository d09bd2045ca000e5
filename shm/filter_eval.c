/* The filter evaluator (shm/filter.h): runs in the app, before reserve,
 * on a program anyone of the same uid may have scribbled on. Each
 * instruction is loaded once, as two 8-byte words, then checked; control
 * only moves forward; glob matching spends from a fixed budget. Any check
 * that fails answers "keep". No libc: the stub links it. */
#include "shm/filter.h"
#include "shm/layout.h"

struct val {
	uint8_t k; /* enum rm_filter_kind */
	union {
		int64_t i;
		uint64_t u;
		double d;
	};
};

#define BAD (-1) /* internal: cannot run, keep the record */

static double as_double(struct val v)
{
	return v.k == RM_FK_F ? v.d : v.k == RM_FK_S ? (double)v.i : (double)v.u;
}

/* -1, 0, 1 as x <, ==, > y; 2 when unordered (a NaN). */
static int order(struct val x, struct val y)
{
	if (x.k == RM_FK_F || y.k == RM_FK_F) {
		double a = as_double(x), b = as_double(y);
		return a < b ? -1 : a > b ? 1 : a == b ? 0 : 2;
	}
	if (x.k == RM_FK_S && y.k == RM_FK_S)
		return x.i < y.i ? -1 : x.i > y.i;
	if (x.k == RM_FK_S && x.i < 0)
		return -1; /* a negative signed value is below every unsigned one */
	if (y.k == RM_FK_S && y.i < 0)
		return 1;
	return x.u < y.u ? -1 : x.u > y.u; /* both >= 0: compare as unsigned */
}

/* Which orders each comparison accepts: bit (order + 1), order 2 being
 * "unordered" (a NaN), true only for != */
static const uint8_t accepts[] = {
	[RM_FCMP_EQ] = 0x2, [RM_FCMP_NE] = 0xd, [RM_FCMP_LT] = 0x1,
	[RM_FCMP_LE] = 0x3, [RM_FCMP_GT] = 0x4, [RM_FCMP_GE] = 0x6,
};

static int cmp(uint8_t how, struct val x, struct val y)
{
	if (how > RM_FCMP_GE)
		return BAD;
	return (accepts[how] >> (order(x, y) + 1)) & 1;
}

/* A numeric operand, read in its trusted type; false for a string, bytes,
 * or anything out of range. */
static bool load(const struct rm_filter_env *env, uint32_t opnd, struct val *out)
{
	if (opnd & RM_FOPND_CTX) {
		opnd &= ~(uint32_t)RM_FOPND_CTX;
		if (!env->has_ctx || opnd >= RM_FCTX_PROCNAME)
			return false;
		out->k = RM_FK_S;
		out->i = env->ctx[opnd];
		return true;
	}
	if (opnd >= env->nfields || opnd >= RM_FIELDS_MAX || !env->vals[opnd])
		return false;
	const void *p = env->vals[opnd];
	switch (env->types[opnd]) {
#define LOAD(T, kind, member)                                                               \
	{                                                                                   \
		T x;                                                                        \
		__builtin_memcpy(&x, p, sizeof(x));                                         \
		out->k = kind;                                                              \
		out->member = x;                                                            \
		return true;                                                                \
	}
	case RM_T_U8: LOAD(uint8_t, RM_FK_U, u)
	case RM_T_U16: LOAD(uint16_t, RM_FK_U, u)
	case RM_T_U32: LOAD(uint32_t, RM_FK_U, u)
	case RM_T_U64: LOAD(uint64_t, RM_FK_U, u)
	case RM_T_S8: LOAD(int8_t, RM_FK_S, i)
	case RM_T_S16: LOAD(int16_t, RM_FK_S, i)
	case RM_T_S32: LOAD(int32_t, RM_FK_S, i)
	case RM_T_S64: LOAD(int64_t, RM_FK_S, i)
	case RM_T_F32: LOAD(float, RM_FK_F, d)
	case RM_T_F64: LOAD(double, RM_FK_F, d)
	case RM_T_BOOL: {
		uint8_t x;
		__builtin_memcpy(&x, p, 1);
		out->k = RM_FK_U;
		out->u = x != 0;
		return true;
	}
#undef LOAD
	default:
		return false;
	}
}

static bool load_str(const struct rm_filter_env *env, uint32_t opnd, const char **out)
{
	if (opnd & RM_FOPND_CTX) {
		if (!env->has_ctx || opnd != (RM_FOPND_CTX | RM_FCTX_PROCNAME))
			return false;
		*out = env->procname;
	} else {
		if (opnd >= env->nfields || opnd >= RM_FIELDS_MAX || env->types[opnd] != RM_T_STRING ||
		    !env->vals[opnd])
			return false;
		__builtin_memcpy(out, env->vals[opnd], sizeof(*out));
	}
	if (!*out)
		*out = ""; /* a NULL string is recorded as "" */
	return true;
}

/* Glob match of NUL-terminated s against pat[0..n), backtracking to the
 * last `*` only. Returns 1/0, or BAD when the step budget runs out. */
static int glob(const uint8_t *pat, uint32_t n, const char *s, uint32_t *budget)
{
	uint32_t p = 0, star = UINT32_MAX;
	const char *mark = s;
	for (;;) {
		if (*budget == 0)
			return BAD;
		--*budget;
		if (p < n && pat[p] == '*') {
			star = ++p;
			mark = s;
			if (p == n)
				return 1; /* a trailing star takes the rest */
			continue;
		}
		if (!*s)
			break;
		if (p < n) {
			uint8_t want = pat[p];
			uint32_t w = 1;
			if (want == '\\' && p + 1 < n)
				want = pat[p + 1], w = 2;
			if ((uint8_t)*s == want) {
				p += w;
				s++;
				continue;
			}
		}
		if (star == UINT32_MAX)
			return 0;
		p = star;
		s = ++mark;
	}
	while (p < n && pat[p] == '*')
		p++;
	return p == n;
}

/* One test: 1 true, 0 false, BAD. */
static int test(const struct rm_filter_prog *p, const struct rm_filter_insn *in,
		const struct rm_filter_env *env, uint32_t *budget)
{
	struct val x, y;
	const char *s;
	switch (in->op) {
	case RM_FOP_TEST_K:
		if (in->kind > RM_FK_F || !load(env, in->a, &x))
			return BAD;
		y.k = in->kind;
		y.u = in->k.u;
		return cmp(in->cmp, x, y);
	case RM_FOP_TEST_V:
		if (in->k.u > 0xff || !load(env, in->a, &x) || !load(env, (uint32_t)in->k.u, &y))
			return BAD;
		return cmp(in->cmp, x, y);
	case RM_FOP_TEST_STR: {
		if (in->k.u > RM_FILTER_POOL_MAX || in->len > RM_FILTER_POOL_MAX - in->k.u ||
		    in->cmp > RM_FCMP_NE || !load_str(env, in->a, &s))
			return BAD;
		int r = glob(p->pool + in->k.u, in->len, s, budget);
		return r == BAD ? BAD : r ^ (in->cmp == RM_FCMP_NE);
	}
	case RM_FOP_TEST_NZ:
		if (!load(env, in->a, &x))
			return BAD;
		return x.k == RM_FK_F ? x.d != 0 : x.u != 0;
	case RM_FOP_TEST_CONST:
		return in->a != 0;
	default:
		return BAD;
	}
}

int rm_filter_eval(const struct rm_filter_prog *p, const struct rm_filter_env *env,
		   uint32_t *steps)
{
	uint32_t n = __atomic_load_n(&p->ninsn, __ATOMIC_RELAXED), budget = RM_FILTER_STEP_MAX;
	uint32_t pc = 0, tests = 0;
	int answer = 1;
	if (n > RM_FILTER_INSN_MAX)
		n = 0; /* malformed: keep */
	while (pc < n) {
		/* one copy, read once: another process may be rewriting it */
		const uint64_t *w = (const uint64_t *)(const void *)&p->insn[pc];
		uint64_t lo = __atomic_load_n(&w[0], __ATOMIC_RELAXED);
		uint64_t hi = __atomic_load_n(&w[1], __ATOMIC_RELAXED);
		struct rm_filter_insn in;
		__builtin_memcpy(&in, &lo, 8);
		__builtin_memcpy(&in.k, &hi, 8);
		tests++;
		int r = test(p, &in, env, &budget);
		if (r == BAD)
			break;
		uint32_t next = r ? in.jt : in.jf;
		if (next == RM_FILTER_KEEP || next == RM_FILTER_DROP) {
			answer = next == RM_FILTER_KEEP;
			break;
		}
		if (next <= pc)
			break; /* backwards: malformed, keep */
		pc = next;
	}
	if (steps)
		*steps = tests + (RM_FILTER_STEP_MAX - budget);
	return answer;
}
