/* `remora version` and `remora --version`: what was built, and the formats
 * it speaks, so a bug report or a trace can be matched to a build:
 *
 *   remora 0.1.0 (git 33a4793-dirty)
 *   trace format: CTF 1.8, arena layout 5
 *   ABI: libremora.so.0, event descriptor 1
 *
 * The version is CMake's project(VERSION); the git description is taken
 * at configure time and left out when the source was not a checkout. */
#include <stdio.h>

#include "ctl/cli/cli_noargs.h"
#include "ctl/cli/verbs.h"
#include <remora/abi.h>
#include "shm/layout.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: remora version\n"
		   "  the version of remora, of the trace format and of the ABI\n"
		   "  (the same as remora --version)\n");
}

int rm_cmd_version(int argc, char **argv)
{
	int rc = rm_parse_no_args(argc, argv, "version", usage);
	if (rc >= 0)
		return rc;
	const char *git = REMORA_GIT_DESCRIBE;
	printf("remora %s%s%s%s\n", REMORA_VERSION, *git ? " (git " : "", git, *git ? ")" : "");
	printf("trace format: CTF 1.8, arena layout %u\n", (unsigned)RM_VERSION);
	printf("ABI: libremora.so.%s, event descriptor %d\n", REMORA_SOVERSION, REMORA_ABI_VERSION);
	return 0;
}
