/* Where the CLI finds what it runs: its own directory (remorad is
 * started from there, cli_daemon.c) and libremora.so (preloaded by
 * `remora record`). */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/cli/self_path.h"

int rm_self_dir(char *dir, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", dir, size - 1);
	if (n <= 0)
		return -1;
	dir[n] = 0;
	char *slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	*slash = 0;
	return 0;
}

const char *rm_libremora_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("REMORA_LIB");
	if (env && *env)
		return access(env, R_OK) == 0 ? env : NULL;
	char exe[PATH_MAX];
	if (rm_self_dir(exe, sizeof(exe)) < 0)
		return NULL;
	static const char *const rel[] = { "/../inject/libremora.so." REMORA_SOVERSION,
					   "/../" REMORA_LIBDIR "/libremora.so." REMORA_SOVERSION };
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		if (strlen(exe) + strlen(rel[i]) >= sizeof(path))
			continue;
		strcpy(path, exe);
		strcat(path, rel[i]);
		char *real = realpath(path, NULL);
		if (real) {
			snprintf(path, sizeof(path), "%s", real);
			free(real);
			return path;
		}
	}
	return NULL;
}
