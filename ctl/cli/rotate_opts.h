/* The rotation options `remora create` and `remora record` share:
 * --rotate-size SIZE, --rotate-timer SECS, --max-chunks N. */
#ifndef REMORA_CTL_CLI_ROTATE_OPTS_H
#define REMORA_CTL_CLI_ROTATE_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "ctl/consumer/consumer.h"

enum { RM_OPT_ROTATE_SIZE = 0x1100, RM_OPT_ROTATE_TIMER, RM_OPT_MAX_CHUNKS };

/* For a struct option table. */
#define RM_ROTATE_LONGOPTS                                                                   \
	{ "rotate-size", required_argument, 0, RM_OPT_ROTATE_SIZE },                         \
	{ "rotate-timer", required_argument, 0, RM_OPT_ROTATE_TIMER },                       \
	{ "max-chunks", required_argument, 0, RM_OPT_MAX_CHUNKS }

/* The lines of --help for them. */
void rm_rotate_usage(FILE *f);

/* 1 when ch was one of them and arg is good (stored in r), 0 when ch is
 * not one of them, -1 after saying on stderr what is wrong. */
int rm_rotate_opt(int ch, const char *arg, struct rm_rotation *r, const char *verb);

static inline bool rm_rotation_any(const struct rm_rotation *r)
{
	return r->size || r->timer_s || r->max_chunks;
}

#endif
