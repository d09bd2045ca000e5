/* The consumer core, output side: one drained packet into one trace. The
 * records the trace takes (its selected events, passing their filters,
 * rewritten to its event.context layout: sink_filter) and the writing of
 * them with the counts of what the disk refused (sink_write_packet).
 * Apart from consumer_sink.c, which decides what a trace selects and when
 * it opens, because consumer_ring.c calls these too: a flight recorder's
 * ring filters and writes its packets at flush. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/consumer/consumer_int.h"
#include "ctl/consumer/consumer_ctx.h"
#include "ctl/consumer/consumer_evctx.h"
#include "ctl/ctf/ctf_packet.h"

static bool takes(const struct trace *t, uint32_t id, bool take_selected)
{
	uint8_t st = id < t->k->a.event_max ? t->st[id] : EV_IGNORED;
	return st == EV_DECLARED || (take_selected && st == EV_SELECTED);
}

/* The records this trace takes: the packet itself when it takes every one
 * (known from the packet's distinct ids, no walk), else a copy of those it
 * takes in k->filtered. */
struct rm_packet sink_filter(struct trace *t, const struct rm_packet *p, bool take_selected)
{
	/* records with per-event contexts, or a trace that has them: each is
	 * rewritten to the trace's event.context layout (consumer_evctx.c).
	 * Not for a snapshot's ring: it keeps every record as the app wrote
	 * it, its contexts and the mask in its word; the snapshot rewrites
	 * them to the layout it declares (consumer_snapshot.c). */
	bool snap = t->s->snapshot;
	bool ev = !snap && (p->ctx_any || t->evmask);
	unsigned char *dst = t->k->filtered;
	if (ev) {
		size_t need = evctx_grow_max(p->len);
		if (need > t->k->evbuf_cap) {
			unsigned char *b = realloc(t->k->evbuf, need);
			if (!b) {
				struct rm_packet none = *p;
				none.len = 0;
				none.nrecords = 0;
				none.lost += p->nrecords; /* counted, not written */
				return none;
			}
			t->k->evbuf = b;
			t->k->evbuf_cap = need;
		}
		dst = t->k->evbuf;
	}
	bool all = p->nids > 0 && !ev;
	for (uint32_t i = 0; all && i < p->nids && i < RM_PACKET_IDS; i++)
		all = takes(t, p->ids[i], take_selected) && !(t->prog && t->prog[p->ids[i]]);
	if (all)
		return *p;
	struct rm_packet q = *p;
	q.nids = 0;
	size_t out = 0;
	q.nrecords = 0;
	for (size_t off = 0; off < p->len;) {
		const struct rm_record *rec = (const void *)(p->data + off);
		uint32_t id = RM_REC_ID(rec->word), asz = RM_ALIGN8(RM_REC_SIZE(rec->word));
		uint8_t st = id < t->k->a.event_max ? t->st[id] : EV_IGNORED;
		if ((st == EV_DECLARED || (take_selected && st == EV_SELECTED)) &&
		    filter_pass(t, p, rec)) {
			if (q.nrecords++ == 0)
				q.ts_begin = rec->ts;
			q.ts_end = rec->ts;
			if (ev) {
				out += evctx_rewrite(dst + out, rec, t->evmask);
			} else {
				memmove(dst + out, rec, asz);
				out += asz;
			}
		} else if (st == EV_REFUSED) {
			t->refused++;
		}
		off += asz;
	}
	q.data = dst;
	q.len = out;
	q.ctx_any = snap ? p->ctx_any : ev ? t->evmask : 0;
	return q;
}

void sink_write_packet(struct trace *t, const struct rm_packet *q)
{
	char err[512];
	if (q->len == 0 && q->lost == 0 && t->carry_lost == 0)
		return;
	/* a refused packet's records and losses ride on the next one, as
	 * "write error" for its records: the trace's events_discarded then
	 * add up to the summary's lost once the disk takes a packet again */
	struct rm_packet w = *q;
	w.lost += t->carry_lost;
	for (int i = 0; i < RM_LOST_CAUSES; i++)
		w.lost_by[i] += t->carry_by[i];
	uint64_t bytes = ctf_writer_bytes(t->w);
	struct ctf_packet_ctx pc = { 0 };
	if (q->ctx_any) /* our own copy (filter()): the trace's words carry no context bits */
		evctx_clear_words((unsigned char *)q->data, q->len);
	if (t->s->contexts & CTF_CTX_PACKET) {
		struct rm_task_ctx tc;
		rm_task_ctx(&t->k->tns, q->pid, q->tid, t->k->hello.comm, &tc);
		pc.vpid = tc.vpid;
		pc.vtid = tc.vtid;
		memcpy(pc.procname, tc.procname, sizeof(pc.procname));
	}
	if (ctf_writer_packet_ctx(t->w, &w, &pc, err, sizeof(err)) < 0) {
		/* the first failure says why; the rest are counted, not repeated
		 * (a full disk refuses every packet after it) */
		if (t->write_errors++ == 0)
			fprintf(stderr, "%s: %s (further write errors on this trace are counted, "
					"not shown)\n", t->s->c->who, err);
		t->unwritten += q->nrecords;
		t->discarded += q->lost;
		t->carry_lost = w.lost + q->nrecords;
		memcpy(t->carry_by, w.lost_by, sizeof(t->carry_by));
		t->carry_by[RM_LOST_WRITE_ERROR] += q->nrecords;
		return;
	}
	t->carry_lost = 0;
	memset(t->carry_by, 0, sizeof(t->carry_by));
	t->events += q->nrecords;
	t->discarded += q->lost;
	bytes = ctf_writer_bytes(t->w) - bytes;
	t->s->ch.bytes += bytes;
	t->s->ch.total_bytes += bytes;
	unsigned stream;
	uint64_t size;
	if (t->hooked && ctf_writer_last_packet(t->w, &stream, &size) == 0)
		t->s->hook->written(t->s->hook_ctx, t->hooked, stream, size);
}
