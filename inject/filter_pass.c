/* The out-of-line path of a filtered event (remora.h, REMORA__FILTER_OK):
 * its enable byte names a filter program in the arena; run it on the
 * call's values before anything is reserved. The field types come from
 * the app's own event descriptor, never from the arena, so a program
 * written by someone else can pick which field to read but never how to
 * read it (shm/filter.h). Unfiltered events never come here. */
#include <remora/remora.h>

#include "inject/stub.h"
#include "shm/filter_eval.h"

/* what remora.h's inline prefilter assumes of a program (abi.h) */
_Static_assert(REMORA__PROG_SIZE == sizeof(struct rm_filter_prog), "REMORA__PROG_SIZE");
_Static_assert(REMORA__PROG_PRE == offsetof(struct rm_filter_prog, pre), "REMORA__PROG_PRE");
_Static_assert(REMORA__PROG_POOL == offsetof(struct rm_filter_prog, pool), "REMORA__PROG_POOL");
_Static_assert(REMORA__POOL_MAX == RM_FILTER_POOL_MAX, "REMORA__POOL_MAX");
_Static_assert(REMORA__PRE_ON == RM_FILTER_PRE_ON, "REMORA__PRE_ON");
_Static_assert(REMORA__PRE_BIAS == RM_FILTER_PRE_BIAS, "REMORA__PRE_BIAS");
_Static_assert(RM_ENABLE_FILTER_SHIFT == 2 && RM_FILTER_SLOTS == 63, "byte >> 2 names slots 1..63");

/* The full program, out of line so that the prefilter's path in
 * remora_filter_pass saves no registers and sets up no frame: a record
 * the prefilter drops costs 88 instructions in all (bench/filter_cg.sh),
 * 115 with the evaluator inline here, 146 with no prefilter. */
static __attribute__((noinline)) int run_program(const struct rm_filter_prog *p,
						 const struct remora_event *ev,
						 const void *const *vals)
{
	struct rm_filter_env env = { .nfields = ev->nfields, .types = &ev->fields[0].type,
				     .type_stride = sizeof(ev->fields[0]), .vals = vals };
	return rm_filter_run(p, &env, NULL);
}

__attribute__((visibility("default"))) int remora_filter_pass(struct remora_event *ev,
							       const void *const *vals)
{
	uint8_t on = *__atomic_load_n(&ev->enabled, __ATOMIC_RELAXED);
	uint32_t slot = on >> RM_ENABLE_FILTER_SHIFT; /* 1..63: a byte holds no more */
	/* slot 0: the byte changed since the macro read it (or `enabled` now
	 * points at remora_off). Otherwise the byte is in the arena, so the
	 * arena and its filter table are mapped. nfields is the compiler's,
	 * at most 16; the evaluator checks it anyway. */
	if (slot == 0)
		return 1;
	const struct rm_filter_prog *p = &rm_stub.arena.filters[slot - 1];
	/* the prefilter first: an id outside `id >= A && id < B` is dropped
	 * here in a few instructions; anything else runs the program */
	if (rm_filter_pre_drops(p, ev->nfields, &ev->fields[0].type, sizeof(ev->fields[0]), vals))
		return 0;
	return run_program(p, ev, vals);
}
