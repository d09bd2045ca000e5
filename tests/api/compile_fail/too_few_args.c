// expect: too few arguments to function
#include <stdint.h>
#include <remora/remora.h>
REMORA_EVENT(cf, ev, (uint64_t, id), (uint32_t, len), (const char *, path));
void f(void);
void f(void) { remora_trace(cf, ev, 1, 2); }
