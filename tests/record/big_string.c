/* Ten rounds of a small event and one with a 1 MiB string field: a record
 * larger than any chunk must be counted lost (or kept whole), and never
 * cost the small events around it. */
#include <stdlib.h>
#include <string.h>

#include <remora/remora.h>

REMORA_EVENT(big, tick, (int, n));
REMORA_EVENT(big, str, (int, n), (const char *, s));

int main(void)
{
	size_t len = 1 << 20;
	char *s = malloc(len + 1);
	if (!s)
		return 1;
	memset(s, 'x', len);
	s[len] = 0;
	for (int i = 0; i < 10; i++) {
		remora_trace(big, tick, i);
		remora_trace(big, str, i, s);
	}
	free(s);
	return 0;
}
