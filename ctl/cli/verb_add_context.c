/* `remora add-context [-s NAME] -t TYPE...`: context fields for the traces
 * of a session (remorad's RMD_ADD_CONTEXT, one request per type). */
#define _GNU_SOURCE
#include <getopt.h>
#include <string.h>

#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/verbs.h"
#include "ctl/consumer/consumer.h"
#include "ctl/consumer/consumer_evctx.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: remora add-context [-s NAME] -t TYPE...\n"
		   "  -s, --session NAME  the session (default: the last one created)\n"
		   "  -t, --type TYPE     a context field for every packet of the session's traces:\n"
		   "                      procname (the thread's name), vpid, vtid (its ids in its\n"
		   "                      own pid namespace); remora reads them from /proc, so the\n"
		   "                      traced app pays nothing. Repeat -t for several. In a\n"
		   "                      started session the next packets go to new trace\n"
		   "                      directories (COMM-PID.1, ...) that have the fields.\n"
		   "                      Per-event contexts, written by the app in each event:\n"
		   "                      ip (the call site), cpu_id, perf:thread:COUNTER (a\n"
		   "                      per-thread counter read without a syscall: rdpmc, or the\n"
		   "                      counter's page as of the thread's last context switch\n"
		   "                      where rdpmc is not allowed; 0 where perf_event_open is\n"
		   "                      refused, counted in the summary). Max 6 counters per\n"
		   "                      process tree. COUNTER:\n");
	for (const char *p = rm_evctx_perf_names(); *p;) {
		size_t n = strcspn(p, "\n");
		fprintf(f, "                        %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

int rm_cmd_add_context(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "session", required_argument, 0, 's' }, { "type", required_argument, 0, 't' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	const char *session = "", *types[8];
	int ntypes = 0, ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:t:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': session = optarg; break;
		case 't': {
			char err[256];
			uint32_t bit;
			if (rm_context_parse(optarg, &bit, err, sizeof(err)) < 0) {
				fprintf(stderr, "remora add-context: %s\n", err);
				return 2;
			}
			if (ntypes == 8) {
				fprintf(stderr, "remora add-context: at most 8 -t\n");
				return 2;
			}
			types[ntypes++] = optarg;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!ntypes || optind < argc) {
		fprintf(stderr, "remora add-context: %s\n",
			ntypes ? "unexpected argument" : "no context type given (-t TYPE)");
		usage(stderr);
		return 2;
	}
	if (*session && !rmd_name_ok(session)) {
		fprintf(stderr, "remora add-context: invalid session name '%s'\n", session);
		return 2;
	}
	int st = 0;
	for (int i = 0; i < ntypes; i++) {
		struct rmd_req q;
		rmd_req_init(&q, RMD_ADD_CONTEXT);
		snprintf(q.session, sizeof(q.session), "%s", session);
		snprintf(q.arg, sizeof(q.arg), "%s", types[i]);
		int r = rmd_call(&q, false);
		if (r)
			st = r;
	}
	return st;
}
