// A string where an integer field goes.
// expect: remora_trace: argument 2 .* does not fit its field
// expect: (makes integer from pointer|incompatible pointer to integer conversion)
#include <stdint.h>
#include <remora/remora.h>
REMORA_EVENT(cf, ev, (uint64_t, id), (uint32_t, len), (const char *, path));
void f(void);
void f(void) { remora_trace(cf, ev, 1, "x", "p"); }
