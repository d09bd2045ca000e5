/* The verbs of the remora command line, one file each (ctl/cli/verb_*.c),
 * dispatched by remora.c; the session verbs that only name a session share
 * one table (verb_session.c). Each takes its own argv (argv[0] is the
 * verb) and returns the exit status. */
#ifndef REMORA_CTL_CLI_VERBS_H
#define REMORA_CTL_CLI_VERBS_H

#include <stdbool.h>

int rm_cmd_record(int argc, char **argv);
int rm_cmd_view(int argc, char **argv);
int rm_cmd_create(int argc, char **argv);
int rm_cmd_enable_event(int argc, char **argv);
int rm_cmd_add_context(int argc, char **argv);
int rm_cmd_disable_event(int argc, char **argv);
int rm_cmd_list(int argc, char **argv);
int rm_cmd_version(int argc, char **argv);
int rm_cmd_snapshot(int argc, char **argv);
int rm_cmd_export(int argc, char **argv);
int rm_cmd_stats(int argc, char **argv);
int rm_cmd_rotate(int argc, char **argv);
int rm_cmd_clear(int argc, char **argv);
/* `remora view --follow` (view_follow.c): what follows --follow. */
int rm_view_follow(const char *target, int clock_fmt);
/* verb_view.c: one line of `remora view` for an item at wall-clock key,
 * of a trace with these add-context fields (ctfr_meta.contexts). */
struct ctfr_item;
#include <stdint.h>
#include <stdio.h>
void rm_view_put_item(FILE *f, int clock_fmt, __int128 key, uint32_t contexts,
		      const struct ctfr_item *it);
/* start, stop, destroy and status (verb_session.c), told apart by argv[0] */
int rm_cmd_session(int argc, char **argv);

/* enable-event and disable-event (verb_enable_event.c) */
int rm_event_verb(int argc, char **argv, bool on);

#endif
