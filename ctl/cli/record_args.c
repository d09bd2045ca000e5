/* `remora record`'s options (record_args.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/cli/record_args.h"
#include "ctl/cli/rotate_opts.h"
#include "ctl/cli/self_path.h"
#include "ctl/filter/filter.h"
#include "ctl/ship/ship.h"
#include "shm/size.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: remora record [-o DIR [--force]] [-e PATTERN]... [--filter EXPR]...\n"
		   "         [--context TYPE]... [--overwrite | --snapshot-on-exit]\n"
		   "         [--buffer-size SIZE] [--blocking[=MS]] [--preload NAME]...\n"
		   "         [--rotate-size SIZE] [--rotate-timer SECS] [--max-chunks N]\n"
		   "         [--ship URLS [--ship-subject S] [--ship-creds FILE]] -- CMD [ARG...]\n"
		   "  -o, --output DIR      trace directory (default ./remora-YYYYmmdd-HHMMSS), created\n"
		   "                        0700; an existing one must be empty, and no symbolic\n"
		   "                        link on the way to it may belong to another user\n"
		   "      --force           write into an existing non-empty DIR anyway\n"
		   "  -e, --event PATTERN   enable events matching provider:name glob (default: all)\n"
		   "      --filter EXPR     keep only the events of the -e patterns given before it\n"
		   "                        (since the previous --filter; all events when none) for\n"
		   "                        which EXPR is true, e.g. 'id >= 10 && path == \"/a/*\"'\n"
		   "                        (fields, $ctx.vtid/vpid/procname, == != < <= > >=, && || !)\n"
		   "      --context TYPE    add a context field to the trace: procname, vpid or vtid\n"
		   "                        (per packet, read by remora from /proc: no cost in the\n"
		   "                        app); ip, cpu_id or perf:thread:COUNTER (per event,\n"
		   "                        written by the app; see remora add-context --help)\n"
		   "      --overwrite       flight recorder: keep the newest data, read at the end\n"
		   "      --snapshot-on-exit  keep the newest data in memory (as much as the arena\n"
		   "                        holds) and write it when CMD exits or crashes, as one\n"
		   "                        snapshot directory DIR/snapshot-1-YYYYmmdd-HHMMSS\n"
		   "      --buffer-size SZ  arena size per process tree, e.g. 64M (default 16M)\n"
		   "      --blocking[=MS]   a thread with no free buffer waits up to MS ms (default 1000)\n"
		   "                        for the consumer instead of dropping the event\n"
		   "      --preload NAME    also preload libremora-NAME.so to trace an unmodified\n"
		   "                        program: libc (providers libc_malloc, libc_io) or\n"
		   "                        cyg (cyg_profile, for -finstrument-functions)\n"
		   "      --ship URLS       also publish the trace, as it is written, to NATS\n"
		   "                        JetStream: nats://HOST:PORT[,HOST:PORT...] or tls://...\n"
		   "                        (the local trace stays complete whatever the network\n"
		   "                        does; gather with remora collect; docs/SCALE.md)\n"
		   "      --ship-subject S  subject prefix (default remora.traces): messages go to\n"
		   "                        S.HOST.SESSION, stream S in capitals ('.' as '_')\n"
		   "      --ship-creds FILE NATS credentials file (JWT and NKey seed)\n"
		   );
	rm_rotate_usage(f);
	fprintf(f, "On a terminal, a status line on stderr: events/s, events, lost, bytes written.\n"
		   "exit status: CMD's (128+N when signal N killed it), except %d when the trace\n"
		   "  could not be written whole (disk full, I/O error: events lost to write\n"
		   "  errors; CMD's status is printed); 127 when CMD could not be run (no\n"
		   "  trace directory is left); 1 when remora could not record; 2 for bad usage\n",
		RM_EXIT_WRITE_LOSS);
}


/* --preload NAME: libremora-NAME.so, next to libremora. */
static const char *const preload_names[] = { "libc", "cyg" };
static bool preload_wanted[sizeof(preload_names) / sizeof(preload_names[0])];

static bool add_preload(const char *name)
{
	for (size_t i = 0; i < sizeof(preload_names) / sizeof(preload_names[0]); i++)
		if (strcmp(name, preload_names[i]) == 0)
			return preload_wanted[i] = true;
	return false;
}

int record_setenv_preload(void)
{
	const char *lib = rm_libremora_path();
	if (!lib) {
		fprintf(stderr, "remora record: cannot find libremora.so next to this program; "
				"set REMORA_LIB to its path\n");
		return -1;
	}
	const char *old = getenv("LD_PRELOAD");
	char buf[PATH_MAX * 4];
	int n = snprintf(buf, sizeof(buf), "%s", lib);
	const char *slash = strrchr(lib, '/');
	for (size_t i = 0; i < sizeof(preload_names) / sizeof(preload_names[0]); i++) {
		if (!preload_wanted[i])
			continue;
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ":%.*s/libremora-%s.so",
			      slash ? (int)(slash - lib) : 1, slash ? lib : ".", preload_names[i]);
		if (access(strrchr(buf, ':') + 1, R_OK) != 0) {
			fprintf(stderr, "remora record: cannot find %s\n", strrchr(buf, ':') + 1);
			return -1;
		}
	}
	snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%s", old && *old ? ":" : "", old ? old : "");
	return setenv("LD_PRELOAD", buf, 1);
}


