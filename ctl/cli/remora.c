/* The remora command line: one verb per file (ctl/cli/verb_*.c),
 * dispatched here. */
#include <stdio.h>
#include <string.h>

#include "ctl/cli/verbs.h"

struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static const struct verb verbs[] = {
	{ "record", rm_cmd_record,
	  "record [-o DIR] [-e PATTERN]... [--filter EXPR]... [--context TYPE]... [--overwrite] "
	  "-- CMD..." },
	{ "record", rm_cmd_record,
	  "record [--rotate-size SIZE] [--rotate-timer SECS] [--max-chunks N] ... -- CMD..." },
	{ "record", rm_cmd_record, "record --snapshot-on-exit [-o DIR] [--buffer-size SIZE] -- CMD" },
	{ "view", rm_cmd_view, "view DIR | view --follow [NAME|DIR]" },
	{ "create", rm_cmd_create, "create NAME [-o DIR] [--overwrite]" },
	{ "create", rm_cmd_create,
	  "create NAME [--rotate-size SIZE] [--rotate-timer SECS] [--max-chunks N] ..." },
	{ "create", rm_cmd_create, "create NAME --snapshot [--buffer-size SIZE] [-o DIR]" },
	{ "enable-event", rm_cmd_enable_event, "enable-event [-s NAME] [--filter EXPR] PATTERN... | -a" },
	{ "add-context", rm_cmd_add_context, "add-context [-s NAME] -t TYPE..." },
	{ "disable-event", rm_cmd_disable_event, "disable-event [-s NAME] PATTERN... | -a" },
	{ "start", rm_cmd_session, "start [[-s] NAME]" },
	{ "stop", rm_cmd_session, "stop [[-s] NAME]" },
	{ "destroy", rm_cmd_session, "destroy [[-s] NAME]" },
	{ "list", rm_cmd_list, "list" },
	{ "status", rm_cmd_session, "status [[-s] NAME]" },
	{ "snapshot", rm_cmd_snapshot, "snapshot [[-s] NAME] [-o DIR]" },
	{ "version", rm_cmd_version, "version" },
	{ "export", rm_cmd_export, "export --format perfetto|chrome -o FILE TRACE_DIR" },
	{ "stats", rm_cmd_stats, "stats [--json] [--top N] TRACE_DIR" },
	{ "rotate", rm_cmd_rotate, "rotate [[-s] NAME]" },
	{ "clear", rm_cmd_clear, "clear [[-s] NAME]" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: remora <command> [options]   (remora <command> --help for details)\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %s\n", verbs[i].usage);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--version") || !strcmp(name, "-V"))
		return rm_cmd_version(1, (char *[]){ "version", NULL });
	if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(name, verbs[i].name))
			return verbs[i].run(argc - 1, argv + 1);
	fprintf(stderr, "remora: unknown command '%s'\n", name);
	usage(stderr);
	return 2;
}
