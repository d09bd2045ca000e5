#define _GNU_SOURCE
#include "stage.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAGED_MAX 8

static char dir[] = "/tmp/remora-stage-XXXXXX";
static bool dir_made;
static char staged[STAGED_MAX][PATH_MAX];
static int nstaged;

static void unstage(void)
{
	for (int i = 0; i < nstaged; i++)
		unlink(staged[i]);
	if (dir_made)
		rmdir(dir);
}

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	struct stat st;
	int out = fstat(in, &st) ? -1 : open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	int rc = out < 0 ? -1 : 0;
	for (off_t left = st.st_size; rc == 0 && left > 0;) {
		ssize_t n = sendfile(out, in, NULL, (size_t)left);
		if (n <= 0)
			rc = -1;
		else
			left -= n;
	}
	if (out >= 0 && (fchmod(out, 0755) || close(out)))
		rc = -1;
	close(in);
	return rc;
}

static const char *stage_as(const char *from, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (int i = 0; i < nstaged; i++)
		if (!strcmp(staged[i], path))
			return staged[i]; /* staged before */
	if (nstaged == STAGED_MAX)
		return NULL;
	char *to = strcpy(staged[nstaged], path);
	if (copy_file(from, to))
		return NULL;
	nstaged++;
	return to;
}

const char *lt_stage_dir(void)
{
	return dir;
}

const char *lt_stage(const char *exe)
{
	if (!dir_made) {
		if (!mkdtemp(dir) || chmod(dir, 0755))
			return NULL;
		dir_made = true;
		atexit(unstage);
		if (!stage_as(LIBREMORA, "libremora.so.0"))
			return NULL;
	}
	char copy[PATH_MAX];
	snprintf(copy, sizeof(copy), "%s", exe);
	return stage_as(exe, basename(copy));
}
