/* The end of a `remora record` run: when every child left is a helper,
 * the app's tree is over; a helper still there after HELPER_GRACE_MS
 * (stopped, or stuck) is killed, since the consumer reads its arena
 * itself and loses nothing committed. */
#ifndef REMORA_CTL_CLI_RECORD_HELPERS_H
#define REMORA_CTL_CLI_RECORD_HELPERS_H

#include <sys/types.h>

#include "ctl/consumer/consumer.h"

/* A healthy helper leaves within a few hundred ms of its tree's end (it
 * sees the pidfds, says GONE, gets the ACK); this bounds how long a stopped
 * or wedged one can hold `record` (SECURITY.md: 2 s after the app exits). */
#define HELPER_GRACE_MS 1200

/* When every child left is a helper, stores their pids and returns how
 * many; 0 or -1 when none is left or another child is (CMD's tree still
 * runs). */
int record_only_helpers_left(struct rm_consumer *c, pid_t *pids, int max);

/* Kills and reaps them, saying so on stderr. */
void record_give_up_helpers(const pid_t *pids, int n);

#endif
