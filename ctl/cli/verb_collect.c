/* `remora collect nats://H:P[,H:P...] -o DIR [--follow]`: rebuilds under
 * DIR/HOST/SESSION/ the traces that `remora record --ship` (or a session
 * created with --ship) published to JetStream (ctl/ship/ship_collect.c). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>

#include "ctl/cli/verbs.h"
#include "ctl/ship/ship.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: remora collect nats://HOST:PORT[,HOST:PORT...] -o DIR [--follow]\n"
		   "                      [--ship-subject SUBJECT] [--ship-creds FILE] [--durable NAME] [-v]\n"
		   "  -o, --output DIR        where traces go: DIR/HOST/SESSION/COMM-PID/, each\n"
		   "                          byte for byte the trace the host wrote\n"
		   "  -f, --follow            keep waiting for new data (until SIGINT or SIGTERM);\n"
		   "                          without it, stop once the stream has nothing more\n"
		   "      --ship-subject S    subject prefix the hosts ship to (default %s);\n"
		   "                          the stream is S in capitals, '.' as '_'\n"
		   "      --ship-creds FILE   NATS credentials file (JWT and NKey seed)\n"
		   "      --durable NAME      JetStream consumer name (default: one per DIR, so\n"
		   "                          collecting into DIR again resumes where it stopped)\n"
		   "  -v, --verbose           one line per range written\n"
		   "Servers: nats://HOST:PORT or tls://HOST:PORT (TLS; REMORA_SHIP_CA=FILE for a\n"
		   "private CA). A message is acknowledged only after its bytes are synced to disk.\n"
		   "exit status: 0 done, 1 error (server unreachable, DIR not writable), 2 bad usage\n",
		SHIP_SUBJECT_DEFAULT);
}

int rm_cmd_collect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' }, { "follow", no_argument, 0, 'f' },
		{ "ship-subject", required_argument, 0, 's' }, { "ship-creds", required_argument, 0, 'c' },
		{ "durable", required_argument, 0, 'd' }, { "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct collect_opts o = { 0 };
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:fvh", opts, NULL)) != -1) {
		switch (ch) {
		case 'o': o.out_dir = optarg; break;
		case 'f': o.follow = true; break;
		case 's': o.subject = optarg; break;
		case 'c': o.creds = optarg; break;
		case 'd': o.durable = optarg; break;
		case 'v': o.verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 1 || !o.out_dir) {
		fprintf(stderr, "remora collect: %s\n",
			!o.out_dir ? "no output directory: give -o DIR"
			: optind >= argc ? "no server given (nats://HOST:PORT)" : "one server list only "
			"(separate servers with commas)");
		usage(stderr);
		return 2;
	}
	o.urls = argv[optind];
	return rm_collect_run(&o);
}
