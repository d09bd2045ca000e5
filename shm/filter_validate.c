/* The filter validator (shm/filter.h): every instruction's operands in
 * range and of the right type for the event, every target forward or
 * KEEP/DROP. The consumer runs it on what it compiled before writing it
 * to the arena, and on what it would hand the app; the evaluator does not
 * rely on it (it checks as it runs). */
#include <stddef.h>

#include "shm/filter.h"
#include "shm/layout.h"

static bool numeric(uint8_t t)
{
	return t >= RM_T_U8 && t <= RM_T_F64;
}

static const char *operand(uint32_t o, uint32_t nfields, const uint8_t *types, bool app, bool str)
{
	if (o & RM_FOPND_CTX) {
		o &= ~(uint32_t)RM_FOPND_CTX;
		if (app)
			return "context value in an app program";
		if (o >= RM_FCTX_COUNT || (o == RM_FCTX_PROCNAME) != str)
			return "bad context operand";
		return NULL;
	}
	if (o >= nfields)
		return "field operand out of range";
	if (str ? types[o] != RM_T_STRING : !numeric(types[o]))
		return str ? "string test on a field that is not a string" :
			     "number test on a field that is not a number";
	return NULL;
}

static const char *check(const struct rm_filter_prog *p, const struct rm_filter_insn *in,
			 uint32_t nfields, const uint8_t *types, bool app)
{
	const char *why;
	switch (in->op) {
	case RM_FOP_TEST_K:
		if (in->kind > RM_FK_F || in->cmp > RM_FCMP_GE)
			return "bad comparison or constant kind";
		return operand(in->a, nfields, types, app, false);
	case RM_FOP_TEST_V:
		if (in->cmp > RM_FCMP_GE || in->k.u > 0xff)
			return "bad comparison or operand";
		if ((why = operand(in->a, nfields, types, app, false)))
			return why;
		return operand((uint32_t)in->k.u, nfields, types, app, false);
	case RM_FOP_TEST_STR:
		if (in->cmp > RM_FCMP_NE)
			return "a string test is == or !=";
		if (in->k.u > p->pool_len || in->len > p->pool_len - in->k.u)
			return "string outside the pool";
		return operand(in->a, nfields, types, app, true);
	case RM_FOP_TEST_NZ:
		return operand(in->a, nfields, types, app, false);
	case RM_FOP_TEST_CONST:
		return in->a <= 1 ? NULL : "bad constant test";
	case RM_FOP_TEST_RANGE:
		if (in->kind > RM_FK_U || p->pool_len < 8 || in->len > p->pool_len - 8)
			return "bad range bound";
		if (in->a >= nfields || types[in->a] < RM_T_U8 || types[in->a] > RM_T_S64)
			return "range test on a field that is not an integer";
		return NULL;
	default:
		return "unknown instruction";
	}
}

static bool target_ok(uint32_t t, uint32_t pc, uint32_t n)
{
	return t == RM_FILTER_KEEP || t == RM_FILTER_DROP || (t > pc && t < n);
}

const char *rm_filter_validate(const struct rm_filter_prog *p, uint32_t nfields,
			       const uint8_t *types, bool app)
{
	uint32_t n = p->ninsn;
	if (n == 0 || n > RM_FILTER_INSN_MAX)
		return "instruction count out of range";
	if (p->pool_len > RM_FILTER_POOL_MAX)
		return "pool length out of range";
	if (nfields > RM_FIELDS_MAX)
		return "too many fields";
	if (p->pre) { /* the app checks it again; this catches a compiler bug */
		uint32_t f = (p->pre >> 8) & 0xff, off = (uint32_t)(p->pre >> 32);
		if ((p->pre & 0xff) != RM_FILTER_PRE_ON || f >= nfields ||
		    types[f] != ((p->pre >> 16) & 0xff) ||
		    types[f] < RM_T_U8 || types[f] > RM_T_S64 || off > p->pool_len ||
		    p->pool_len - off < 16)
			return "prefilter out of range";
	}
	for (uint32_t pc = 0; pc < n; pc++) {
		const struct rm_filter_insn *in = &p->insn[pc];
		const char *why = check(p, in, nfields, types, app);
		if (why)
			return why;
		if (!target_ok(in->jt, pc, n) || !target_ok(in->jf, pc, n))
			return "jump target not forward";
	}
	return NULL;
}
