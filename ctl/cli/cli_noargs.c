#include <getopt.h>

#include "ctl/cli/cli_noargs.h"

int rm_parse_no_args(int argc, char **argv, const char *verb, void (*usage)(FILE *))
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
		fprintf(stderr, "remora %s: unexpected argument '%s'\n", verb, argv[optind]);
		usage(stderr);
		return 2;
	}
	return -1;
}
