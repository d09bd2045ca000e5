/* `remora record`'s last words (record_summary.h). */
#define _GNU_SOURCE
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/cli/record_summary.h"
#include "ctl/cli/self_cmd.h"

/* "remora: lost by cause: 12 buffer full, 1 refused record", the non-zero
 * causes only; records cut to fit a chunk are kept, so they close the
 * line apart ("; 2 truncated"). Nothing when nothing is either. */
static void print_causes(const struct rm_consumer_summary *s)
{
	const struct { uint64_t n; const char *what; } c[] = {
		{ s->lost_buffer_full, "buffer full" }, { s->lost_too_large, "record too large" },
		{ s->lost_catalog, "catalog full" }, { s->lost_no_slot, "no thread slot" },
		{ s->lost_refused, "refused record" }, { s->lost_corrupt, "corrupt chunk" },
		{ s->lost_overwritten, "overwritten" }, { s->unwritten, "write error" },
	};
	int n = 0;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (c[i].n)
			fprintf(stderr, "%s%llu %s", n++ ? ", " : "remora: lost by cause: ",
				(unsigned long long)c[i].n, c[i].what);
	if (s->truncated)
		fprintf(stderr, "%s%llu truncated (kept, cut to fit a chunk)",
			n++ ? "; " : "remora: ", (unsigned long long)s->truncated);
	if (n)
		fputc('\n', stderr);
	/* --context perf:thread:...: a thread that could not open a counter
	 * (no such counter, seccomp, perf_event_paranoid) wrote it as 0 */
	if (s->perf_failed)
		fprintf(stderr, "remora: %llu perf counters could not be opened (threads x "
				"counters; their values are written as 0)\n",
			(unsigned long long)s->perf_failed);
}

/* Whether a trace was written: a regular file anywhere under dir (the
 * consumer opens a directory per process tree, even one that recorded
 * nothing, and writes files only once there is something to write). */
static bool any_file;

static int note_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)st;
	(void)ftw;
	any_file |= type == FTW_F;
	return any_file; /* stops the walk at the first one */
}

bool record_trace_written(const char *dir)
{
	any_file = false;
	nftw(dir, note_file, 16, FTW_PHYS);
	return any_file;
}

/* Removes the empty directories under dir (and dir itself unless
 * keep_top), deepest first; rmdir() leaves anything holding a file. */
static bool keep_top;

static int rmdir_empty(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	if (type == FTW_DP && !(keep_top && ftw->level == 0))
		rmdir(path);
	return 0;
}

void record_no_trace(const struct rm_consumer_summary *s, const char *outdir, bool made_dir,
		     bool force, bool cmd_ran)
{
	keep_top = !made_dir; /* it existed before: leave it as it was */
	if (made_dir || !force)
		nftw(outdir, rmdir_empty, 16, FTW_PHYS | FTW_DEPTH);
	const char *left = made_dir ? "" : " (the existing directory is left as it was)";
	if (!cmd_ran)
		fprintf(stderr, "remora record: no trace written: the command could not be run%s\n",
			left);
	else
		fprintf(stderr, "remora: no trace written: %s%s\n",
			s->processes ? "the program registered no event type"
				     : "no traced process connected (the program may not load "
				       "libremora, or be setuid, or a static executable)", left);
}

void record_print_summary(const struct rm_consumer_summary *s, const char *outdir,
			  bool interrupted)
{
	fprintf(stderr, "remora: %llu events recorded, %llu lost, %u process%s traced%s\n",
		(unsigned long long)s->events, (unsigned long long)(s->lost + s->unwritten),
		s->processes, s->processes == 1 ? "" : "es", interrupted ? " (interrupted)" : "");
	print_causes(s);
	fprintf(stderr,
		"remora: trace written to %s\n"
		"remora: view it with: %s view %s   (or: babeltrace2 %s)\n",
		outdir, rm_self_command(), outdir, outdir);
	if (s->unwritten)
		fprintf(stderr, "remora: %llu of the lost events could not be written to %s (%u "
				"write errors, the first one above); the trace holds every packet "
				"that could be written and is readable\n", (unsigned long long)s->unwritten,
			outdir, s->write_errors);
	if (s->filter_errors)
		fprintf(stderr, "remora: %llu event type%s not recorded: the filter does not fit "
				"%s (%s)\n", (unsigned long long)s->filter_errors,
			s->filter_errors == 1 ? "" : "s", s->filter_errors == 1 ? "it" : "them",
			s->filter_err);
	if (s->corrupt || s->refused || (s->write_errors && !s->unwritten))
		fprintf(stderr, "remora: %llu corrupt chunks, %llu records of refused events, %u "
				"write errors\n", (unsigned long long)s->corrupt,
			(unsigned long long)s->refused, s->write_errors);
}


bool record_snapshot(struct rm_consumer *c, struct rm_snapshot_result *r)
{
	char err[PATH_MAX + 256];
	if (rm_consumer_snapshot(c, r, err, sizeof(err)) < 0) {
		fprintf(stderr, "remora record: snapshot failed: %s\n", err);
		return false;
	}
	fprintf(stderr, "remora: snapshot written to %s: %llu events, %u process tree%s, %llu "
			"lost\n", r->path, (unsigned long long)r->events, r->traces,
		r->traces == 1 ? "" : "s", (unsigned long long)r->discarded);
	if (r->overwritten)
		fprintf(stderr, "remora: %llu older events were overwritten (snapshot mode keeps the "
				"newest; overwritten is not lost)\n", (unsigned long long)r->overwritten);
	return true;
}

