/* The filter validator (shm/filter.h): follows every path of a program
 * once, forward only, keeping the stack depth each instruction starts
 * with; two paths that meet with different depths, an operand out of
 * range, or a field of the wrong type refuse the program. The consumer
 * runs it on what it compiled before writing it to the arena; the
 * evaluator does not rely on it (it checks as it runs). */
#include <stddef.h>

#include "shm/filter.h"
#include "shm/layout.h"

static bool numeric(uint8_t t)
{
	return t >= RM_T_U8 && t <= RM_T_F64;
}

static const char *operands(const struct rm_filter_prog *p, const struct rm_filter_insn *in,
			    uint32_t pc, uint32_t n, uint32_t nfields, const uint8_t *types, bool app)
{
	switch (in->op) {
	case RM_FOP_RET: case RM_FOP_NOT: case RM_FOP_BOOL:
		return NULL;
	case RM_FOP_FIELD:
		return in->a < nfields && numeric(types[in->a]) ? NULL : "field operand is not a number field";
	case RM_FOP_CTX:
		return app ? "context value in an app program" :
		       in->a < RM_FCTX_PROCNAME ? NULL : "bad context number";
	case RM_FOP_CTXSTR:
		if (app)
			return "context value in an app program";
		if (in->a != RM_FCTX_PROCNAME)
			return "bad context string";
		__attribute__((fallthrough));
	case RM_FOP_STR:
		if (in->op == RM_FOP_STR && !(in->a < nfields && types[in->a] == RM_T_STRING))
			return "string operand is not a string field";
		return in->c <= p->pool_len && in->b <= p->pool_len - in->c ? NULL : "string outside the pool";
	case RM_FOP_CONST_S: case RM_FOP_CONST_U: case RM_FOP_CONST_F:
		return p->pool_len >= 8 && in->c <= p->pool_len - 8 ? NULL : "constant outside the pool";
	case RM_FOP_CMP:
		return in->a <= RM_FCMP_GE ? NULL : "bad comparison";
	case RM_FOP_FCMP:
		if (!(in->a < nfields && numeric(types[in->a])))
			return "field operand is not a number field";
		if ((in->b & 0xff) > RM_FCMP_GE || (in->b >> 8) > 2)
			return "bad comparison";
		return p->pool_len >= 8 && in->c <= p->pool_len - 8 ? NULL : "constant outside the pool";
	case RM_FOP_JF: case RM_FOP_JT:
		return in->c > pc && in->c <= n ? NULL : "jump not forward";
	default:
		return "unknown instruction";
	}
}

/* How the stack changes: pops needed, then pushes. */
static void effect(uint8_t op, int *pop, int *push)
{
	*pop = *push = 0;
	switch (op) {
	case RM_FOP_CMP: *pop = 2, *push = 1; break;
	case RM_FOP_NOT: case RM_FOP_BOOL: *pop = 1, *push = 1; break;
	case RM_FOP_JF: case RM_FOP_JT: *pop = 1; break;
	case RM_FOP_RET: break;
	default: *push = 1; break;
	}
}

static const char *meet(int16_t *depth, uint32_t at, int d)
{
	if (depth[at] >= 0 && depth[at] != d)
		return "paths meet with different stack depths";
	depth[at] = (int16_t)d;
	return NULL;
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
	int16_t depth[RM_FILTER_INSN_MAX + 1];
	for (uint32_t i = 0; i <= n; i++)
		depth[i] = -1;
	depth[0] = 0;
	for (uint32_t pc = 0; pc < n; pc++) {
		if (depth[pc] < 0)
			continue; /* unreachable */
		const struct rm_filter_insn *in = &p->insn[pc];
		const char *why = operands(p, in, pc, n, nfields, types, app);
		if (why)
			return why;
		int d = depth[pc], pop, push;
		effect(in->op, &pop, &push);
		if (d < pop)
			return "stack underflow";
		if (in->op == RM_FOP_RET) {
			if (d != 1)
				return "RET without exactly one value";
			continue;
		}
		if (in->op == RM_FOP_JF || in->op == RM_FOP_JT) {
			if ((why = meet(depth, in->c, d)))
				return why;
		}
		d = d - pop + push;
		if (d > RM_FILTER_STACK)
			return "stack overflow";
		if ((why = meet(depth, pc + 1, d)))
			return why;
	}
	if (depth[n] >= 0 && depth[n] != 1)
		return "program ends without exactly one value";
	return NULL;
}
