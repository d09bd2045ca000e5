// long double has no field type.
// flags: -w
// expect: remora_printf: argument 1 .* has a type remora cannot record
#include <remora/remora.h>
void f(void);
void f(void) { long double x = 1; remora_printf(cf, note, "x=%Lf", x); }
