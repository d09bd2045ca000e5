// expect: (too many arguments for format|data argument not used by format string)
#include <remora/remora.h>
void f(void);
void f(void) { remora_printf(cf, note, "n=%d", 1, 2); }
