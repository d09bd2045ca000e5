/* The filter evaluator (shm/filter.h): runs in the app, before reserve,
 * on a program anyone of the same uid may have scribbled on. Each
 * instruction is loaded once, as one 8-byte word, then checked; the
 * program counter only moves forward; string matching spends from a fixed
 * budget. Any check that fails answers "keep". No libc: the stub links it. */
#include "shm/filter.h"
#include "shm/layout.h"

enum { V_S, V_U, V_F };

struct val {
	uint8_t k;
	union {
		int64_t i;
		uint64_t u;
		double d;
	};
};

#define KEEP (-1) /* internal: cannot run, keep the record */

static double as_double(struct val v)
{
	return v.k == V_F ? v.d : v.k == V_S ? (double)v.i : (double)v.u;
}

/* -1, 0, 1 as x <, ==, > y; 2 when unordered (a NaN). */
static int order(struct val x, struct val y)
{
	if (x.k == V_F || y.k == V_F) {
		double a = as_double(x), b = as_double(y);
		return a < b ? -1 : a > b ? 1 : a == b ? 0 : 2;
	}
	if (x.k == V_S && y.k == V_S)
		return x.i < y.i ? -1 : x.i > y.i;
	if (x.k == V_S && x.i < 0)
		return -1; /* a negative signed value is below every unsigned one */
	if (y.k == V_S && y.i < 0)
		return 1;
	return x.u < y.u ? -1 : x.u > y.u; /* both >= 0: compare as unsigned */
}

static bool cmp(uint8_t how, struct val x, struct val y)
{
	int o = order(x, y);
	switch (how) {
	case RM_FCMP_EQ: return o == 0;
	case RM_FCMP_NE: return o != 0;
	case RM_FCMP_LT: return o == -1;
	case RM_FCMP_LE: return o == -1 || o == 0;
	case RM_FCMP_GT: return o == 1;
	default: return o == 1 || o == 0; /* GE; validated before */
	}
}

static bool truthy(struct val v)
{
	return v.k == V_F ? v.d != 0 : v.u != 0;
}

/* A field's value, read in its trusted type; false for a string or bytes. */
static bool load_field(const struct rm_filter_env *env, uint32_t f, struct val *out)
{
	if (f >= env->nfields || f >= RM_FIELDS_MAX || !env->vals[f])
		return false;
	const void *p = env->vals[f];
	switch (env->types[f]) {
#define LOAD(T, kind, member)                                                               \
	{                                                                                   \
		T x;                                                                        \
		__builtin_memcpy(&x, p, sizeof(x));                                         \
		out->k = kind;                                                              \
		out->member = x;                                                            \
		return true;                                                                \
	}
	case RM_T_U8: LOAD(uint8_t, V_U, u)
	case RM_T_U16: LOAD(uint16_t, V_U, u)
	case RM_T_U32: LOAD(uint32_t, V_U, u)
	case RM_T_U64: LOAD(uint64_t, V_U, u)
	case RM_T_S8: LOAD(int8_t, V_S, i)
	case RM_T_S16: LOAD(int16_t, V_S, i)
	case RM_T_S32: LOAD(int32_t, V_S, i)
	case RM_T_S64: LOAD(int64_t, V_S, i)
	case RM_T_F32: LOAD(float, V_F, d)
	case RM_T_F64: LOAD(double, V_F, d)
	case RM_T_BOOL: {
		uint8_t x;
		__builtin_memcpy(&x, p, 1);
		out->k = V_U;
		out->u = x != 0;
		return true;
	}
#undef LOAD
	default:
		return false;
	}
}

/* Glob match of NUL-terminated s against pat[0..n), backtracking to the
 * last `*` only. Returns 1/0, or KEEP when the step budget runs out. */
