/* REMORA_ENABLE="myapp:*,other:request": which events start enabled,
 * matched with the one glob of shm/glob.h. */
#include <string.h>

#include "inject/stub.h"
#include "shm/glob.h"

bool rm_enabled_by_env(const char *patterns, const char *provider, const char *name)
{
	char full[RM_NAME_MAX + RM_EVENT_NAME_MAX + 1];
	size_t pl = strnlen(provider, RM_NAME_MAX - 1), nl = strnlen(name, RM_EVENT_NAME_MAX - 1);
	memcpy(full, provider, pl);
	full[pl] = ':';
	memcpy(full + pl + 1, name, nl);
	full[pl + 1 + nl] = 0;
	const char *p = patterns;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len && rm_glob_match(p, len, full))
			return true;
		p += len + (e != NULL);
	}
	return false;
}
