#include "shm/size.h"

uint64_t rm_parse_size(const char *s)
{
	uint64_t v = 0;
	if (!s || *s < '0' || *s > '9')
		return 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	unsigned shift = 0;
	switch (*s) {
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	}
	if (*s || (shift && v >> (64 - shift)))
		return 0;
	return v << shift;
}
