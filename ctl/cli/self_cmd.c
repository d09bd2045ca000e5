/* How to call this program in a hint such as "view it with: remora view
 * DIR": "remora" when that name on PATH is this program, else its full
 * path (a build tree's ./build/default/ctl/remora is not on PATH). */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/cli/self_cmd.h"

const char *rm_self_command(void)
{
	static char self[PATH_MAX];
	if (self[0])
		return self;
	char *me = realpath("/proc/self/exe", NULL);
	if (!me)
		return "remora";
	const char *path = getenv("PATH");
	for (const char *d = path; d && *d;) {
		size_t n = strcspn(d, ":");
		char cand[PATH_MAX];
		if (n && snprintf(cand, sizeof(cand), "%.*s/remora", (int)n, d) < (int)sizeof(cand)) {
			char *real = realpath(cand, NULL);
			bool same = real && !strcmp(real, me);
			free(real);
			if (same) {
				free(me);
				return strcpy(self, "remora");
			}
		}
		d += n + (d[n] == ':');
	}
	snprintf(self, sizeof(self), "%s", me);
	free(me);
	return self;
}
