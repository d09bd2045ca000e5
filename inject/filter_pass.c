/* The out-of-line path of a filtered event (remora.h, REMORA__FILTER_OK):
 * its enable byte names a filter program in the arena; run it on the
 * call's values before anything is reserved. The field types come from
 * the app's own event descriptor, never from the arena, so a program
 * written by someone else can pick which field to read but never how to
 * read it (shm/filter.h). Unfiltered events never come here. */
#include <remora/remora.h>

#include "inject/stub.h"
#include "shm/filter.h"

__attribute__((visibility("default"))) int remora_filter_pass(struct remora_event *ev,
							       const void *const *vals)
{
	uint8_t on = *__atomic_load_n(&ev->enabled, __ATOMIC_RELAXED);
	uint32_t slot = on >> RM_ENABLE_FILTER_SHIFT; /* 1..63: a byte holds no more */
	const struct rm_arena *a = &rm_stub.arena;
	if (slot == 0 || !a->filters)
		return 1;
	uint32_t n = ev->nfields < RM_FIELDS_MAX ? ev->nfields : RM_FIELDS_MAX;
	struct rm_filter_env env = { .nfields = n, .types = &ev->fields[0].type,
				     .type_stride = sizeof(ev->fields[0]), .vals = vals };
	return rm_filter_eval(&a->filters[slot - 1], &env, NULL);
}
