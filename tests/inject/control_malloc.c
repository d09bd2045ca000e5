/* A control for check_symbols.sh: a library that does call malloc. */
#include <stdlib.h>
void *control_uses_malloc(size_t n);
void *control_uses_malloc(size_t n)
{
	return malloc(n);
}
