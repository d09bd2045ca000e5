/* Catalog entries as a consumer sees them: copied out of the arena once,
 * then validated. Nothing here points into shared memory. */
#ifndef REMORA_SHM_CATALOG_H
#define REMORA_SHM_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"

struct rm_event_info {
	bool valid;
	uint32_t id;
	uint32_t nfields;
	char provider[RM_NAME_MAX];
	char name[RM_EVENT_NAME_MAX];
	struct {
		char name[RM_NAME_MAX];
		uint8_t type; /* enum rm_type */
	} fields[RM_FIELDS_MAX];
};

/* Copies entry `id` out of shared memory and validates it: committed, id
 * matches, names are C identifiers that fit, types known, at most
 * RM_FIELDS_MAX fields. Returns true and fills `out` when it is usable. */
bool rm_catalog_read(const struct rm_catalog_entry *shared, uint32_t id,
		     struct rm_event_info *out);

/* True when `s` is a non-empty C identifier shorter than `max`. */
bool rm_name_ok(const char *s, size_t max);

/* Decodes a payload against its event's fields. True when the payload is
 * exactly `len` bytes long, every string is NUL-terminated inside it and
 * every byte sequence fits. */
bool rm_payload_ok(const struct rm_event_info *e, const unsigned char *p, size_t len);

/* The record size (header included) of an event whose fields all have a
 * fixed size and no value to check (no BOOL): a record of it is valid
 * exactly when it has this size, no decoding needed. 0 when a payload must
 * be decoded with rm_payload_ok (strings, byte sequences, booleans). */
uint32_t rm_fixed_record_size(const struct rm_event_info *e);

/* Size in bytes of a fixed-size type, 0 for STRING and BYTES. */
size_t rm_type_size(uint8_t type);

/* FNV-1a over provider, name, field names and types: the stub's dedup key. */
uint32_t rm_layout_hash(const char *provider, const char *name, uint32_t nfields,
			const char *const *field_names, const uint8_t *types);

#endif
