/* The filter evaluator (shm/filter.h), inline so that the stub's
 * out-of-line path (inject/filter_pass.c) compiles it with what it knows
 * (no context, its descriptor's stride); rm_filter_eval (filter_eval.c) is
 * the same for everyone else. It runs in the app, before reserve, on a
 * program anyone of the same uid may have scribbled on. Each
 * instruction is loaded once, as two 8-byte words, then checked; control
 * only moves forward; glob matching spends from a fixed budget. Any check
 * that fails answers "keep". No libc: the stub links it. */
#ifndef REMORA_SHM_FILTER_EVAL_H
#define REMORA_SHM_FILTER_EVAL_H

#include <stddef.h>

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

static inline __attribute__((always_inline)) double as_double(struct val v)
{
	return v.k == RM_FK_F ? v.d : v.k == RM_FK_S ? (double)v.i : (double)v.u;
}

/* -1, 0, 1 as x <, ==, > y; 2 when unordered (a NaN). */
static inline __attribute__((always_inline)) int order(struct val x, struct val y)
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

static inline __attribute__((always_inline)) int cmp(uint8_t how, struct val x, struct val y)
{
	if (how > RM_FCMP_GE)
		return BAD;
	return (accepts[how] >> (order(x, y) + 1)) & 1;
}

static inline uint8_t type_of(const struct rm_filter_env *env, uint32_t f)
{
	return env->types[(size_t)f * (env->type_stride ? env->type_stride : 1)];
}

/* A numeric operand, read in its trusted type; false for a string, bytes,
 * or anything out of range. */
