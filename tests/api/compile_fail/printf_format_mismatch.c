// remora_printf arguments that do not match the format.
// expect: (expects argument of type|format specifies type)
#include <remora/remora.h>
void f(void);
void f(void) { remora_printf(cf, note, "n=%d s=%s", "str", 5); }
