/* What the consumer tells about itself without changing anything: the
 * process registry for `remora list`, an event's name and state, whether
 * an arena is known (remorad's untraceable check), `remora record`'s
 * running totals. Reads the connection table; drains nothing. */
#include <stdio.h>
#include <string.h>

#include "ctl/consumer/consumer_int.h"

void rm_consumer_each_proc(struct rm_consumer *c, rm_proc_fn fn, void *ctx)
{
	struct conn *k;
	struct cds_lfht_iter it;
	rcu_read_lock();
	EACH_CONN(c, it, k) {
		if (!k->attached || k->done || k->gone)
			continue;
		struct rm_proc_info p = {
			.pid = k->hello.pid, .ppid = k->hello.ppid, .uid = k->hello.uid,
			.helper_pid = k->hello.helper_pid, .connected = k->sock >= 0,
			.attached = k->attached, .npids = k->npids,
		};
		memcpy(p.comm, k->hello.comm, sizeof(p.comm));
		memcpy(p.exe, k->hello.exe, sizeof(p.exe));
		const struct rm_reader_stats *st = rm_reader_stats(k->r);
		p.lost = st->lost + rm_reader_lost_global(k->r);
		fn(ctx, &p, k->serial);
	}
	rcu_read_unlock();
}

int rm_consumer_event(struct rm_consumer *c, uint32_t serial, uint32_t id, char *buf,
		      size_t size, bool *enabled)
{
	struct conn *k, *found = NULL;
	struct cds_lfht_iter it;
	rcu_read_lock();
	EACH_CONN(c, it, k)
		if (k->serial == serial && k->attached && !k->done)
			found = k;
	rcu_read_unlock();
	if (!found)
		return -1;
	uint32_t n = rm_reader_event_count(found->r);
	if (id >= n || id >= found->a.event_max)
		return -1;
	const struct rm_event_info *e = rm_reader_event(found->r, id);
	if (!e) {
		snprintf(buf, size, "(event %u: not yet valid)", id);
		*enabled = false;
		return 0;
	}
	snprintf(buf, size, "%s:%s", e->provider, e->name);
	*enabled = found->enabled[id];
	return 0;
}

bool rm_consumer_knows_inode(struct rm_consumer *c, uint64_t ino)
{
	struct conn *k;
	struct cds_lfht_iter it;
	bool yes = false;
	rcu_read_lock();
	EACH_CONN(c, it, k)
		if (k->attached && k->id.ino == ino)
			yes = true;
	rcu_read_unlock();
	return yes;
}

void rm_consumer_progress(struct rm_consumer *c, uint64_t *events, uint64_t *lost)
{
	struct rm_sink_stats st = { 0 };
	if (c->rec)
		rm_sink_stats(c->rec, &st);
	*events = st.events;
	*lost = st.discarded;
}
