#ifndef REMORA_SHM_CATALOG_WRITE_H
#define REMORA_SHM_CATALOG_WRITE_H

#include <stdint.h>

#include "arena.h"

/* An event as the producer declares it. Names longer than the catalog's
 * fields are cut; the reader refuses names that are not C identifiers. */
struct rm_event_decl {
	const char *provider;
	const char *name;
	uint32_t nfields;
	const char *const *field_names;
	const uint8_t *types;
};

/* Returns the event's id (an existing one when the same provider, name and
 * layout is already there), or -1 when the catalog is full. */
int64_t rm_catalog_add(struct rm_arena *a, const struct rm_event_decl *d);

#endif
