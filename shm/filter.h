/* Filter bytecode: what `--filter 'EXPR'` compiles to (ctl/filter/), what
 * the consumer writes into the arena's filter table, and what the app runs
 * before it reserves a record (inject/filter_pass.c) and the consumer runs
 * on the records it drains (ctl/consumer/consumer_filter.c).
 *
 * Anyone of the same uid can write the arena, so the evaluator trusts no
 * byte of a program: every instruction is loaded once and checked before
 * use (field index below the event's own field count, stack depth, pool
 * offsets, forward jumps only). A malformed program gives an answer, never
 * a crash or a read outside the event's fields and the program's pool; on
 * anything it cannot run, the answer is "keep" (the record is not lost;
 * the consumer's own copy of the filter still decides what is written).
 *
 * Bounds: the program counter only moves forward, so at most
 * RM_FILTER_INSN_MAX instructions run; every string comparison spends
 * from a budget of RM_FILTER_STEP_MAX character steps shared by the whole
 * program; the stack holds RM_FILTER_STACK values. No loop runs longer,
 * nothing is allocated, no syscall is made: it runs on the app's fast path.
 *
 * Instruction set (8 bytes: op, a, b, c). Values on the stack are numbers
 * (signed or unsigned 64-bit integers, doubles); strings are only ever
 * compared with a literal glob from the pool, by one instruction.
 *   FIELD  a=field            push the field's value (integer, bool, float)
 *   CTX    a=RM_FCTX_*        push a numeric context value (consumer only)
 *   CONST_S/CONST_U/CONST_F c=pool offset of 8 bytes
 *   STR    a=field b=len c=off  push 1 if the string field matches the glob
 *   CTXSTR a=RM_FCTX_PROCNAME   same with a context string (consumer only)
 *   CMP    a=RM_FCMP_*        pop y, x; push x OP y
 *   NOT                       top = !top       BOOL  top = top != 0
 *   JF c=target               top false: jump, keeping it; else pop  (&&)
 *   JT c=target               top true: jump, keeping it; else pop   (||)
 *   RET                       the answer is top != 0
 *   FCMP a=field b=cmp|kind<<8 c=off   push field CMP constant (kind 0 signed,
 *                             1 unsigned, 2 double): FIELD, CONST_*, CMP in one
 * Falling off the end is RET. Globs: `*` matches any run of characters,
 * `\*` a literal star, `\\` a backslash; anything else matches itself. */
#ifndef REMORA_SHM_FILTER_H
#define REMORA_SHM_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#define RM_FILTER_SLOTS 63      /* programs per arena: enable byte >> 2, 1..63 */
#define RM_FILTER_INSN_MAX 64
#define RM_FILTER_POOL_MAX 496
#define RM_FILTER_STACK 16
#define RM_FILTER_STEP_MAX 65536 /* character steps of all string matches */
#define RM_ENABLE_FILTER_SHIFT 2 /* enable byte: bits 0-1 on/early, 2-7 filter slot */

enum rm_filter_op {
	RM_FOP_RET = 0,
	RM_FOP_FIELD, RM_FOP_CTX, RM_FOP_CONST_S, RM_FOP_CONST_U, RM_FOP_CONST_F,
	RM_FOP_STR, RM_FOP_CTXSTR, RM_FOP_CMP, RM_FOP_NOT, RM_FOP_BOOL, RM_FOP_JF, RM_FOP_JT,
	RM_FOP_FCMP,
	RM_FOP_COUNT
};

enum rm_filter_cmp { RM_FCMP_EQ = 0, RM_FCMP_NE, RM_FCMP_LT, RM_FCMP_LE, RM_FCMP_GT, RM_FCMP_GE };

/* Context values a filter may read ($ctx.NAME). Only the consumer has
 * them: a program that reads one is never given to the app. */
enum rm_filter_ctx { RM_FCTX_PID = 0, RM_FCTX_TID, RM_FCTX_VPID, RM_FCTX_VTID, RM_FCTX_PROCNAME,
		     RM_FCTX_COUNT };

struct rm_filter_insn {
	uint8_t op, a;
	uint16_t b;
	uint32_t c;
};

/* One program, 1 KiB. In the arena: written by the consumer before it
 * stores an enable byte that names its slot; read by producers. */
struct rm_filter_prog {
	uint32_t ninsn;
	uint32_t pool_len;
	uint64_t reserved;
	struct rm_filter_insn insn[RM_FILTER_INSN_MAX];
	uint8_t pool[RM_FILTER_POOL_MAX];
};

_Static_assert(sizeof(struct rm_filter_insn) == 8, "filter insn ABI");
_Static_assert(sizeof(struct rm_filter_prog) == 1024, "filter prog ABI");

/* What a program runs against. vals[i] points to field i's value in its
 * C type (a string field: to a `const char *`, NULL read as ""). types[i]
 * is enum rm_type, from a source the caller trusts (the app's own event
 * descriptor; the consumer's validated catalog copy), never the program. */
struct rm_filter_env {
	uint32_t nfields;
	const uint8_t *types;
	const void *const *vals;
	bool has_ctx;                    /* consumer side only */
	int64_t ctx[RM_FCTX_COUNT];      /* numeric contexts */
	const char *procname;
};

/* 1 keep, 0 drop. *steps (may be NULL) gets the steps spent: instructions
 * run plus string characters compared, never above
 * RM_FILTER_INSN_MAX + RM_FILTER_STEP_MAX. */
int rm_filter_eval(const struct rm_filter_prog *p, const struct rm_filter_env *env,
		   uint32_t *steps);

/* Checks a program against an event's field types before it is used:
 * NULL when every path is well formed (operands in range, types right,
 * the stack never under- or overflows, exactly one value at RET), else
 * why not (static text). `app` refuses context instructions. */
const char *rm_filter_validate(const struct rm_filter_prog *p, uint32_t nfields,
			       const uint8_t *types, bool app);

#endif
