/* The in-memory ring of a flight recorder (`--overwrite`) or snapshot
 * sink's trace: closed packets, oldest first, bounded by ring_max bytes;
 * what falls off the old end is counted (evicted, or overwritten in
 * snapshot mode, where the window is the point), never dropped in
 * silence. consumer_sink.c pushes; the stop flushes to the trace. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "ctl/consumer/consumer_int.h"

void sink_ring_push(struct trace *t, const struct rm_packet *q)
{
	bool snap = t->s->snapshot;
	struct ring_pkt *r = malloc(sizeof(*r) + q->len);
	if (!r) {
		t->evicted += q->nrecords + q->lost;
		return;
	}
	/* snapshot mode: the producers' losses count when seen; what the ring
	 * drops later is overwritten (older than the window), not lost */
	if (snap)
		t->discarded += q->lost;
	r->next = NULL;
	r->p = *q;
	r->size = sizeof(*r) + q->len;
	memcpy(r->data, q->data, q->len);
	r->p.data = r->data;
	if (t->tail)
		t->tail->next = r;
	else
		t->head = r;
	t->tail = r;
	t->ring_bytes += r->size;
	t->ring_records += q->nrecords;
	while (t->ring_bytes > t->ring_max && t->head != t->tail) {
		struct ring_pkt *old = t->head;
		t->head = old->next;
		t->ring_bytes -= old->size;
		t->ring_records -= old->p.nrecords;
		if (snap)
			t->overwritten += old->p.nrecords;
		else
			t->evicted += old->p.nrecords + old->p.lost;
		free(old);
	}
}

void ring_free(struct trace *t)
{
	while (t->head) {
		struct ring_pkt *r = t->head;
		t->head = r->next;
		free(r);
	}
	t->tail = NULL;
	t->ring_bytes = t->ring_records = 0;
}

/* Writes the flight recorder's packets, oldest first; the first one
 * carries the count of what was evicted before it, as overwritten. */
void sink_ring_flush(struct trace *t)
{
	if (!t->head && !t->evicted)
		return;
	if (!t->w && sink_open_writer(t) < 0) {
		/* no trace directory: what the ring held is counted, not
		 * dropped in silence (its records as unwritten; a snapshot
		 * ring counted its losses when they came) */
		t->discarded += t->evicted;
		t->evicted = 0;
		for (struct ring_pkt *r = t->head; r; r = r->next) {
			t->unwritten += r->p.nrecords;
			if (!t->s->snapshot)
				t->discarded += r->p.lost;
		}
		ring_free(t);
		return;
	}
	uint64_t evicted = t->evicted;
	t->evicted = 0;
	if (!t->head) {
		struct rm_packet q = { .lost = evicted, .lost_by[RM_LOST_OVERWRITTEN] = evicted };
		sink_write_packet(t, &q);
	}
	while (t->head) {
		struct ring_pkt *r = t->head;
		t->head = r->next;
		struct rm_packet q = sink_filter(t, &r->p, false);
		q.lost += evicted;
		q.lost_by[RM_LOST_OVERWRITTEN] += evicted;
		evicted = 0;
		sink_write_packet(t, &q);
		free(r);
	}
	t->tail = NULL;
	t->ring_bytes = t->ring_records = 0;
}
