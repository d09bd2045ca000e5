// Only char pointers are strings.
// flags: -w
// expect: remora_trace: argument 3 .* does not fit its field
#include <stdint.h>
#include <remora/remora.h>
REMORA_EVENT(cf, ev, (uint64_t, id), (uint32_t, len), (const char *, path));
void f(void);
void f(void) { unsigned char *p = 0; remora_trace(cf, ev, 1, 2, p); }
