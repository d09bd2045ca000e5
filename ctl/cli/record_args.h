/* `remora record`'s command line: its options, checked before anything is
 * created or run, and the preloads they ask for. */
#ifndef REMORA_CTL_CLI_RECORD_ARGS_H
#define REMORA_CTL_CLI_RECORD_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl/consumer/consumer.h"

/* Exit status when events were lost to write errors: EX_IOERR of
 * sysexits.h, documented in usage() and the README. */
#define RM_EXIT_WRITE_LOSS 74

struct rm_ship;

struct record_args {
	const char *out, *bufsize;
	const char *patterns[64];
	const char *filters[64]; /* per pattern: its --filter, or NULL */
	int npat;
	int filtered;            /* patterns before this one have their --filter */
	uint32_t contexts;       /* --context: CTF_CTX_* bits */
	bool overwrite, force;
	bool snapshot_on_exit;
	uint64_t block_ms;       /* --blocking: 0 for off */
	struct rm_rotation rot;  /* --rotate-size, --rotate-timer, --max-chunks */
	const char *ship, *ship_subject, *ship_creds; /* --ship* */
	struct rm_ship *shipper; /* with --ship */
	char **cmd;
};


/* Returns -1 to go on, or the exit status (0 after --help, 2 for bad use). */
int record_parse_args(int argc, char **argv, struct record_args *a);

/* In the forked child, before exec: LD_PRELOAD = libremora, the --preload
 * libraries, then the caller's own. -1 (said on stderr) when one is
 * missing. */
int record_setenv_preload(void);

#endif
