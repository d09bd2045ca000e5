// A struct pointer where a string field goes.
// expect: remora_trace: argument 3 .* does not fit its field
// expect: incompatible pointer type
#include <stdint.h>
#include <remora/remora.h>
REMORA_EVENT(cf, ev, (uint64_t, id), (uint32_t, len), (const char *, path));
void f(void);
struct foo { int a; };
void f(void) { struct foo *p = 0; remora_trace(cf, ev, 1, 2, p); }
