/* `remora view --follow [NAME|DIR]`: what to follow. A directory, or the
 * output directory remorad names for session NAME (or the current one);
 * a directory not written yet is waited for. Apart from view_follow.c
 * because this happens once, before the first round, and talks to
 * remorad, which the rounds never do. */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/escape.h"
#include "ctl/cli/view_follow_int.h"
#include "ctl/consumer/live_mark.h"


/* The output directory of session `name` ("" = the current one), from
 * remorad's status text ("Session NAME (current) [state]", "  output: DIR"). */
static int session_dir(const char *name, char *dir, size_t size)
{
	struct rmd_req q;
	rmd_req_init(&q, RMD_STATUS);
	snprintf(q.session, sizeof(q.session), "%s", name);
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return -1;
	int r = rmd_call_to(&q, false, m);
	fclose(m);
	bool in = false, found = false;
	for (char *line = text, *next; r == 0 && line && *line && !found; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (!strncmp(line, "Session ", 8)) {
			const char *n = line + 8;
			size_t nl = strcspn(n, " ");
			in = name[0] ? (nl == strlen(name) && !strncmp(n, name, nl))
				     : strstr(n + nl, "(current)") == n + nl + 1;
		} else if (in && !strncmp(line, "  output: ", 10)) {
			snprintf(dir, size, "%s", line + 10);
			found = true;
		}
	}
	free(text);
	if (r == 0 && !found)
		fprintf(stderr, "remora view: %s: start one with `remora create NAME`, or give a "
				"trace directory\n", name[0] ? "remorad did not say where that session "
							       "writes" : "no current session");
	return r == 0 && found ? 0 : -1;
}

/* A trace directory not made yet, or with no writer and no trace yet:
 * `view --follow ./out & remora record -o ./out -- app`. Whether DIR holds
 * a trace: a metadata file in DIR, a COMM-PID/ or a chunk-NNNNN/COMM-PID/. */
static bool has_metadata;

static int note_metadata(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	has_metadata |= type == FTW_F && ftw->level <= FOLLOW_DEPTH - 1 &&
			!strcmp(path + ftw->base, "metadata");
	return has_metadata;
}

static bool nothing_yet(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		return true;
	if (rm_live_check(dir))
		return false;
	has_metadata = false;
	nftw(dir, note_metadata, 8, FTW_PHYS);
	return !has_metadata;
}

/* Until DIR is being written or holds a trace: 0, or -1 at Ctrl-C or when
 * DIR turns out to be something else than a directory. */
int wait_for_dir(const char *dir)
{
	if (!nothing_yet(dir))
		return 0;
	fputs("remora view: waiting for ", stderr);
	rm_put_str(stderr, dir);
	fputs(" to be written (Ctrl-C to stop)\n", stderr);
	while (!stop_follow && nothing_yet(dir)) {
		struct timespec ts = { 0, FOLLOW_TICK_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
	struct stat st;
	if (!stop_follow && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
		fputs("remora view: ", stderr);
		rm_put_str(stderr, dir);
		fputs(": not a directory\n", stderr);
		return -1;
	}
	return stop_follow ? -1 : 0;
}

/* 0 with DIR, 1 with DIR when it does not exist yet (a path given with a
 * '/', to be waited for), -1 after an error message. */
int resolve(const char *target, char *dir, size_t size)
{
	struct stat st;
	if (target && strchr(target, '/') && stat(target, &st) < 0 && errno == ENOENT) {
		snprintf(dir, size, "%s", target);
		return 1;
	}
	if (target && (strchr(target, '/') || stat(target, &st) == 0)) {
		if (stat(target, &st) < 0 || !S_ISDIR(st.st_mode)) {
			fputs("remora view: ", stderr);
			rm_put_str(stderr, target);
			fprintf(stderr, ": %s\n", stat(target, &st) < 0 ? strerror(errno)
								     : "not a directory");
			return -1;
		}
		snprintf(dir, size, "%s", target);
		return 0;
	}
	if (target && !rmd_name_ok(target)) {
		fprintf(stderr, "remora view: '%s' is neither a directory nor a session name\n",
			target);
		return -1;
	}
	return session_dir(target ? target : "", dir, size);
}
