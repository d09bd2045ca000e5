/* What an event becomes in a timeline, decided from its name alone, so a
 * user chooses it when naming the event (REMORA_EVENT(prov, NAME, ...)):
 *
 *   NAME_begin / NAME_entry   opens a slice called NAME on its thread
 *   NAME_end   / NAME_exit    closes it (the innermost open slice, when
 *                             that one is NAME; otherwise an instant)
 *   NAME_counter              a counter: each numeric field F is a series,
 *                             "NAME" when F is `value`, else "NAME.F"
 *   anything else             an instant event on its thread
 *
 * `_entry`/`_exit` are what -finstrument-functions (libremora-cyg.so:
 * cyg_profile:func_entry/func_exit) emits. */
#ifndef REMORA_CTL_EXPORT_EVENT_CLASS_H
#define REMORA_CTL_EXPORT_EVENT_CLASS_H

#include <stdint.h>

#include "ctl/ctf/ctf_reader.h"

enum rmx_kind { RMX_INSTANT, RMX_BEGIN, RMX_END, RMX_COUNTER };

struct rmx_class {
	uint8_t kind;               /* enum rmx_kind */
	char provider[RM_NAME_MAX];
	char name[RM_EVENT_NAME_MAX]; /* the event's name, provider left out */
	char base[RM_EVENT_NAME_MAX]; /* slice or counter name: name without its suffix */
	uint64_t slice_key;         /* hash of provider:base: a begin and its end match on it */
	uint64_t name_hash;         /* hash of provider:name */
};

void rmx_classify(const struct ctfr_event *ev, struct rmx_class *out);
/* One rmx_class per event of m, in m->events order; NULL when out of memory. */
struct rmx_class *rmx_classes(const struct ctfr_meta *m);

/* Numeric types become counter values; strings and bytes do not. */
static inline int rmx_numeric(uint8_t type)
{
	return type != RM_T_STRING && type != RM_T_BYTES && type != RM_T_NONE;
}

#endif
