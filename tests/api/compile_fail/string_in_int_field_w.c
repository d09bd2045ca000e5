// The same under -w, which silences every warning: still an error.
// flags: -w
// expect: remora_trace: argument 2 .* does not fit its field
#include <stdint.h>
#include <remora/remora.h>
REMORA_EVENT(cf, ev, (uint64_t, id), (uint32_t, len), (const char *, path));
void f(void);
void f(void) { remora_trace(cf, ev, 1, "x", "p"); }
