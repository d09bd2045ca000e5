// A pointer where a bool goes: write p != NULL.
// flags: -w
// expect: remora_trace: argument 1 .* does not fit its field
#include <stdbool.h>
#include <remora/remora.h>
REMORA_EVENT(cf, flag, (bool, set));
void f(void);
void f(void) { int x; remora_trace(cf, flag, &x); }
