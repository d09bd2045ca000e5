// A byte sequence takes remora_bytes_of(ptr, len), not a pointer.
// expect: remora_trace: argument 1 .* does not fit its field
// expect: incompatible type
#include <remora/remora.h>
REMORA_EVENT(cf, blob, (remora_bytes, data));
void f(void);
void f(void) { char buf[4] = { 0 }; remora_trace(cf, blob, buf); }
