/* `remora snapshot [NAME] [-o DIR]`: writes what a snapshot-mode session
 * (`remora create NAME --snapshot`) holds in memory now, as CTF traces in
 * a new directory, while recording goes on (remorad_snapshot.c). */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/outdir.h"
#include "ctl/cli/verbs.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: remora snapshot [[-s] NAME] [-o DIR]\n"
		   "  writes what snapshot-mode session NAME (default: the last session created;\n"
		   "  made with `remora create NAME --snapshot`) holds in memory now, one CTF trace\n"
		   "  per process tree, while recording goes on; prints the path and the event count\n"
		   "  -s, --session NAME  the session, also accepted without -s\n"
		   "  -o, --output DIR  write it in DIR, which must be new or empty (default: a new\n"
		   "                    OUTDIR/snapshot-N-YYYYmmdd-HHMMSS under the session's\n"
		   "                    output directory)\n"
		   "Successive snapshots may hold some of the same events. Exit status 0 when the\n"
		   "snapshot was written whole, 1 when refused or incomplete, 2 for bad usage.\n");
}

int rm_cmd_snapshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' }, { "session", required_argument, 0, 's' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *out = NULL, *named = NULL;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:s:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 's': named = optarg; break; /* like the other session verbs */
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind > (named ? 0 : 1)) {
		fprintf(stderr, "remora snapshot: unexpected argument '%s'\n", argv[argc - 1]);
		usage(stderr);
		return 2;
	}
	const char *name = named ? named : optind < argc ? argv[optind] : "";
	if (*name && !rmd_name_ok(name)) {
		fprintf(stderr, "remora snapshot: invalid session name '%s' (letters, digits, '_', "
				"'.', '-')\n", name);
		return 2;
	}
	struct rmd_req q;
	rmd_req_init(&q, RMD_SNAPSHOT);
	snprintf(q.session, sizeof(q.session), "%s", name);
	if (out) {
		char cwd[PATH_MAX];
		int n;
		if (!*out) {
			fprintf(stderr, "remora snapshot: empty -o DIR\n");
			return 2;
		}
		if (rm_check_outdir(out, true) /* links; remorad refuses a non-empty DIR */ < 0)
			return 1;
		if (out[0] == '/')
			n = snprintf(q.arg, sizeof(q.arg), "%s", out);
		else if (getcwd(cwd, sizeof(cwd)))
			n = snprintf(q.arg, sizeof(q.arg), "%s/%s", cwd, out);
		else {
			fprintf(stderr, "remora snapshot: cannot resolve %s (no current directory); "
					"give an absolute path\n", out);
			return 1;
		}
		if (n < 0 || (size_t)n >= sizeof(q.arg) - 128) {
			fprintf(stderr, "remora snapshot: -o path too long\n");
			return 1;
		}
	}
	return rmd_call(&q, false);
}
