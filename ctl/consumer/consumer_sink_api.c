/* The consumer's entry points that act on a sink and must drain first:
 * stop, rotate, clear, destroy and snapshot (rm_sink_* in consumer.h), and
 * rm_consumer_snapshot. Apart from consumer_sink.c because they drain the
 * arenas (drain_conn, consumer_conn.c), which the sink side never does:
 * each drains, then hands over to consumer_sink.c, consumer_chunks.c or
 * consumer_snapshot.c. */
#include <stdio.h>

#include "ctl/consumer/consumer_int.h"

void consumer_drain_all(struct rm_consumer *c)
{
	struct conn *k;
	struct cds_lfht_iter it;
	rcu_read_lock();
	EACH_CONN(c, it, k)
		if (!k->gone)
			drain_conn(c, k, false);
	rcu_read_unlock();
}

/* Stopping a sink drains every arena into it first: what was committed
 * before the stop is in its traces. */
void rm_sink_stop(struct rm_sink *s)
{
	if (!sink_stop_begin(s))
		return;
	consumer_drain_all(s->c);
	sink_stop_end(s);
}

/* A rotation drains first, so the closed chunk holds what was committed
 * before the request. */
int rm_sink_rotate(struct rm_sink *s, char *msg, size_t msglen)
{
	if (s->state == SINK_STARTED && !s->overwrite)
		consumer_drain_all(s->c);
	return sink_rotate(s, msg, msglen);
}

/* A clear drains without writing (ch.clearing), so what was committed
 * before the request is dropped with what was written. */
int rm_sink_clear(struct rm_sink *s, char *msg, size_t msglen)
{
	s->ch.clearing = true;
	consumer_drain_all(s->c);
	s->ch.clearing = false;
	return sink_clear_end(s, msg, msglen);
}

struct rm_sink *rm_consumer_record_sink(struct rm_consumer *c)
{
	return c->rec;
}

void rm_sink_destroy(struct rm_sink *s, struct rm_sink_stats *out)
{
	rm_sink_stop(s);
	sink_free(s, out);
}

/* What the arenas hold now reaches the rings first: a stopped producer's
 * committed prefix, a killed one's sealed chunks. */
int rm_sink_snapshot(struct rm_sink *s, const char *dir, struct rm_snapshot_result *out,
		     char *err, size_t errlen)
{
	if (!s->snapshot) {
		snprintf(err, errlen, "not in snapshot mode");
		return -1;
	}
	consumer_drain_all(s->c);
	return snap_write(s, dir, out, err, errlen);
}

int rm_consumer_snapshot(struct rm_consumer *c, struct rm_snapshot_result *out, char *err,
			 size_t errlen)
{
	if (!c->rec) {
		snprintf(err, errlen, "no recording sink");
		return -1;
	}
	rm_consumer_active(c); /* final drain of the trees that are over */
	return rm_sink_snapshot(c->rec, NULL, out, err, errlen);
}
