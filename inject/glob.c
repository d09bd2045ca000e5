/* REMORA_ENABLE="myapp:*,other:request": which events start enabled.
 * A small glob (* and ?) because fnmatch() may allocate. */
#include <string.h>

#include "stub.h"

bool rm_glob_match(const char *pat, size_t patlen, const char *str)
{
	size_t p = 0, s = 0, star = (size_t)-1, mark = 0;
	size_t slen = strlen(str);
	while (s < slen) {
		if (p < patlen && (pat[p] == '?' || pat[p] == str[s])) {
			p++, s++;
		} else if (p < patlen && pat[p] == '*') {
			star = p++;
			mark = s;
		} else if (star != (size_t)-1) {
			p = star + 1;
			s = ++mark;
		} else {
			return false;
		}
	}
	while (p < patlen && pat[p] == '*')
		p++;
	return p == patlen;
}

bool rm_enabled_by_env(const char *provider, const char *name)
{
	char full[RM_NAME_MAX + RM_EVENT_NAME_MAX + 1];
	size_t pl = strnlen(provider, RM_NAME_MAX - 1), nl = strnlen(name, RM_EVENT_NAME_MAX - 1);
	memcpy(full, provider, pl);
	full[pl] = ':';
	memcpy(full + pl + 1, name, nl);
	full[pl + 1 + nl] = 0;
	const char *p = rm_stub.enable_patterns;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len && rm_glob_match(p, len, full))
			return true;
		p += len + (e != NULL);
	}
	return false;
}
