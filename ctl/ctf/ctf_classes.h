/* The event classes of one trace: who declared which id, under which
 * provider:name and field layout, and whether a payload fits that layout.
 * The writer checks every record against this before a byte reaches a
 * stream file, because babeltrace2 decodes payloads from the layout alone
 * (there is no record size on disk): one wrong length would garble the
 * rest of the packet. */
#ifndef REMORA_CTL_CTF_CLASSES_H
#define REMORA_CTL_CTF_CLASSES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/catalog.h"

/* Ids are indexes of a pointer table; an arena's event_max is far below. */
#define CTF_EVENT_ID_LIMIT (1u << 20)

struct ctf_classes {
	struct rm_event_info **by_id; /* NULL where undeclared */
	uint32_t cap;                 /* entries in by_id */
	uint32_t count;               /* declared ids */
};

enum ctf_class_add { CTF_CLASS_ADDED = 0, CTF_CLASS_KNOWN = 1, CTF_CLASS_REFUSED = -1 };

/* Declares e->id. Returns ADDED, KNOWN (same id, same name and layout), or
 * REFUSED with one line in err. */
enum ctf_class_add ctf_classes_add(struct ctf_classes *c, const struct rm_event_info *e,
				   char *err, size_t errlen);

/* Undoes the ADDED declaration of `id` (the metadata could not be written). */
void ctf_classes_drop(struct ctf_classes *c, uint32_t id);

static inline const struct rm_event_info *ctf_classes_get(const struct ctf_classes *c,
							  uint32_t id)
{
	return id < c->cap ? c->by_id[id] : NULL;
}

/* True when the payload is exactly `len` bytes of e's fields: fixed sizes,
 * NUL-terminated strings, byte sequences that fit. */
bool ctf_payload_fits(const struct rm_event_info *e, const unsigned char *p, size_t len);

void ctf_classes_free(struct ctf_classes *c);

#endif
