/* The remora command line: one verb per file, dispatched here. */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: remora <command> [options]\n"
		   "  record [-o DIR] [-e PATTERN]... [--overwrite] [--buffer-size SIZE] -- CMD [ARG...]\n"
		   "         run CMD traced and write a CTF trace (read it with babeltrace2 DIR)\n"
		   "  help   this text\n"
		   "Not yet available: view, create, enable-event, disable-event, start, stop, destroy,\n"
		   "list, status (see README.md).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *verb = argv[1];
	if (!strcmp(verb, "record"))
		return rm_cmd_record(argc - 1, argv + 1);
	if (!strcmp(verb, "help") || !strcmp(verb, "--help") || !strcmp(verb, "-h")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "remora: unknown command '%s'\n", verb);
	usage(stderr);
	return 2;
}
