#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/export/event_class.h"
#include "ctl/export/u64_map.h"

static int strip(char *base, const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);
	if (n <= s || strcmp(name + n - s, suffix))
		return 0;
	memcpy(base, name, n - s);
	base[n - s] = 0;
	return 1;
}

void rmx_classify(const struct ctfr_event *ev, struct rmx_class *k)
{
	memset(k, 0, sizeof(*k));
	const char *colon = strchr(ev->name, ':');
	size_t plen = colon ? (size_t)(colon - ev->name) : 0;
	if (plen >= sizeof(k->provider))
		plen = sizeof(k->provider) - 1;
	memcpy(k->provider, ev->name, plen);
	const char *name = colon ? colon + 1 : ev->name;
	size_t nlen = strnlen(name, sizeof(k->name) - 1);
	memcpy(k->name, name, nlen); /* the reader bounds it by RM_EVENT_NAME_MAX */
	if (strip(k->base, k->name, "_begin") || strip(k->base, k->name, "_entry"))
		k->kind = RMX_BEGIN;
	else if (strip(k->base, k->name, "_end") || strip(k->base, k->name, "_exit"))
		k->kind = RMX_END;
	else if (strip(k->base, k->name, "_counter"))
		k->kind = RMX_COUNTER;
	else
		memcpy(k->base, k->name, sizeof(k->base));
	uint64_t h = u64_hash(U64_HASH_SEED, k->provider, strlen(k->provider) + 1);
	k->slice_key = u64_hash(h, k->base, strlen(k->base));
	k->name_hash = u64_hash(h, k->name, strlen(k->name));
}

struct rmx_class *rmx_classes(const struct ctfr_meta *m)
{
	struct rmx_class *v = calloc(m->nevents ? m->nevents : 1, sizeof(*v));
	if (!v)
		return NULL;
	for (uint32_t i = 0; i < m->nevents; i++)
		rmx_classify(&m->events[i], &v[i]);
	return v;
}
