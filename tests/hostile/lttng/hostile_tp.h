/* The LTTng-UST side of tests/hostile/compare-lttng.sh: one generic event
 * for every remora event of the scenarios (all of them have at most three
 * integer fields), with the remora event's "provider:name" as a string and
 * its fields in order as a, b, c (0 when the event has fewer). hostile.h's
 * USE_LTTNG branch maps remora_trace() onto it; hostile_tp.c holds the
 * probes, linked into each scenario's LTTng build. */
#undef TRACEPOINT_PROVIDER
#define TRACEPOINT_PROVIDER hostile

#undef TRACEPOINT_INCLUDE
#define TRACEPOINT_INCLUDE "./hostile_tp.h"

#if !defined(HOSTILE_LTTNG_TP_H) || defined(TRACEPOINT_HEADER_MULTI_READ)
#define HOSTILE_LTTNG_TP_H

#include <stdint.h>
#include <lttng/tracepoint.h>

TRACEPOINT_EVENT(hostile, ev,
	TP_ARGS(const char *, name, int64_t, a, int64_t, b, int64_t, c),
	TP_FIELDS(ctf_string(name, name) ctf_integer(int64_t, a, a) ctf_integer(int64_t, b, b)
		  ctf_integer(int64_t, c, c)))

#endif

#include <lttng/tracepoint-event.h>
