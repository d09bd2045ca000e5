/* `remora view`: losses by cause in words (verb_view_causes.c). */
#ifndef REMORA_CTL_CLI_VERB_VIEW_CAUSES_H
#define REMORA_CTL_CLI_VERB_VIEW_CAUSES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl/ctf/ctf_packet.h"

/* "2 buffer full, 1 record too large[, 3 cause unknown]": the non-zero
 * causes of `lost`, and what they leave unexplained. known: the trace
 * records causes (an older remora's does not: that is said instead). */
void view_put_causes(FILE *f, const uint64_t by[CTF_CAUSES], uint64_t lost, bool known);

#endif
