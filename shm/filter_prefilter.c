/* The prefilter of a program (shm/filter.h, `pre`): the range its first
 * test demands of one integer field, so that the app can drop a record
 * that fails it without running the evaluator (inject/filter_pass.c).
 *
 * Sound because the evaluator starts at instruction 0 and only moves
 * forward: when instruction 0 goes to DROP on an outcome, every kept
 * record had the other outcome. The range mirrors the evaluator's own
 * integer path (filter_eval.h, int_test): a TEST_K of kind signed or
 * unsigned compares the field and the constant as mathematical integers,
 * a TEST_RANGE is k <= field <= pool[len] in one kind. Bounds are worked
 * out in __int128 (every int64_t and uint64_t value), clamped to the
 * field type's range, then mapped as the app maps the value. */
#include <string.h>

#include "shm/filter.h"
#include "shm/layout.h"

typedef __int128 wide;

static wide as_wide(uint64_t k, bool sk)
{
	return sk ? (wide)(int64_t)k : (wide)k;
}

/* The field type's range; false for a type that is not an integer. */
static bool type_range(uint8_t t, wide *min, wide *max)
{
	switch (t) {
	case RM_T_U8: *min = 0, *max = UINT8_MAX; return true;
	case RM_T_U16: *min = 0, *max = UINT16_MAX; return true;
	case RM_T_U32: *min = 0, *max = UINT32_MAX; return true;
	case RM_T_U64: *min = 0, *max = UINT64_MAX; return true;
	case RM_T_S8: *min = INT8_MIN, *max = INT8_MAX; return true;
	case RM_T_S16: *min = INT16_MIN, *max = INT16_MAX; return true;
	case RM_T_S32: *min = INT32_MIN, *max = INT32_MAX; return true;
	case RM_T_S64: *min = INT64_MIN, *max = INT64_MAX; return true;
	default: return false;
	}
}

/* The range [*lo, *hi] instruction `in` must pass for a record to be
 * kept; false when there is none to say. */
static bool demanded(const struct rm_filter_prog *p, const struct rm_filter_insn *in, wide *lo,
		     wide *hi)
{
	bool sk = in->kind == RM_FK_S;
	if (in->kind > RM_FK_U || in->jt == in->jf)
		return false;
	if (in->op == RM_FOP_TEST_RANGE) {
		uint64_t k2;
		/* the outside of a range is not one; and its bound must be in
		 * the pool, or the prefilter's own words could overwrite it */
		if (in->jf != RM_FILTER_DROP || p->pool_len < 8 || in->len > p->pool_len - 8)
			return false;
		memcpy(&k2, p->pool + in->len, 8);
		*lo = as_wide(in->k.u, sk);
		*hi = as_wide(k2, sk);
		return true;
	}
	if (in->op != RM_FOP_TEST_K || in->cmp > RM_FCMP_GE)
		return false;
	static const uint8_t negate[] = { RM_FCMP_NE, RM_FCMP_EQ, RM_FCMP_GE,
					  RM_FCMP_GT, RM_FCMP_LE, RM_FCMP_LT };
	uint32_t how = in->cmp;
	if (in->jt == RM_FILTER_DROP)
		how = negate[how]; /* kept records failed the test */
	else if (in->jf != RM_FILTER_DROP)
		return false;
	wide k = as_wide(in->k.u, sk);
	*lo = INT64_MIN;
	*hi = UINT64_MAX;
	switch (how) {
	case RM_FCMP_EQ: *lo = *hi = k; return true;
	case RM_FCMP_GE: *lo = k; return true;
	case RM_FCMP_GT: *lo = k + 1; return true;
	case RM_FCMP_LE: *hi = k; return true;
	case RM_FCMP_LT: *hi = k - 1; return true;
	default: return false; /* != is not a range */
	}
}

static uint64_t mapped(wide v, bool is_signed)
{
	return is_signed ? (uint64_t)(int64_t)v ^ RM_FILTER_PRE_BIAS : (uint64_t)v;
}

void rm_filter_prefilter(struct rm_filter_prog *p, uint32_t nfields, const uint8_t *types)
{
	p->pre = 0;
	if (p->ninsn < 1 || p->ninsn > RM_FILTER_INSN_MAX || p->pool_len > RM_FILTER_POOL_MAX)
		return;
	const struct rm_filter_insn *in = &p->insn[0];
	wide lo, hi, min, max;
	if (in->a >= nfields || in->a >= RM_FIELDS_MAX || !type_range(types[in->a], &min, &max) ||
	    !demanded(p, in, &lo, &hi))
		return;
	if (lo < min)
		lo = min;
	if (hi > max)
		hi = max;
	if (lo > hi || (lo == min && hi == max))
		return; /* nothing passes, or everything: the program says so itself */
	bool is_signed = min < 0;
	uint64_t words[2] = { mapped(lo, is_signed), mapped(hi, is_signed) - mapped(lo, is_signed) };
	uint32_t off = (p->pool_len + 7) & ~7u;
	if (off > RM_FILTER_POOL_MAX - 16)
		return; /* no room: no prefilter, the program still runs */
	memcpy(p->pool + off, words, 16);
	p->pool_len = off + 16;
	p->pre = RM_FILTER_PRE_ON | (uint64_t)in->a << 8 | (uint64_t)types[in->a] << 16 |
		 (uint64_t)off << 32;
}
