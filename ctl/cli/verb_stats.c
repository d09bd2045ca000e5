/* `remora stats [--json] [--top N] TRACE_DIR`: per event, process and
 * thread: count, rate, lost, first and last time (ctl/export/trace_stats.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/cli/verbs.h"
#include "ctl/export/trace_stats.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: remora stats [--json] [--top N] TRACE_DIR\n"
		"Counts the events of every trace under TRACE_DIR (each directory with a\n"
		"metadata file) per event (provider:name), process and thread, and prints\n"
		"one row each, largest count first: COUNT, RATE/s (count over the span from\n"
		"the first to the last event of the whole trace), PID, TID, LOST (events\n"
		"the trace says were lost on that thread: which events is unknown), FIRST\n"
		"and LAST (UTC times), EVENT; then the losses per thread.\n"
		"  --json        one JSON object instead: events, lost, first_ns, last_ns,\n"
		"                duration_s, rows_total, rows[] {event, pid, tid, count,\n"
		"                rate, lost, first_ns, last_ns}, lost_by_thread[] {pid, tid, lost}\n"
		"  --top N       only the N rows with the largest counts (totals still count all)\n"
		"  -h, --help    this text\n"
		"Exit status: 0, 1 when TRACE_DIR holds no trace or a file is corrupt (the\n"
		"rest is still counted), 2 on usage.\n");
}

int rm_cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' }, { "top", required_argument, 0, 't' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	int json = 0, ch;
	size_t top = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 't': {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || v == 0 || optarg[0] == '-') {
				fprintf(stderr, "remora stats: --top wants a positive count, not '%s'\n",
					optarg);
				return 2;
			}
			top = (size_t)v;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "remora stats: %s\n", optind >= argc ? "no trace directory given"
								     : "one trace directory only");
		usage(stderr);
		return 2;
	}
	struct rmx_cursor c;
	if (rmx_cursor_open(&c, argv[optind], "remora stats")) {
		rmx_cursor_close(&c);
		return 1;
	}
	struct rmx_stats s;
	int rc = rmx_stats_collect(&c, &s);
	rmx_cursor_close(&c);
	if (!rc) {
		rmx_stats_sort(&s);
		if (json)
			rmx_stats_json(stdout, &s, top);
		else
			rmx_stats_table(stdout, &s, top);
	}
	rmx_stats_free(&s);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "remora stats: cannot write the output: %s\n", strerror(errno));
		return 1;
	}
	return rc || c.errors ? 1 : 0;
}
