/* "Someone is still writing this trace directory": a file `.remora-live`
 * in it holding the writer's pid, made by `remora record` for its run and
 * by remorad for each session's life, so `remora view --follow DIR` knows
 * when to stop. Hidden, so `remora view` and babeltrace2 pass it by. */
#ifndef REMORA_CTL_CONSUMER_LIVE_MARK_H
#define REMORA_CTL_CONSUMER_LIVE_MARK_H

#include <stdbool.h>

#define RM_LIVE_MARK ".remora-live"

/* Writes DIR/.remora-live with our pid (mode 0600). 0, or -1 with errno. */
int rm_live_mark(const char *dir);
/* Removes it (when it is ours). */
void rm_live_unmark(const char *dir);
/* Whether DIR has a mark whose process still runs. */
bool rm_live_check(const char *dir);

#endif
