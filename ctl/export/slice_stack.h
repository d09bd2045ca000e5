/* Per-thread state of the exporters: which slices are open, so that every
 * exported begin has its end on the same thread in nesting order (what
 * Perfetto's TYPE_SLICE_BEGIN/END and Chrome's B/E require), whatever the
 * trace holds: an end that does not close the innermost open slice of its
 * name (the trace started inside a function, events were lost...) is
 * exported as an instant, not as an end that would close the wrong slice.
 * Open slices are kept to a depth of SLICE_DEPTH_MAX; deeper begins, and
 * their ends, become instants. */
#ifndef REMORA_CTL_EXPORT_SLICE_STACK_H
#define REMORA_CTL_EXPORT_SLICE_STACK_H

#include <stdint.h>

#include "ctl/export/event_class.h"
#include "ctl/export/u64_map.h"

#define SLICE_DEPTH_MAX 1024

struct rmx_thread {
	uint32_t pid, tid;
	uint64_t uuid;        /* Perfetto track; 0 until described */
	uint32_t depth, cap, overflow;
	uint64_t *stack;      /* slice_key of each open slice, innermost last */
};

struct rmx_threads {
	struct u64_map index; /* pid << 32 | tid -> 1 + position in v */
	struct rmx_thread *v;
	size_t n, cap;
};

/* The thread's state, created on first sight; NULL when out of memory. */
struct rmx_thread *rmx_thread_get(struct rmx_threads *t, uint32_t pid, uint32_t tid);
/* What event class k does on thread th: RMX_BEGIN, RMX_END, RMX_COUNTER or
 * RMX_INSTANT (which includes the begins and ends that cannot be paired). */
enum rmx_kind rmx_slice_step(struct rmx_thread *th, const struct rmx_class *k);
void rmx_threads_free(struct rmx_threads *t);

#endif
