/* Producer side of the catalog: allocate an event id and publish its entry
 * with (C). Stub-safe: no allocation, no locks. Runs at registration time
 * (constructors, dlopen), never per event. */
#include <string.h>

#include "catalog.h"
#include "catalog_write.h"

static void copy_name(char *dst, const char *src, size_t max)
{
	size_t n = src ? strnlen(src, max - 1) : 0;
	memcpy(dst, src, n);
	memset(dst + n, 0, max - n);
}

static bool same_entry(const struct rm_catalog_entry *e, const struct rm_event_decl *d, uint32_t hash)
{
	if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != RM_CAT_COMMITTED)
		return false;
	if (e->layout_hash != hash || e->nfields != d->nfields ||
	    strncmp(e->provider, d->provider, RM_NAME_MAX) ||
	    strncmp(e->name, d->name, RM_EVENT_NAME_MAX))
		return false;
	for (uint32_t i = 0; i < d->nfields; i++)
		if (e->fields[i].type != d->types[i] ||
		    strncmp(e->fields[i].name, d->field_names[i], RM_NAME_MAX))
			return false;
	return true;
}

int64_t rm_catalog_add(struct rm_arena *a, const struct rm_event_decl *d)
{
	if (d->nfields > RM_FIELDS_MAX)
		return -1;
	uint32_t hash = rm_layout_hash(d->provider, d->name, d->nfields, d->field_names, d->types);
	uint32_t n = __atomic_load_n(&a->hdr->next_event_id, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n && i < a->event_max; i++)
		if (same_entry(&a->catalog[i], d, hash))
			return i;

	uint32_t id = __atomic_fetch_add(&a->hdr->next_event_id, 1, __ATOMIC_ACQ_REL);
	if (id >= a->event_max)
		return -1;
	struct rm_catalog_entry *e = &a->catalog[id];
	e->id = id;
	e->nfields = d->nfields;
	e->layout_hash = hash;
	copy_name(e->provider, d->provider, RM_NAME_MAX);
	copy_name(e->name, d->name, RM_EVENT_NAME_MAX);
	for (uint32_t i = 0; i < d->nfields; i++) {
		copy_name(e->fields[i].name, d->field_names[i], RM_NAME_MAX);
		e->fields[i].type = d->types[i];
	}
	__atomic_store_n(&e->state, RM_CAT_COMMITTED, __ATOMIC_RELEASE); /* (C) */
	__atomic_fetch_add(&a->hdr->catalog_gen, 1, __ATOMIC_RELEASE);
	return id;
}
