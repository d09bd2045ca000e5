/* `remora record`'s side of pattern_hint.h: the event types its consumer saw. */
#ifndef REMORA_CTL_CLI_REC_SEEN_H
#define REMORA_CTL_CLI_REC_SEEN_H

#include "ctl/cli/pattern_hint.h"
#include "ctl/consumer/consumer.h"

void rm_seen_from_consumer(struct rm_seen *s, struct rm_consumer *c);

#endif
