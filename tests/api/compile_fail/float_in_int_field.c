// A floating value where an integer field goes (C would truncate it).
// expect: remora_trace: argument 1 .* does not fit its field
#include <stdint.h>
#include <remora/remora.h>
REMORA_EVENT(cf, ev, (uint64_t, id), (uint32_t, len), (const char *, path));
void f(void);
void f(void) { double x = 1.5; remora_trace(cf, ev, x, 2, "p"); }