int record_parse_args(int argc, char **argv, struct record_args *a)
{
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' }, { "event", required_argument, 0, 'e' },
		{ "overwrite", no_argument, 0, 'O' }, { "buffer-size", required_argument, 0, 'b' },
		{ "preload", required_argument, 0, 'P' }, { "blocking", optional_argument, 0, 'B' },
		{ "force", no_argument, 0, 'f' }, { "help", no_argument, 0, 'h' },
		{ "filter", required_argument, 0, 'F' }, { "context", required_argument, 0, 'C' },
		{ "snapshot-on-exit", no_argument, 0, 'S' }, RM_ROTATE_LONGOPTS,
		{ "ship", required_argument, 0, 'H' }, { "ship-subject", required_argument, 0, 'J' },
		{ "ship-creds", required_argument, 0, 'K' }, { 0, 0, 0, 0 },
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+o:e:h", opts, NULL)) != -1) {
		int rr = rm_rotate_opt(ch, optarg, &a->rot, "record");
		if (rr < 0)
			return 2;
		if (rr > 0)
			continue;
		switch (ch) {
		case 'o': a->out = optarg; break;
		case 'e':
			if (a->npat == 64) {
				fprintf(stderr, "remora record: at most 64 -e patterns\n");
				return 2;
			}
			a->patterns[a->npat++] = optarg;
			break;
		case 'F': {
			char err[512];
			struct rm_filter_expr *x = rm_filter_parse(optarg, err, sizeof(err));
			if (!x) {
				fprintf(stderr, "remora record: --filter '%s': %s\n", optarg, err);
				return 2;
			}
			rm_filter_expr_free(x);
			if (a->filtered == a->npat) { /* no -e before it: every event */
				if (a->npat == 64) {
					fprintf(stderr, "remora record: at most 64 -e patterns\n");
					return 2;
				}
				a->patterns[a->npat++] = "*";
			}
			for (; a->filtered < a->npat; a->filtered++)
				a->filters[a->filtered] = optarg;
			break;
		}
		case 'C': {
			char err[256];
			uint32_t bit;
			if (rm_context_parse(optarg, &bit, err, sizeof(err)) < 0) {
				fprintf(stderr, "remora record: --context: %s\n", err);
				return 2;
			}
			a->contexts |= bit;
			break;
		}
		case 'O': a->overwrite = true; break;
		case 'f': a->force = true; break;
		case 'S': a->snapshot_on_exit = true; break;
		case 'B': {
			char *end;
			unsigned long long ms = optarg ? strtoull(optarg, &end, 10) : 1000;
			if (optarg && (*end || !*optarg || ms == 0 || ms > 60000)) {
				fprintf(stderr, "remora record: bad --blocking '%s' (milliseconds, 1 to 60000)\n",
					optarg);
				return 2;
			}
			a->block_ms = ms;
			break;
		}
		case 'b':
			if (!rm_parse_size(optarg)) {
				fprintf(stderr, "remora record: bad --buffer-size '%s' (try 16M)\n", optarg);
				return 2;
			}
			a->bufsize = optarg;
			break;
		case 'P':
			if (!add_preload(optarg)) {
				fprintf(stderr, "remora record: unknown --preload '%s' (libc or cyg)\n", optarg);
				return 2;
			}
			break;
		case 'H': a->ship = optarg; break;
		case 'J': a->ship_subject = optarg; break;
		case 'K': a->ship_creds = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if ((a->overwrite || a->snapshot_on_exit) && rm_rotation_any(&a->rot)) {
		fprintf(stderr, "remora record: %s takes no --rotate-size, --rotate-timer or "
				"--max-chunks (a flight recorder writes once, at the end)\n",
			a->overwrite ? "--overwrite" : "--snapshot-on-exit");
		return 2;
	}
	if (a->rot.max_chunks && !a->rot.size && !a->rot.timer_s) {
		fprintf(stderr, "remora record: --max-chunks needs --rotate-size or --rotate-timer "
				"(nothing else rotates a record run)\n");
		return 2;
	}
	if ((a->ship_subject || a->ship_creds) && !a->ship) {
		fprintf(stderr, "remora record: --ship-subject and --ship-creds need --ship URLS\n");
		return 2;
	}
	if (a->ship) { /* refused before anything is created or run */
		struct ship_urls u;
		char err[512];
		int bad = ship_urls_parse(a->ship, &u, err, sizeof(err));
		if (bad < 0)
			fprintf(stderr, "remora record: bad --ship '%s': %s\n", a->ship, err);
		else if ((bad = ship_subject_check(a->ship_subject ? a->ship_subject
								    : SHIP_SUBJECT_DEFAULT, err, sizeof(err))) < 0)
			fprintf(stderr, "remora record: bad --ship-subject: %s\n", err);
		else if (a->ship_creds && (bad = access(a->ship_creds, R_OK)) < 0)
			fprintf(stderr, "remora record: cannot read the --ship-creds file %s: %s\n",
				a->ship_creds, strerror(errno));
		ship_urls_free(&u);
		if (bad < 0)
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "remora record: no command given\n");
		usage(stderr);
		return 2;
	}
	a->cmd = argv + optind;
	if (a->snapshot_on_exit && (a->overwrite || a->block_ms)) {
		fprintf(stderr, "remora record: --snapshot-on-exit excludes --overwrite and "
				"--blocking (a flight recorder never makes the app wait)\n");
		return 2;
	}
	return -1;
}

