/* Must compile with -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes:
 * every use the type rules in remora.h accept, so the compile-fail tests
 * above fail for their one reason. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <remora/remora.h>

REMORA_EVENT(cf, ev, (uint64_t, id), (uint32_t, len), (const char *, path));
REMORA_EVENT(cf, none);
REMORA_EVENT(cf, mixed, (bool, b), (char *, s), (remora_bytes, blob), (float, f), (double, d),
	     (int8_t, i8), (const void *, addr), (size_t, sz), (ssize_t, ssz), (char, c),
	     (unsigned short, us), (long long, ll), (int16_t, s16), (uint8_t, u8), (long, l),
	     (unsigned, u));

enum color { RED, GREEN };
struct conn { int fd; };

/* A global named like a field: no -Wshadow from the event's parameters. */
int id;

void f(const char *cpath, char *path, const struct conn *c, enum color col, double ratio);
void f(const char *cpath, char *path, const struct conn *c, enum color col, double ratio)
{
	char buf[8] = "abc";
	uint8_t raw[3] = { 1, 2, 3 };
	remora_trace(cf, ev, 1, 2, cpath);
	remora_trace(cf, ev, (uint64_t)c->fd, sizeof(buf), path);   /* char * for const char * */
	remora_trace(cf, ev, col, 'x', buf);                         /* enum, char; array */
	remora_trace(cf, ev, 1, 2, "literal");
	remora_trace(cf, ev, 1, 2, NULL);                            /* recorded as "" */
	remora_trace(cf, none);
	remora_trace(cf, mixed, c != NULL, path, remora_bytes_of(raw, sizeof(raw)), 1, ratio, -1, c,
		     sizeof(raw), -1, 'c', 1, 1, 1, 1, 1L, 1u);
	remora_trace(cf, mixed, true, buf, remora_bytes_of(NULL, 0), 2.5f, 3, 'a', &buf, 0, 0, 0,
		     0, 0, 0, 0, 0, 0);
	remora_printf(cf, note, "id=%lu path=%s n=%d x=%f c=%c p=%p b=%d", (unsigned long)1, cpath,
		      col, ratio, 'c', (const void *)c, true);
	remora_printf(cf, mark, "no fields");
	if (remora_enabled(cf, ev))
		remora_trace(cf, ev, 1, 2, "enabled");
}