static int glob(const uint8_t *pat, uint32_t n, const char *s, uint32_t *budget)
{
	uint32_t p = 0, star = UINT32_MAX;
	const char *mark = s;
	for (;;) {
		if (*budget == 0)
			return KEEP;
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

static int match_str(const struct rm_filter_prog *p, const char *s, uint16_t len, uint32_t off,
		     uint32_t *budget)
{
	if (off > RM_FILTER_POOL_MAX || len > RM_FILTER_POOL_MAX - off)
		return KEEP;
	return glob(p->pool + off, len, s ? s : "", budget);
}

static bool load_const(const struct rm_filter_prog *p, uint8_t op, uint32_t off, struct val *out)
{
	if (off > RM_FILTER_POOL_MAX - 8)
		return false;
	__builtin_memcpy(&out->u, p->pool + off, 8);
	out->k = op == RM_FOP_CONST_S ? V_S : op == RM_FOP_CONST_U ? V_U : V_F;
	return true;
}

static int run(const struct rm_filter_prog *p, const struct rm_filter_env *env, uint32_t *steps,
	       uint32_t *budget)
{
	struct val st[RM_FILTER_STACK];
	uint32_t sp = 0, n = __atomic_load_n(&p->ninsn, __ATOMIC_RELAXED);
	if (n > RM_FILTER_INSN_MAX)
		return KEEP;
	for (uint32_t pc = 0; pc < n; pc++) {
		++*steps;
		uint64_t w = __atomic_load_n((const uint64_t *)(const void *)&p->insn[pc],
					     __ATOMIC_RELAXED);
		struct rm_filter_insn in;
		__builtin_memcpy(&in, &w, 8);
		struct val v = { .k = V_U };
		int r;
		switch (in.op) {
		case RM_FOP_RET:
			return sp == 1 ? truthy(st[0]) : KEEP;
		case RM_FOP_FIELD:
			if (!load_field(env, in.a, &v))
				return KEEP;
			break;
		case RM_FOP_CTX:
			if (!env->has_ctx || in.a >= RM_FCTX_PROCNAME)
				return KEEP;
			v.k = V_S;
			v.i = env->ctx[in.a];
			break;
		case RM_FOP_CONST_S:
		case RM_FOP_CONST_U:
		case RM_FOP_CONST_F:
			if (!load_const(p, in.op, in.c, &v))
				return KEEP;
			break;
		case RM_FOP_STR:
		case RM_FOP_CTXSTR: {
			const char *s;
			if (in.op == RM_FOP_CTXSTR) {
				if (!env->has_ctx || in.a != RM_FCTX_PROCNAME)
					return KEEP;
				s = env->procname;
			} else {
				if (in.a >= env->nfields || in.a >= RM_FIELDS_MAX ||
				    env->types[in.a] != RM_T_STRING || !env->vals[in.a])
					return KEEP;
				__builtin_memcpy(&s, env->vals[in.a], sizeof(s));
			}
			if ((r = match_str(p, s, in.b, in.c, budget)) == KEEP)
				return KEEP;
			v.u = (uint64_t)r;
			break;
		}
		case RM_FOP_FCMP: {
			struct val k;
			uint8_t how = (uint8_t)in.b, kind = (uint8_t)(in.b >> 8);
			if (how > RM_FCMP_GE || kind > 2 || !load_field(env, in.a, &v) ||
			    !load_const(p, (uint8_t)(RM_FOP_CONST_S + kind), in.c, &k))
				return KEEP;
			v.u = cmp(how, v, k);
			v.k = V_U;
			break;
		}
		case RM_FOP_CMP:
			if (sp < 2 || in.a > RM_FCMP_GE)
				return KEEP;
			sp -= 2;
			v.u = cmp(in.a, st[sp], st[sp + 1]);
			break;
		case RM_FOP_NOT:
		case RM_FOP_BOOL:
			if (sp < 1)
				return KEEP;
			v.u = truthy(st[--sp]) ^ (in.op == RM_FOP_NOT);
			break;
		case RM_FOP_JF:
		case RM_FOP_JT:
			if (sp < 1 || in.c <= pc || in.c > n)
				return KEEP;
			if (truthy(st[sp - 1]) == (in.op == RM_FOP_JT))
				pc = in.c - 1; /* keeps top; the loop's pc++ lands on c */
			else
				sp--;
			continue;
		default:
			return KEEP;
		}
		if (sp == RM_FILTER_STACK)
			return KEEP;
		st[sp++] = v;
	}
	return sp == 1 ? truthy(st[0]) : KEEP;
}

int rm_filter_eval(const struct rm_filter_prog *p, const struct rm_filter_env *env,
		   uint32_t *steps)
{
	uint32_t n = 0, budget = RM_FILTER_STEP_MAX;
	int r = run(p, env, &n, &budget);
	if (steps)
		*steps = n + (RM_FILTER_STEP_MAX - budget);
	return r == KEEP ? 1 : r;
}
