/* The CTF clock class of a trace, computed from how the arena timestamps.
 * Like LTTng-UST's "monotonic" clock, values are CLOCK_MONOTONIC (ns, or
 * TSC cycles mapped to it) and the offset moves the origin to the Unix
 * epoch, so babeltrace2 shows wall-clock times that line up with LTTng
 * kernel and user-space traces of the same host. */
#ifndef REMORA_CTL_CTF_CLOCK_H
#define REMORA_CTL_CTF_CLOCK_H

#include <stdint.h>

#include "ctl/ctf/ctf_writer.h"

struct ctf_clock_class {
	uint64_t freq;       /* Hz */
	int64_t offset_s;    /* signed: may be negative */
	uint64_t offset;     /* cycles, always < freq (babeltrace2 requires it) */
};

/* Fills `c`; returns -1 (and err) for an unknown clock or a TSC frequency
 * that is not a finite number of at least 1 Hz. */
int ctf_clock_class_compute(const struct ctf_trace_info *info, struct ctf_clock_class *c,
			    char *err, size_t errlen);

#endif
