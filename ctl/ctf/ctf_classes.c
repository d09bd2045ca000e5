/* Event class declarations. Names end up inside TSDL text, so they are
 * checked to be C identifiers here (rm_name_ok, the catalog's own rule):
 * nothing from the arena can inject metadata syntax. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctf/ctf_classes.h"
#include "shm/catalog.h"

static bool info_ok(const struct rm_event_info *e, char *err, size_t errlen)
{
	if (!e->valid || e->nfields > RM_FIELDS_MAX || e->id >= CTF_EVENT_ID_LIMIT) {
		snprintf(err, errlen, "event id %u: invalid catalog entry", e->id);
		return false;
	}
	if (!rm_name_ok(e->provider, sizeof(e->provider)) || !rm_name_ok(e->name, sizeof(e->name))) {
		snprintf(err, errlen, "event id %u: provider or name is not a C identifier", e->id);
		return false;
	}
	for (uint32_t i = 0; i < e->nfields; i++) {
		if (!rm_name_ok(e->fields[i].name, sizeof(e->fields[i].name)) ||
		    e->fields[i].type == RM_T_NONE || e->fields[i].type >= RM_T_COUNT) {
			snprintf(err, errlen, "event %s:%s (id %u): field %u is invalid",
				 e->provider, e->name, e->id, i);
			return false;
		}
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(e->fields[i].name, e->fields[j].name)) {
				snprintf(err, errlen, "event %s:%s (id %u): field %s appears twice",
					 e->provider, e->name, e->id, e->fields[i].name);
				return false;
			}
	}
	return true;
}

/* Wire size of a fixed-size type; 0 for STRING and BYTES. (shm/catalog.c
 * has the same table, but the writer must not depend on a library the
 * consumer may not link.) */
static bool same_name(const struct rm_event_info *a, const struct rm_event_info *b)
{
	return !strcmp(a->provider, b->provider) && !strcmp(a->name, b->name);
}

static bool same_layout(const struct rm_event_info *a, const struct rm_event_info *b)
{
	if (a->nfields != b->nfields)
		return false;
	for (uint32_t i = 0; i < a->nfields; i++)
		if (a->fields[i].type != b->fields[i].type ||
		    strcmp(a->fields[i].name, b->fields[i].name))
			return false;
	return true;
}

static int grow(struct ctf_classes *c, uint32_t id)
{
	if (id < c->cap)
		return 0;
	uint32_t cap = c->cap ? c->cap : 64;
	while (cap <= id)
		cap *= 2;
	struct rm_event_info **t = realloc(c->by_id, cap * sizeof(*t));
	if (!t)
		return -1;
	memset(t + c->cap, 0, (cap - c->cap) * sizeof(*t));
	c->by_id = t;
	c->cap = cap;
	return 0;
}

enum ctf_class_add ctf_classes_add(struct ctf_classes *c, const struct rm_event_info *e,
				   char *err, size_t errlen)
{
	if (!info_ok(e, err, errlen))
		return CTF_CLASS_REFUSED;
	const struct rm_event_info *old = ctf_classes_get(c, e->id);
	if (old) {
		if (same_name(old, e) && same_layout(old, e))
			return CTF_CLASS_KNOWN;
		if (same_name(old, e))
			snprintf(err, errlen,
				 "event id %u is already declared as %s:%s with another field layout",
				 e->id, old->provider, old->name);
		else
			snprintf(err, errlen, "event id %u is already declared as %s:%s, not %s:%s",
				 e->id, old->provider, old->name, e->provider, e->name);
		return CTF_CLASS_REFUSED;
	}
	/* The same name under a second id is fine (two DSOs may declare the same
	 * event), as long as both read the same: a viewer cannot tell them apart. */
	for (uint32_t i = 0; i < c->cap; i++) {
		old = c->by_id[i];
		if (old && same_name(old, e) && !same_layout(old, e)) {
			snprintf(err, errlen,
				 "event %s:%s (id %u) conflicts with id %u: same name, different fields",
				 e->provider, e->name, e->id, old->id);
			return CTF_CLASS_REFUSED;
		}
	}
	struct rm_event_info *copy = malloc(sizeof(*copy));
	if (!copy || grow(c, e->id)) {
		free(copy);
		snprintf(err, errlen, "event %s:%s (id %u): out of memory", e->provider, e->name,
			 e->id);
		return CTF_CLASS_REFUSED;
	}
	*copy = *e;
	c->by_id[e->id] = copy;
	c->count++;
	return CTF_CLASS_ADDED;
}

void ctf_classes_drop(struct ctf_classes *c, uint32_t id)
{
	if (id < c->cap && c->by_id[id]) {
		free(c->by_id[id]);
		c->by_id[id] = NULL;
		c->count--;
	}
}

bool ctf_payload_fits(const struct rm_event_info *e, const unsigned char *p, size_t len)
{
	/* the same check the arena reader applies: one decoder of the wire
	 * format, in shm/catalog.c */
	return rm_payload_ok(e, p, len);
}

void ctf_classes_free(struct ctf_classes *c)
{
	for (uint32_t i = 0; i < c->cap; i++)
		free(c->by_id[i]);
	free(c->by_id);
	c->by_id = NULL;
	c->cap = c->count = 0;
}
