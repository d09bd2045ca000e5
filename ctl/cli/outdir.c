#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/cli/outdir.h"

/* A symbolic link is followed only when it is ours or root's: a link
 * another user owns (in /tmp, say) could point a root `record` at /etc.
 * Each link's target is checked the same way, to a depth of 16. Returns 0,
 * or -1 after saying which link was refused. */
static int check_links(const char *dir, const char *path, int depth)
{
	char prefix[PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof(prefix) || depth > 16)
		return 0; /* mkdir and realpath report these (ENAMETOOLONG, ELOOP) */
	for (size_t end = 1; end <= len; end++) {
		if (end < len && path[end] != '/')
			continue;
		memcpy(prefix, path, end);
		prefix[end] = 0;
		struct stat st;
		if (lstat(prefix, &st) < 0)
			return 0; /* does not exist yet: nothing to follow */
		if (!S_ISLNK(st.st_mode))
			continue;
		if (st.st_uid != geteuid() && st.st_uid != 0) {
			fprintf(stderr, "remora: output directory %s: %s is a symbolic link owned by "
					"uid %u, not by you: refusing to follow it (its owner chooses "
					"where the trace goes); give a path without it with -o\n",
				dir, prefix, (unsigned)st.st_uid);
			return -1;
		}
		char target[PATH_MAX], next[PATH_MAX * 2 + 2];
		ssize_t n = readlink(prefix, target, sizeof(target) - 1);
		if (n < 0)
			return 0;
		target[n] = 0;
		const char *slash = strrchr(prefix, '/');
		int base = target[0] == '/' ? 0 : slash ? (int)(slash - prefix) + 1 : 0;
		snprintf(next, sizeof(next), "%.*s%s%s", base, prefix, target, path + end);
		return check_links(dir, next, depth + 1);
	}
	return 0;
}

static bool is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	struct dirent *e;
	bool empty = true;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

static void say_not_empty(const char *dir)
{
	fprintf(stderr, "remora: output directory %s already exists and is not empty: "
			"refusing to write a trace among other files; give a new or empty "
			"directory with -o, or add --force to write into it anyway\n", dir);
}

int rm_check_outdir(const char *dir, bool force)
{
	if (check_links(dir, dir, 0) < 0)
		return -1;
	struct stat st;
	if (!force && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && !is_empty(dir)) {
		say_not_empty(dir);
		return -1;
	}
	return 0;
}

int rm_prepare_outdir(const char *dir, bool force, char *abs, size_t size)
{
	if (check_links(dir, dir, 0) < 0)
		return -1;
	bool made = mkdir(dir, 0700) == 0;
	if (!made && errno != EEXIST) {
		fprintf(stderr, "remora: cannot create output directory %s: %s\n", dir, strerror(errno));
		return -1;
	}
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "remora: output path %s is not a directory\n", dir);
		return -1;
	}
	if (!made && !force && !is_empty(dir)) {
		say_not_empty(dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		fprintf(stderr, "remora: output directory %s is not writable: %s\n", dir,
			strerror(errno));
		return -1;
	}
	char *real = realpath(dir, NULL);
	if (!real || strlen(real) >= size) {
		fprintf(stderr, "remora: cannot resolve output directory %s\n", dir);
		free(real);
		return -1;
	}
	strcpy(abs, real);
	free(real);
	return 0;
}
