#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shm/env.h"
#include "shm/rsys.h"
#include "shm/socket_path.h"

/* Concatenates parts into buf, cut at size - 1. */
static void join(char *buf, size_t size, const char *const *parts)
{
	size_t n = 0;
	for (int i = 0; parts[i]; i++) {
		size_t l = strnlen(parts[i], size - 1 - n);
		memcpy(buf + n, parts[i], l);
		n += l;
	}
	buf[n] = 0;
}

void rm_socket_path(char *buf, size_t size)
{
	const char *env = rm_getenv("REMORA_SOCKET");
	if (env && *env) {
		join(buf, size, (const char *const[]){ env, NULL });
		return;
	}
	/* 108: sun_path; the XDG path only when the whole of it fits */
	const char *rt = rm_getenv("XDG_RUNTIME_DIR");
	if (rt && *rt && strlen(rt) + 20 < 108) {
		join(buf, size, (const char *const[]){ rt, "/remora/remorad.sock", NULL });
		return;
	}
	char uid[12], *p = uid + sizeof(uid);
	/* a setuid program's default is its effective uid's, never the
	 * socket of the user who started it */
	unsigned long u = (unsigned long)rsys(rm_env_secure() ? SYS_geteuid : SYS_getuid);
	*--p = 0;
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10));
	join(buf, size, (const char *const[]){ "/tmp/remora-", p, "/remorad.sock", NULL });
}
