/* The CLI side of the control protocol (daemon_proto.h): the session verbs
 * build a request, rmd_call sends it and prints remorad's answer. */
#ifndef REMORA_CTL_CLI_DAEMON_H
#define REMORA_CTL_CLI_DAEMON_H

#include <stdbool.h>
#include <stdio.h>

#include "ctl/remorad/daemon_proto.h"

/* A zeroed request for op. */
void rmd_req_init(struct rmd_req *q, enum rmd_op op);

/* Sends q to remorad and prints its answer (errors on stderr, prefixed
 * "remora: "). With autostart, a missing remorad is started first.
 * Returns the exit status: 0 done, 1 refused or failed. */
int rmd_call(const struct rmd_req *q, bool autostart);
/* Same, with remorad's answer (when it is not an error) written to out. */
int rmd_call_to(const struct rmd_req *q, bool autostart, FILE *out);

/* Shared argument handling of the session verbs ([-s] NAME, optional):
 * prints usage and returns 2 for a bad option, 0 after --help, -1 to go on
 * with *session set ("" when none is named). */
int rmd_parse_session_only(int argc, char **argv, const char *verb, const char *usage,
			   const char **session);

#endif
