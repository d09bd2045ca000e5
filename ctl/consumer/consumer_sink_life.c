/* A sink's life: created, hooked, started, stopped in two halves around
 * the caller's drain (consumer_sink_api.c), its contexts and blocking
 * mode, its stats, and freed; and the closing of its traces (a tree that
 * ended, a context added, the sink freed), which sums each trace into the
 * sink's totals. Apart from consumer_sink.c, which moves packets into
 * traces, because this is the state of the sink itself: none of it runs
 * per packet. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "ctl/consumer/consumer_int.h"

/* keep: the tree ended (not the sink): a snapshot sink keeps its ring. */
static void trace_close(struct rm_consumer *c, struct trace *t, bool keep)
{
	struct rm_sink *s = t->s;
	if (!s->snapshot)
		sink_ring_flush(t);
	else if (keep)
		snap_keep(t);
	else
		ring_free(t);
	char err[512];
	struct ctf_writer_stats ws;
	if (t->w && ctf_writer_close(t->w, &ws, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", c->who, err);
		t->write_errors++;
	}
	if (t->hooked)
		s->hook->closed(s->hook_ctx, t->hooked);
	s->acc.events += t->events;
	s->acc.discarded += t->discarded;
	s->acc.refused += t->refused;
	s->acc.traces += t->opened;
	s->acc.write_errors += t->write_errors;
	s->acc.unwritten += t->unwritten;
	s->acc.overwritten += t->overwritten;
	rcu_read_lock();
	cds_lfht_del(c->streams, &t->node);
	rcu_read_unlock();
	synchronize_rcu();
	filter_trace_free(t);
	free(t->st);
	free(t);
}

/* Closes the traces of conn k (k == NULL: any) of sink s (s == NULL: any). */
static void close_traces(struct rm_consumer *c, struct rm_sink *s, struct conn *k)
{
	for (;;) {
		struct trace *t, *found = NULL;
		struct cds_lfht_iter it;
		rcu_read_lock();
		EACH_TRACE(c, it, t)
			if ((!s || t->s == s) && (!k || t->k == k)) {
				found = t;
				break;
			}
		rcu_read_unlock();
		if (!found)
			return;
		trace_close(c, found, k != NULL);
	}
}

void sink_conn_closed(struct rm_consumer *c, struct conn *k)
{
	close_traces(c, NULL, k);
}

struct rm_sink *rm_sink_new(struct rm_consumer *c, const char *out_dir, bool overwrite)
{
	struct rm_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = c;
	snprintf(s->out_dir, sizeof(s->out_dir), "%s", out_dir);
	s->overwrite = overwrite;
	s->state = SINK_CREATED;
	s->next = c->sinks;
	c->sinks = s;
	return s;
}

void rm_sink_set_hook(struct rm_sink *s, const struct rm_sink_hook *h, void *ctx)
{
	s->hook = h;
	s->hook_ctx = ctx;
}

static void sync_all(struct rm_consumer *c)
{
	struct conn *k;
	struct cds_lfht_iter it;
	rcu_read_lock();
	EACH_CONN(c, it, k)
		sink_sync_conn(c, k);
	rcu_read_unlock();
}

uint32_t rm_sink_add_contexts(struct rm_sink *s, uint32_t bits)
{
	uint32_t added = bits & ~s->contexts;
	if (!added)
		return 0;
	s->contexts |= added;
	/* a stream's packet context cannot grow: new traces get the fields (a
	 * snapshot opens new traces at every snapshot: its ring stays) */
	if (!s->snapshot)
		close_traces(s->c, s, NULL);
	s->c->gen++;
	if (s->state == SINK_STARTED)
		sync_all(s->c);
	return added;
}

uint32_t rm_sink_contexts(const struct rm_sink *s)
{
	return s->contexts;
}

void rm_sink_set_blocking(struct rm_sink *s, uint64_t ns)
{
	s->block_ns = ns;
	s->c->gen++;
}

void rm_sink_start(struct rm_sink *s)
{
	if (s->state == SINK_STARTED)
		return;
	s->state = SINK_STARTED;
	s->c->gen++;
	sync_all(s->c);
	struct conn *k;
	struct cds_lfht_iter it;
	rcu_read_lock();
	EACH_CONN(s->c, it, k)
		if (k->attached && !k->done)
			sink_conn_attached(s->c, k);
	rcu_read_unlock();
}

bool sink_stop_begin(struct rm_sink *s)
{
	if (s->state != SINK_STARTED)
		return false;
	s->state = SINK_STOPPING;
	s->c->gen++;
	sync_all(s->c); /* clears the enable bytes only this sink wanted */
	return true;
}

void sink_stop_end(struct rm_sink *s)
{
	struct rm_consumer *c = s->c;
	s->state = SINK_STOPPED;
	c->gen++;
	struct trace *t;
	struct cds_lfht_iter it;
	rcu_read_lock();
	EACH_TRACE(c, it, t)
		if (t->s == s && !s->snapshot)
			sink_ring_flush(t);
	rcu_read_unlock();
}

void rm_sink_stats(struct rm_sink *s, struct rm_sink_stats *out)
{
	*out = s->acc;
	struct trace *t;
	struct cds_lfht_iter it;
	rcu_read_lock();
	EACH_TRACE(s->c, it, t)
		if (t->s == s) {
			out->events += t->events;
			out->discarded += t->discarded + t->evicted;
			out->refused += t->refused;
			out->traces += t->opened;
			out->write_errors += t->write_errors;
			out->unwritten += t->unwritten;
			out->buffered += t->ring_records;
			out->overwritten += t->overwritten;
		}
	rcu_read_unlock();
	snap_stats(s, out);
}

void sink_free(struct rm_sink *s, struct rm_sink_stats *out)
{
	struct rm_consumer *c = s->c;
	close_traces(c, s, NULL);
	snap_free_kept(s);
	for (struct rm_sink **pp = &c->sinks; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (c->rec == s)
		c->rec = NULL;
	c->gen++;
	if (out)
		*out = s->acc;
	rm_sink_disable(s, NULL);
	sink_chunk_free(s);
	free(s);
}
