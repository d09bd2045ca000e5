/* The LTTng-UST side of bench/load.c: the same event as its REMORA_EVENT
 * (load:ev, a uint64_t and a uint32_t), statically linked into the program
 * like remora's. A provider of its own ("load", not workload.c's "bench"),
 * so a load run and a bench/run.sh run on the same session daemon do not
 * record each other's events. */
#undef TRACEPOINT_PROVIDER
#define TRACEPOINT_PROVIDER load

#undef TRACEPOINT_INCLUDE
#define TRACEPOINT_INCLUDE "./load_tp.h"

#if !defined(BENCH_LOAD_TP_H) || defined(TRACEPOINT_HEADER_MULTI_READ)
#define BENCH_LOAD_TP_H

#include <stdint.h>
#include <lttng/tracepoint.h>

TRACEPOINT_EVENT(load, ev,
	TP_ARGS(uint64_t, id, uint32_t, k),
	TP_FIELDS(ctf_integer(uint64_t, id, id) ctf_integer(uint32_t, k, k)))

#endif

#include <lttng/tracepoint-event.h>
