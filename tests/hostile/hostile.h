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

#endif
