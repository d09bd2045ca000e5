/* The prefilter of a program (shm/filter.h, `pre`): the range its first
 * test demands of one integer field, so that the app can drop a record
 * that fails it without running the evaluator (inject/filter_pass.c).
 *
 * Sound because the evaluator starts at instruction 0 and only moves
 * forward: when instruction 0 goes to DROP on an outcome, every kept
 * record had the other outcome. The range mirrors the evaluator's own
 * integer path (filter_eval.h, int_test): a TEST_K of kind signed or
 * unsigned compares the field and the constant as mathematical integers,
 * a TEST_RANGE is k <= field <= pool[len] in one kind. A bound that is
 * "none" is the extreme of all 64-bit values: INT64_MIN signed below,
 * UINT64_MAX unsigned above. */
#include <string.h>

#include "shm/filter.h"
#include "shm/layout.h"

void rm_filter_prefilter(struct rm_filter_prog *p)
{
	p->pre = 0;
	if (p->ninsn < 1 || p->ninsn > RM_FILTER_INSN_MAX || p->pool_len > RM_FILTER_POOL_MAX)
		return;
	const struct rm_filter_insn *in = &p->insn[0];
	if (in->a >= RM_FIELDS_MAX || in->kind > RM_FK_U || in->jt == in->jf)
		return;
	bool sk = in->kind == RM_FK_S;
	uint64_t lo = (uint64_t)INT64_MIN, hi = UINT64_MAX;
	uint32_t kinds = RM_FILTER_PRE_LO_S; /* the "none" bounds */
	if (in->op == RM_FOP_TEST_RANGE) {
		if (in->jf != RM_FILTER_DROP || in->len > RM_FILTER_POOL_MAX - 8)
			return; /* the outside of a range is not one */
		lo = in->k.u;
		memcpy(&hi, p->pool + in->len, 8);
		kinds = sk ? RM_FILTER_PRE_LO_S | RM_FILTER_PRE_HI_S : 0;
	} else if (in->op == RM_FOP_TEST_K) {
		static const uint8_t negate[] = { RM_FCMP_NE, RM_FCMP_EQ, RM_FCMP_GE,
						  RM_FCMP_GT, RM_FCMP_LE, RM_FCMP_LT };
		uint32_t how = in->cmp;
		if (how > RM_FCMP_GE)
			return;
		if (in->jt == RM_FILTER_DROP)
			how = negate[how]; /* kept records failed the test */
		else if (in->jf != RM_FILTER_DROP)
			return;
		uint64_t k = in->k.u;
		bool at_max = sk ? (int64_t)k == INT64_MAX : k == UINT64_MAX;
		bool at_min = sk ? (int64_t)k == INT64_MIN : k == 0;
		uint32_t ks = sk ? RM_FILTER_PRE_LO_S | RM_FILTER_PRE_HI_S : 0;
		switch (how) {
		case RM_FCMP_EQ: lo = hi = k; kinds = ks; break;
		case RM_FCMP_GE: lo = k; kinds = (ks & RM_FILTER_PRE_LO_S); break;
		case RM_FCMP_GT:
			if (at_max)
				return; /* nothing passes; leave it to the program */
			lo = k + 1; kinds = (ks & RM_FILTER_PRE_LO_S); break;
		case RM_FCMP_LE: hi = k; kinds = RM_FILTER_PRE_LO_S | (ks & RM_FILTER_PRE_HI_S); break;
		case RM_FCMP_LT:
			if (at_min)
				return;
			hi = k - 1; kinds = RM_FILTER_PRE_LO_S | (ks & RM_FILTER_PRE_HI_S); break;
		default:
			return; /* != is not a range */
		}
	} else {
		return;
	}
	uint32_t off = (p->pool_len + 7) & ~7u;
	if (off > RM_FILTER_POOL_MAX - 16)
		return; /* no room: no prefilter, the program still runs */
	memcpy(p->pool + off, &lo, 8);
	memcpy(p->pool + off + 8, &hi, 8);
	p->pool_len = off + 16;
	p->pre = RM_FILTER_PRE_ON | (uint64_t)in->a << 8 | (uint64_t)kinds << 16 | (uint64_t)off << 32;
}
