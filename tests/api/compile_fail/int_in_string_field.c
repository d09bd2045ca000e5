// An integer where a string field goes.
// expect: remora_trace: argument 3 .* does not fit its field
// expect: (makes pointer from integer|incompatible integer to pointer conversion)
#include <stdint.h>
#include <remora/remora.h>
REMORA_EVENT(cf, ev, (uint64_t, id), (uint32_t, len), (const char *, path));
void f(void);
void f(void) { remora_trace(cf, ev, 1, 2, 3); }
