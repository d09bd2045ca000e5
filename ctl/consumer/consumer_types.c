/* Every event type the attached arenas registered, including those of
 * process trees that are over (`remora record` keeps their arenas mapped
 * to the end): what its unmatched-pattern warning compares -e with.
 * Reads the catalogs through the readers; drains nothing. */
#include <stdio.h>

#include "ctl/consumer/consumer_int.h"

void rm_consumer_each_type(struct rm_consumer *c, rm_type_fn fn, void *ctx)
{
	struct conn *k;
	struct cds_lfht_iter it;
	char name[RM_NAME_MAX + RM_EVENT_NAME_MAX + 2];
	rcu_read_lock();
	EACH_CONN(c, it, k) {
		if (!k->attached || !k->r)
			continue;
		uint32_t n = rm_reader_event_count(k->r);
		for (uint32_t id = 0; id < n && id < k->a.event_max; id++) {
			const struct rm_event_info *e = rm_reader_event(k->r, id);
			if (!e)
				continue;
			snprintf(name, sizeof(name), "%s:%s", e->provider, e->name);
			fn(ctx, name);
		}
	}
	rcu_read_unlock();
}
