/* The LTTng-UST side of the comparison: the same events as workload.c's
 * REMORA_EVENTs (two integers; two integers and a string), statically
 * linked into the workload like remora's. */
#undef TRACEPOINT_PROVIDER
#define TRACEPOINT_PROVIDER bench

#undef TRACEPOINT_INCLUDE
#define TRACEPOINT_INCLUDE "./lttng_tp.h"

#if !defined(BENCH_LTTNG_TP_H) || defined(TRACEPOINT_HEADER_MULTI_READ)
#define BENCH_LTTNG_TP_H

#include <stdint.h>
#include <lttng/tracepoint.h>

TRACEPOINT_EVENT(bench, ints,
	TP_ARGS(uint64_t, id, uint32_t, len),
	TP_FIELDS(ctf_integer(uint64_t, id, id) ctf_integer(uint32_t, len, len)))

TRACEPOINT_EVENT(bench, str,
	TP_ARGS(uint64_t, id, uint32_t, len, const char *, path),
	TP_FIELDS(ctf_integer(uint64_t, id, id) ctf_integer(uint32_t, len, len)
		  ctf_string(path, path)))

#endif

#include <lttng/tracepoint-event.h>
