/* TSDL text of a trace: the whole metadata file, regenerated from scratch
 * each time an event class is added (it is small, and a full rewrite is
 * what makes the atomic rename possible). */
#ifndef REMORA_CTL_CTF_METADATA_H
#define REMORA_CTL_CTF_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include "ctl/ctf/ctf_classes.h"
#include "ctl/ctf/ctf_clock.h"
#include "ctl/ctf/ctf_writer.h"

struct ctf_metadata {
	const struct ctf_trace_info *info;
	const struct ctf_clock_class *clock;
	const uint8_t *uuid;              /* 16 bytes */
	const struct ctf_classes *classes;
};

/* Returns the text (malloc'd, NUL-terminated, length in *len), or NULL
 * when out of memory. */
char *ctf_metadata_text(const struct ctf_metadata *m, size_t *len);

#endif