static inline __attribute__((always_inline)) bool load(const struct rm_filter_env *env, uint32_t opnd, struct val *out)
{
	if (opnd & RM_FOPND_CTX) {
		opnd &= ~(uint32_t)RM_FOPND_CTX;
		if (!env->ctx || opnd >= RM_FCTX_PROCNAME)
			return false;
		out->k = RM_FK_S;
		out->i = env->ctx->num[opnd];
		return true;
	}
	if (opnd >= env->nfields || opnd >= RM_FIELDS_MAX || !env->vals[opnd])
		return false;
	const void *p = env->vals[opnd];
	switch (type_of(env, opnd)) {
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

static inline bool load_str(const struct rm_filter_env *env, uint32_t opnd, const char **out)
{
	if (opnd & RM_FOPND_CTX) {
		if (!env->ctx || opnd != (RM_FOPND_CTX | RM_FCTX_PROCNAME))
			return false;
		*out = env->ctx->procname;
	} else {
		if (opnd >= env->nfields || opnd >= RM_FIELDS_MAX || type_of(env, opnd) != RM_T_STRING ||
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
	/* the literal head before the first '*' or '\\' (most patterns are
	 * "prefix*"): a tight loop, one budget step per character as below */
	uint32_t head = n < *budget ? n : *budget;
	while (p < head && pat[p] != '*' && pat[p] != '\\' && *s && (uint8_t)*s == pat[p])
		p++, s++;
	*budget -= p;
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
static __attribute__((noinline)) int test(const struct rm_filter_prog *p, const struct rm_filter_insn *in,
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

/* The common test, an integer field against an integer constant, without
 * the general path's tagged values: 1, 0, or BAD when it is not that case
 * (the caller checked f < nfields <= RM_FIELDS_MAX, so f is a field). */
/* -1, 0, 1: a negative value is below any other; same signs order like
 * unsigned (two's complement). */
static inline __attribute__((always_inline)) int order_int(uint64_t x, bool sx, uint64_t k, bool sk)
{
	bool xneg = sx && (int64_t)x < 0, kneg = sk && (int64_t)k < 0;
	return xneg != kneg ? (xneg ? -1 : 1) : x < k ? -1 : x > k;
}

#define RANGE 0x100 /* int_test's `how` for TEST_RANGE */

/* An integer field's value in its trusted type: false for any other type. */
static inline __attribute__((always_inline)) bool int_load(const void *v, uint8_t type, uint64_t *x,
							   bool *sx)
{
	switch (type) {
#define INT(T, s)                                                                           \
	{                                                                                   \
		T t;                                                                        \
		__builtin_memcpy(&t, v, sizeof(t));                                         \
		*x = (uint64_t)t;                                                           \
		*sx = s; /* x is signed */                                                  \
		return true;                                                                \
	}
	case RM_T_U8: INT(uint8_t, false)
	case RM_T_U16: INT(uint16_t, false)
	case RM_T_U32: INT(uint32_t, false)
	case RM_T_U64: INT(uint64_t, false)
	case RM_T_S8: INT(int8_t, true)
	case RM_T_S16: INT(int16_t, true)
	case RM_T_S32: INT(int32_t, true)
	case RM_T_S64: INT(int64_t, true)
#undef INT
	default:
		return false;
	}
}

static inline __attribute__((always_inline)) int int_test(const void *v, uint8_t type, uint64_t k,
							  uint64_t k2, bool sk, uint32_t how)
{
	uint64_t x;
	bool sx;
	if (!int_load(v, type, &x, &sx))
		return BAD;
	if (how == RANGE) { /* k <= x <= k2 */
		return order_int(x, sx, k, sk) >= 0 && order_int(x, sx, k2, sk) <= 0;
	}
	return (accepts[how] >> (order_int(x, sx, k, sk) + 1)) & 1;
}

/* The prefilter (shm/filter.h, `pre`): 1 when the record is outside the
 * range and can be dropped now, 0 when the program must run (no
 * prefilter, in range, or anything that does not check out: a field
 * number at or past nf, a pool offset past the pool, a field whose type
 * in the caller's own descriptor is not the integer type the prefilter
 * was made for). */
static inline __attribute__((always_inline)) int rm_filter_pre_drops(const struct rm_filter_prog *p,
								      uint32_t nf,
								      const uint8_t *types,
								      uint32_t stride,
								      const void *const *vals)
{
	uint64_t h = __atomic_load_n(&p->pre, __ATOMIC_RELAXED);
	uint32_t f = (h >> 8) & 0xff, t = (h >> 16) & 0xff, off = (uint32_t)(h >> 32);
	if ((h & 0xff) != RM_FILTER_PRE_ON || f >= nf || f >= RM_FIELDS_MAX || !vals[f] ||
	    off > RM_FILTER_POOL_MAX - 16 || types[(size_t)f * stride] != t)
		return 0;
	uint64_t x, lo, span;
	const void *v = vals[f];
	switch (t) {
#define PRE_INT(T, bias)                                                                    \
	{                                                                                   \
		T y;                                                                        \
		__builtin_memcpy(&y, v, sizeof(y));                                         \
		x = (uint64_t)y ^ (bias);                                                   \
		break;                                                                      \
	}
	case RM_T_U8: PRE_INT(uint8_t, 0)
	case RM_T_U16: PRE_INT(uint16_t, 0)
	case RM_T_U32: PRE_INT(uint32_t, 0)
	case RM_T_U64: PRE_INT(uint64_t, 0)
	case RM_T_S8: PRE_INT(int8_t, RM_FILTER_PRE_BIAS)
	case RM_T_S16: PRE_INT(int16_t, RM_FILTER_PRE_BIAS)
	case RM_T_S32: PRE_INT(int32_t, RM_FILTER_PRE_BIAS)
	case RM_T_S64: PRE_INT(int64_t, RM_FILTER_PRE_BIAS)
#undef PRE_INT
	default:
		return 0;
	}
	__builtin_memcpy(&lo, p->pool + off, 8);
	__builtin_memcpy(&span, p->pool + off + 8, 8);
	return x - lo > span;
}

static inline __attribute__((always_inline)) int rm_filter_run(const struct rm_filter_prog *p,
								const struct rm_filter_env *env,
								uint32_t *steps)
{
	uint32_t n = __atomic_load_n(&p->ninsn, __ATOMIC_RELAXED), budget = RM_FILTER_STEP_MAX;
	uint32_t pc = 0, tests = 0, nf = env->nfields;
	uint32_t stride = env->type_stride ? env->type_stride : 1;
	const uint8_t *types = env->types;
	const void *const *vals = env->vals;
	int answer = 1;
	if (n > RM_FILTER_INSN_MAX || nf > RM_FIELDS_MAX)
		n = 0; /* malformed: keep */
	while (pc < n) {
		/* read once, as two words: another process may be rewriting it */
		const uint64_t *w = (const uint64_t *)(const void *)&p->insn[pc];
		uint64_t lo = __atomic_load_n(&w[0], __ATOMIC_RELAXED);
		uint64_t hi = __atomic_load_n(&w[1], __ATOMIC_RELAXED);
		uint32_t op = lo & 0xff, a = (lo >> 8) & 0xff, how = (lo >> 16) & 0xff;
		uint32_t kind = (lo >> 24) & 0xff;
		tests++;
		int r = BAD;
		if (op == RM_FOP_TEST_K && a < nf && kind != RM_FK_F && how <= RM_FCMP_GE && vals[a]) {
			r = int_test(vals[a], types[(size_t)a * stride], hi, 0, kind == RM_FK_S, how);
		} else if (op == RM_FOP_TEST_RANGE && a < nf && kind <= RM_FK_U && vals[a]) {
			uint32_t off = (uint32_t)(lo >> 48);
			uint64_t k2;
			if (off > RM_FILTER_POOL_MAX - 8)
				break; /* malformed: keep */
			__builtin_memcpy(&k2, p->pool + off, 8);
			r = int_test(vals[a], types[(size_t)a * stride], hi, k2, kind == RM_FK_S, RANGE);
		}
		if (r == BAD) {
			struct rm_filter_insn in;
			__builtin_memcpy(&in, &lo, 8);
			__builtin_memcpy(&in.k, &hi, 8);
			if ((r = test(p, &in, env, &budget)) == BAD)
				break;
		}
		uint32_t next = r ? (lo >> 32) & 0xff : (lo >> 40) & 0xff;
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

#endif
