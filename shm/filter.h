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
 * A program is a decision graph, as in classic BPF: each instruction is one
 * test (a comparison, a glob match, "not zero") and names the instruction
 * to go to when it is true and when it is false, or RM_FILTER_KEEP /
 * RM_FILTER_DROP to stop. `a && b` is "a: true -> b, false -> DROP", `!`
 * swaps the two targets. No stack, no values carried between tests.
 *
 * Bounds: every target is after the instruction that names it, so at most
 * RM_FILTER_INSN_MAX tests run; every glob match spends from a budget of
 * RM_FILTER_STEP_MAX character steps shared by the whole program. No loop
 * runs longer, nothing is allocated, no syscall is made: it runs on the
 * app's fast path.
 *
 * An operand (`a`, and `k.u` of TEST_V) is a field number (0..15), or
 * RM_FOPND_CTX | enum rm_filter_ctx for a context value (consumer only).
 * Instructions (16 bytes):
 *   TEST_K   a=operand cmp kind k      operand CMP constant k (kind: signed,
 *                                      unsigned, double)
 *   TEST_V   a=operand cmp k.u=operand operand CMP operand
 *   TEST_STR a=operand cmp(EQ/NE) len k.u=pool offset
 *                                      the string operand matches the glob
 *                                      pool[off, off+len) (or does not)
 *   TEST_NZ  a=operand                 operand != 0
 *   TEST_CONST a=0|1                   always false / always true
 *   TEST_RANGE a=field kind k len=pool offset
 *                                      k <= integer field <= the 8-byte
 *                                      constant at pool[len] (both of kind
 *                                      signed or unsigned): `x >= A && x < B`
 *                                      in one test
 * then jt or jf. Globs: `*` matches any run of characters, `\*` a literal
 * star, `\\` a backslash; anything else matches itself. */
#ifndef REMORA_SHM_FILTER_H
#define REMORA_SHM_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#define RM_FILTER_SLOTS 63      /* programs per arena: enable byte >> 2, 1..63 */
#define RM_FILTER_INSN_MAX 64
#define RM_FILTER_POOL_MAX 1008
#define RM_FILTER_STEP_MAX 65536 /* character steps of all glob matches */
#define RM_ENABLE_FILTER_SHIFT 2 /* enable byte: bits 0-1 on/early, 2-7 filter slot */
#define RM_FILTER_KEEP 0xfe      /* jump targets that stop */
#define RM_FILTER_DROP 0xff
#define RM_FOPND_CTX 0x80        /* operand: a context value, not a field */

enum rm_filter_op {
	RM_FOP_TEST_K = 1, RM_FOP_TEST_V, RM_FOP_TEST_STR, RM_FOP_TEST_NZ, RM_FOP_TEST_CONST,
	RM_FOP_TEST_RANGE,
	RM_FOP_COUNT
};

enum rm_filter_cmp { RM_FCMP_EQ = 0, RM_FCMP_NE, RM_FCMP_LT, RM_FCMP_LE, RM_FCMP_GT, RM_FCMP_GE };
enum rm_filter_kind { RM_FK_S = 0, RM_FK_U, RM_FK_F };

/* Context values a filter may read ($ctx.NAME). Only the consumer has
 * them: a program that reads one is never given to the app. */
enum rm_filter_ctx { RM_FCTX_PID = 0, RM_FCTX_TID, RM_FCTX_VPID, RM_FCTX_VTID, RM_FCTX_PROCNAME,
		     RM_FCTX_COUNT };

struct rm_filter_insn {
	uint8_t op, a, cmp, kind;
	uint8_t jt, jf;
	uint16_t len;
	union {
		int64_t i;
		uint64_t u;
		double d;
	} k;
};

/* The prefilter (`pre` of a program): a range one integer field must be
 * in for the program to keep a record, derived from a first test that
 * goes to DROP when it fails (`id >= 1000 && id < 2000 && ...`). The app
 * checks it before the evaluator (inject/filter_pass.c) and drops out of
 * range records there. Like the program it is advice from the arena: the
 * app reads the field in its own descriptor's type, uses the prefilter
 * only when that type is the one it was made for, bounds-checks the field
 * number and pool offset, and on anything that does not check out runs
 * the full program; a wrong prefilter can only drop what a wrong program
 * could. The word is 0 (none) when written by a consumer that predates
 * it. Layout of the 64-bit word:
 *   bits 0-7   RM_FILTER_PRE_ON
 *   bits 8-15  field number
 *   bits 16-23 the field's type (enum rm_type, an integer) the bounds are for
 *   bits 32-63 pool offset of two 8-byte words: lo, then span
 * Kept: (v - lo) <= span in uint64_t, v being the field's value as an
 * unsigned 64-bit value, with the sign bit flipped for a signed type (an
 * order-preserving map: one compare does both bounds). */
#define RM_FILTER_PRE_ON 0xa5
#define RM_FILTER_PRE_BIAS 0x8000000000000000ull /* the flip of a signed value */

/* One program, 2 KiB. In the arena: written by the consumer before it
 * stores an enable byte that names its slot; read by producers. */
struct rm_filter_prog {
	uint32_t ninsn;
	uint32_t pool_len;
	uint64_t pre; /* the prefilter, above; 0 for none */
	struct rm_filter_insn insn[RM_FILTER_INSN_MAX];
	uint8_t pool[RM_FILTER_POOL_MAX];
};

_Static_assert(sizeof(struct rm_filter_insn) == 16, "filter insn ABI");
_Static_assert(sizeof(struct rm_filter_prog) == 2048, "filter prog ABI");

/* What a program runs against. vals[i] points to field i's value in its
 * C type (a string field: to a `const char *`, NULL read as ""). The type
 * of field i (enum rm_type) is the byte at types + i * type_stride (0 is
 * read as 1), from a source the caller trusts (the app's own event
 * descriptor, read in place; the consumer's validated catalog copy),
 * never the program. */
struct rm_filter_env {
	uint32_t nfields;
	uint32_t type_stride;
	const uint8_t *types;
	const void *const *vals;
	const struct rm_filter_ctxv *ctx; /* consumer side only; NULL in the app */
};

struct rm_filter_ctxv {
	int64_t num[RM_FCTX_COUNT];      /* numeric contexts, by enum rm_filter_ctx */
	const char *procname;
};

/* 1 keep, 0 drop. *steps (may be NULL) gets the steps spent: tests run
 * plus glob characters compared, never above
 * RM_FILTER_INSN_MAX + RM_FILTER_STEP_MAX. */
int rm_filter_eval(const struct rm_filter_prog *p, const struct rm_filter_env *env,
		   uint32_t *steps);

/* Checks a program against an event's field types before it is used:
 * NULL when it is well formed (operands in range and of the right type,
 * every target forward or KEEP/DROP), else why not (static text). `app`
 * refuses context operands. */
const char *rm_filter_validate(const struct rm_filter_prog *p, uint32_t nfields,
			       const uint8_t *types, bool app);

/* Sets p->pre from p's first instruction when that is an integer test
 * (TEST_K or TEST_RANGE, kind signed or unsigned) on a field whose type
 * (types[field], nfields of them) is an integer, that goes to DROP on the
 * one outcome a range can express, and there is room for the two words
 * in the pool; else leaves p->pre 0. The compiler calls it; a program
 * that keeps a record always passed its first test, so the prefilter
 * never drops what the program keeps. */
void rm_filter_prefilter(struct rm_filter_prog *p, uint32_t nfields, const uint8_t *types);

#endif
