/* `remora list`: traced processes and their events; processes that map an
 * arena without a helper connected are shown as untraceable. Takes no
 * session: it shows what remorad sees, whatever the sessions select. */
#include <getopt.h>

#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/verbs.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: remora list\n"
		   "  traced processes and their events (and the untraceable ones)\n");
}

int rm_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		usage(ch == 'h' ? stdout : stderr);
		return ch == 'h' ? 0 : 2;
	}
	if (optind < argc) {
		fprintf(stderr, "remora list: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	struct rmd_req q;
	rmd_req_init(&q, RMD_LIST);
	return rmd_call(&q, false);
}
