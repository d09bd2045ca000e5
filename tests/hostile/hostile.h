/* Shared by every hostile scenario program. Each program is built twice
 * from the same source: NAME, linked with libremora, and NAME_plain, with
 * -DNO_REMORA and no tracer anywhere in the process. NO_REMORA turns the
 * API into no-ops that still "use" their arguments (inside if (0)), so both
 * builds compile the same code with the same warnings and the plain build
 * is what the program is when nobody traces it. */
#ifndef HOSTILE_H
#define HOSTILE_H

#ifdef NO_REMORA
__attribute__((unused)) static inline void hostile__nop(int x, ...)
{
	(void)x;
}
#define REMORA_EVENT(prov, name, ...) _Static_assert(1, "")
#define remora_trace(prov, name, ...)                                                       \
	do {                                                                                \
		if (0)                                                                      \
			hostile__nop(0, ##__VA_ARGS__);                                     \
	} while (0)
#define remora_printf(prov, name, fmt, ...)                                                 \
	do {                                                                                \
		if (0)                                                                      \
			hostile__nop(0, fmt, ##__VA_ARGS__);                                \
	} while (0)
#define remora_enabled(prov, name) 0
#define HOSTILE_TRACED 0
#else
#include <remora/remora.h>
#define HOSTILE_TRACED 1
#endif

/* USE_LTTNG (built with NO_REMORA too, only by compare-lttng.sh): the same
 * calls go to one generic LTTng-UST event, hostile:ev { name = "prov:name",
 * a, b, c }, the event's integer fields in order (lttng/hostile_tp.h). */
#if defined(USE_LTTNG) && defined(NO_REMORA)
#include <stdint.h>
#include "hostile_tp.h"
#undef remora_trace
#undef remora_printf
#undef remora_enabled
#undef HOSTILE_TRACED
#define HOSTILE__PICK(z, a, b, c, extra, ...) (int64_t)(a), (int64_t)(b), (int64_t)(c)
#define HOSTILE__ARGS(...) HOSTILE__PICK(0, ##__VA_ARGS__, 0, 0, 0, 0, 0)
#define HOSTILE__COUNT(...) (sizeof((int[]){ 0, ##__VA_ARGS__ }) / sizeof(int) - 1)
#define remora_trace(prov, name, ...)                                                       \
	do {                                                                                \
		_Static_assert(HOSTILE__COUNT(__VA_ARGS__) <= 3, "at most 3 fields");       \
		tracepoint(hostile, ev, #prov ":" #name, HOSTILE__ARGS(__VA_ARGS__));       \
	} while (0)
#define remora_printf(prov, name, fmt, ...)                                                 \
	do {                                                                                \
		tracepoint(hostile, ev, #prov ":" #name, 0, 0, 0);                          \
		if (0)                                                                      \
			hostile__nop(0, fmt, ##__VA_ARGS__);                                \
	} while (0)
#define remora_enabled(prov, name) tracepoint_enabled(hostile, ev)
#define HOSTILE_TRACED 1
#endif

#endif
