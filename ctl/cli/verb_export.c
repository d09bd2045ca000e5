/* `remora export --format perfetto|chrome -o FILE TRACE_DIR`
 *
 * Writes every event of every trace under TRACE_DIR, in time order, as a
 * Perfetto protobuf trace or a Chrome Trace Event Format JSON file
 * (ctl/export/). Streams: memory does not grow with the trace. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl/cli/verbs.h"
#include "ctl/export/export.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: remora export --format perfetto|chrome -o FILE TRACE_DIR\n"
		"Writes the events of every trace under TRACE_DIR (each directory with a\n"
		"metadata file), all streams merged in time order, for a timeline viewer:\n"
		"  perfetto  Perfetto's protobuf trace (open it at ui.perfetto.dev): a track\n"
		"            per process and thread, TrackEvents with interned names and\n"
		"            the event's fields as debug annotations\n"
		"  chrome    Chrome's Trace Event Format JSON (chrome://tracing, Perfetto):\n"
		"            {\"traceEvents\":[...]}, ts in microseconds, cat = provider,\n"
		"            args = fields\n"
		"Event names decide the shape: NAME_begin/NAME_entry open a slice NAME on\n"
		"their thread, NAME_end/NAME_exit close it, NAME_counter is a counter (each\n"
		"numeric field a series), any other event is an instant. Where the trace\n"
		"says events were lost, an instant \"events lost\" (category remora,\n"
		"argument lost = how many) marks it. A summary goes to stderr; so does\n"
		"each corruption (the other packets and files are still exported).\n"
		"  -f, --format FMT  perfetto or chrome (required)\n"
		"  -o, --output FILE the file to write (required; - for stdout)\n"
		"  -h, --help        this text\n"
		"Exit status: 0, 1 when TRACE_DIR holds no trace, a file is corrupt or\n"
		"FILE cannot be written, 2 on usage.\n");
}

int rm_cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, 0, 'f' }, { "output", required_argument, 0, 'o' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	const char *format = NULL, *out = NULL;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': format = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	const char *bad = !format ? "no --format given (perfetto or chrome)"
			  : strcmp(format, "perfetto") && strcmp(format, "chrome")
				  ? "unknown --format (perfetto or chrome)"
			  : !out || !*out ? "no output file given (-o FILE)"
			  : argc - optind < 1 ? "no trace directory given"
			  : argc - optind > 1 ? "one trace directory only" : NULL;
	if (bad) {
		fprintf(stderr, "remora export: %s\n", bad);
		usage(stderr);
		return 2;
	}
	int perfetto = !strcmp(format, "perfetto");
	struct rmx_cursor c;
	if (rmx_cursor_open(&c, argv[optind], "remora export")) {
		rmx_cursor_close(&c);
		return 1;
	}
	struct out_buf o;
	if (out_open(&o, out)) {
		fprintf(stderr, "remora export: cannot write %s: %s\n", out, strerror(errno));
		rmx_cursor_close(&c);
		return 1;
	}
	struct rmx_export_stats st;
	int rc = perfetto ? rmx_export_perfetto(&c, &o, &st) : rmx_export_chrome(&c, &o, &st);
	int werr = out_close(&o);
	size_t nstreams = c.nstreams, ntraces = c.ntraces;
	rmx_cursor_close(&c);
	if (werr) {
		fprintf(stderr, "remora export: cannot write %s: %s\n", out, strerror(werr));
		if (strcmp(out, "-"))
			unlink(out);
		return 1;
	}
	if (rc)
		return 1;
	fprintf(stderr,
		"remora export: %" PRIu64 " events (%" PRIu64 " slice begins, %" PRIu64
		" ends, %" PRIu64 " instants, %" PRIu64 " counters), %" PRIu64 " lost, %" PRIu64
		" threads, from %zu stream file%s in %zu trace%s to %s (%s, %" PRIu64 " bytes)",
		st.events, st.begins, st.ends, st.instants, st.counters, st.lost, st.threads,
		nstreams, nstreams == 1 ? "" : "s", ntraces, ntraces == 1 ? "" : "s", out, format,
		o.bytes);
	if (c.errors)
		fprintf(stderr, ", %" PRIu64 " error%s", c.errors, c.errors == 1 ? "" : "s");
	fputc('\n', stderr);
	return c.errors ? 1 : 0;
}
