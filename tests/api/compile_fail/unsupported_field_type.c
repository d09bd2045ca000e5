// expect: field x has a type remora cannot record
#include <remora/remora.h>
struct foo { int a; };
REMORA_EVENT(cf, bad, (struct foo, x));
