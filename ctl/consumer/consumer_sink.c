/* The consumer core, output side: sinks (a `remora record` run or a remorad
 * session), their per-arena CTF traces, event selection by glob, the
 * enable-table union, and the flight recorder's in-memory ring. A sink
 * only receives packets (sink_packet); draining the arenas is
 * consumer_conn.c's, which calls in here and is never called back. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/consumer/consumer_int.h"
#include "ctl/consumer/consumer_ctx.h"
#include "ctl/consumer/consumer_evctx.h"
#include "ctl/ctf/ctf_packet.h"
#include "ctl/filter/filter.h"
#include "shm/glob.h"

struct trace_key {
	const struct rm_sink *s;
	const struct conn *k;
};

static unsigned long trace_hash(const struct rm_sink *s, const struct conn *k)
{
	return hash_u64((uint64_t)(uintptr_t)s * 31 + (uint64_t)(uintptr_t)k);
}

static int trace_match(struct cds_lfht_node *node, const void *key)
{
	const struct trace *t = caa_container_of(node, struct trace, node);
	const struct trace_key *tk = key;
	return t->s == tk->s && t->k == tk->k;
}

/* Caller holds the RCU read lock. */
static struct trace *trace_get(struct rm_sink *s, struct conn *k, bool create)
{
	struct rm_consumer *c = s->c;
	struct trace_key key = { s, k };
	struct cds_lfht_iter it;
	cds_lfht_lookup(c->streams, trace_hash(s, k), trace_match, &key, &it);
	struct cds_lfht_node *n = cds_lfht_iter_get_node(&it);
	if (n)
		return caa_container_of(n, struct trace, node);
	if (!create)
		return NULL;
	struct trace *t = calloc(1, sizeof(*t));
	if (!t || !(t->st = calloc(k->a.event_max, 1))) {
		free(t);
		return NULL;
	}
	t->s = s;
	t->k = k;
	t->pgen = s->pgen;
	t->ring_max = s->ring_max ? s->ring_max : (size_t)k->a.chunk_bytes;
	cds_lfht_node_init(&t->node);
	cds_lfht_add(c->streams, trace_hash(s, k), &t->node);
	return t;
}

/* The stub's glob (shm/glob.h), so `-e`, enable-event and REMORA_ENABLE
 * read a pattern the same way. */
static bool selected(const struct rm_sink *s, const struct rm_event_info *e)
{
	char full[RM_NAME_MAX + RM_EVENT_NAME_MAX + 1];
	snprintf(full, sizeof(full), "%s:%s", e->provider, e->name);
	for (int i = 0; i < s->npatterns; i++)
		if (rm_glob_match(s->patterns[i], strlen(s->patterns[i]), full))
			return true;
	return false;
}

static void declare(struct trace *t, uint32_t id, const struct rm_event_info *e)
{
	char err[256];
	if (ctf_writer_event_class(t->w, e, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: event %s:%s of pid %u refused: %s\n", t->s->c->who, e->provider,
			e->name, t->k->hello.pid, err);
		t->st[id] = EV_REFUSED;
	} else {
		t->st[id] = EV_DECLARED;
	}
}

static void decide(struct trace *t, uint32_t id)
{
	const struct rm_event_info *e = rm_reader_event(t->k->r, id);
	if (!e)
		return;
	if (!selected(t->s, e) || filter_decide(t, id, e) < 0)
		t->st[id] = EV_IGNORED;
	else if (t->w)
		declare(t, id, e);
	else
		t->st[id] = EV_SELECTED;
	if (t->st[id] == EV_SELECTED || t->st[id] == EV_DECLARED)
		t->any = true;
}

static void sync_trace(struct trace *t, uint32_t count)
{
	if (t->pgen != t->s->pgen) {
		for (uint32_t id = 0; id < t->k->a.event_max; id++)
			if (t->st[id] != EV_REFUSED)
				t->st[id] = EV_UNDECIDED;
		filter_trace_free(t); /* decide() compiles them again */
		t->pgen = t->s->pgen;
		t->any = false;
	}
	for (uint32_t id = 0; id < count; id++)
		if (t->st[id] == EV_UNDECIDED)
			decide(t, id);
}

static void sanitize(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-' || *s == '.'))
			*s = '_';
}

/* COMM-PID under the sink's directory (or its current chunk's);
 * declares the selected events. */
static int open_writer(struct trace *t)
{
	struct rm_sink *s = t->s;
	struct conn *k = t->k;
	char comm[17], dir[PATH_MAX + 64], err[PATH_MAX + 128], base[PATH_MAX];
	if (t->failed)
		return -1;
	memcpy(comm, k->hello.comm, 16);
	comm[16] = 0;
	sanitize(comm);
	struct timespec mono, real;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	struct ctf_trace_info info = {
		.hostname = s->c->hostname, .procname = comm, .clock = k->a.clock,
		.real_minus_mono_ns = (real.tv_sec - mono.tv_sec) * 1000000000ll +
				      (real.tv_nsec - mono.tv_nsec),
		.contexts = s->contexts,
	};
	/* per-event contexts: a snapshot sink's rings keep each record with
	 * its own (filter()); each snapshot declares them (consumer_snapshot.c) */
	t->evmask = s->snapshot ? 0 : evctx_trace_mask(k, s->contexts, info.evctx_perf);
	info.evctx = t->evmask;
	if (k->a.clock == RM_CLOCK_TSC) {
		/* calibrated once per consumer, not per trace: no 20 ms sleep in
		 * the drain loop for every new process tree */
		info.calib = rm_clock_pair_now();
		info.tsc_hz = consumer_tsc_hz(s->c, info.calib);
	}
	sink_chunk_base(s, base, sizeof(base));
	snprintf(err, sizeof(err), "no free trace directory name under %s", base);
	bool tried = false;
	for (int n = 0; n < 1000 && !t->w; n++) {
		if (n == 0)
			snprintf(dir, sizeof(dir), "%s/%s-%u", base, comm, k->hello.pid);
		else
			snprintf(dir, sizeof(dir), "%s/%s-%u.%d", base, comm, k->hello.pid, n);
		if (access(dir, F_OK) == 0)
			continue;
		t->w = ctf_writer_open(dir, &info, err, sizeof(err));
		tried = true;
		break;
	}
	if (!t->w) {
		fprintf(stderr, "%s: pid %u (%s): cannot record: %s\n", s->c->who, k->hello.pid,
			k->hello.comm, err);
		sink_chunk_open_failed(s, tried ? dir : NULL, err);
		t->failed = true;
		t->write_errors++;
		return -1;
	}
	t->opened = true;
	sink_chunk_note_dir(s, dir);
	if (s->hook)
		t->hooked = s->hook->opened(s->hook_ctx, dir);
	for (uint32_t id = 0; id < k->a.event_max; id++)
		if (t->st[id] == EV_SELECTED)
			declare(t, id, rm_reader_event(k->r, id));
	return 0;
}

int sink_open_writer(struct trace *t)
{
	return open_writer(t);
}

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

/* Decides the events of a packet's records; true when this trace wants
 * any of them. From the packet's distinct ids when it has them. */
static bool wants(struct trace *t, const struct rm_packet *p)
{
	bool want = false;
	for (uint32_t i = 0; i < p->nids && i < RM_PACKET_IDS; i++) {
		uint32_t id = p->ids[i];
		if (id >= t->k->a.event_max)
			continue;
		if (t->st[id] == EV_UNDECIDED)
			decide(t, id);
		want = want || t->st[id] == EV_SELECTED || t->st[id] == EV_DECLARED;
	}
	if (p->nids)
		return want;
	for (size_t off = 0; off < p->len;) {
		const struct rm_record *rec = (const void *)(p->data + off);
		uint32_t id = RM_REC_ID(rec->word);
		if (id < t->k->a.event_max) {
			if (t->st[id] == EV_UNDECIDED)
				decide(t, id);
			want = want || t->st[id] == EV_SELECTED || t->st[id] == EV_DECLARED;
		}
		off += RM_ALIGN8(RM_REC_SIZE(rec->word));
	}
	return want;
}

static void trace_packet(struct trace *t, const struct rm_packet *p)
{
	if (!wants(t, p) && !(p->lost && t->any))
		return;
	if (t->s->overwrite) {
		struct rm_packet q = sink_filter(t, p, true);
		sink_ring_push(t, &q);
		return;
	}
	if (!t->w && open_writer(t) < 0) {
		/* no trace directory (a full disk, no free name): the records
		 * this trace wanted are counted as unwritten, not dropped in
		 * silence (its events are not declared: take the selected) */
		struct rm_packet q = sink_filter(t, p, true);
		t->unwritten += q.nrecords;
		t->discarded += p->lost;
		return;
	}
	struct rm_packet q = sink_filter(t, p, false);
	sink_write_packet(t, &q);
}

void sink_packet(struct rm_consumer *c, struct conn *k, const struct rm_packet *p)
{
	for (struct rm_sink *s = c->sinks; s; s = s->next) {
		if (s->state != SINK_STARTED && s->state != SINK_STOPPING)
			continue;
		if (s->ch.clearing) /* rm_sink_clear drops what it drains */
			continue;
		struct trace *t = trace_get(s, k, false);
		if (t)
			trace_packet(t, p);
		sink_chunk_after_packet(s);
	}
}

void sink_sync_conn(struct rm_consumer *c, struct conn *k)
{
	if (!k->attached || k->done)
		return;
	/* the generation first: a registration after this read bumps it again */
	uint32_t catgen = rm_reader_catalog_gen(k->r);
	uint32_t count = rm_reader_event_count(k->r);
	if (count > k->a.event_max)
		count = k->a.event_max;
	if (k->synced_gen == c->gen && k->synced_count == count && k->synced_catgen == catgen)
		return;
	k->synced_gen = c->gen;
	k->synced_count = count;
	k->synced_catgen = catgen;
	struct trace *ts[64];
	int nt = 0;
	/* blocking mode: the longest wait a started sink asked for */
	uint64_t block_ns = c->o.block_ns;
	for (struct rm_sink *s = c->sinks; s; s = s->next)
		if (s->state == SINK_STARTED && s->block_ns > block_ns)
			block_ns = s->block_ns;
	__atomic_store_n(&k->a.hdr->block_ns, block_ns, __ATOMIC_RELAXED);
	for (struct rm_sink *s = c->sinks; s && nt < 64; s = s->next) {
		if (s->state != SINK_STARTED && s->state != SINK_STOPPING)
			continue;
		struct trace *t = trace_get(s, k, s->state == SINK_STARTED);
		if (!t)
			continue;
		sync_trace(t, count);
		if (s->state == SINK_STARTED)
			ts[nt++] = t;
	}
	uint32_t evbits = 0; /* per-event contexts: what any started sink asks for */
	for (int i = 0; i < nt; i++)
		evbits |= ts[i]->s->contexts & CTF_CTX_EVENT;
	evctx_sync_conn(k, evbits);
	filter_sync_begin(k);
	for (uint32_t id = 0; id < count; id++) {
		/* An id whose entry is not committed yet is being registered:
		 * nothing is decided about it, so its byte (RM_ENABLE_EARLY
		 * from the stub: keep what it records) stays as it is, and the
		 * next sync looks again. Taking it as "off" once switched off,
		 * for good, a selected event registered just after the helper
		 * connected: every record of a short program gone, uncounted
		 * (session_early_events, issue 19). */
		if (rm_reader_event_pending(k->r, id)) {
			k->synced_count = 0;
			continue;
		}
		uint8_t on = 0;
		for (int i = 0; i < nt && !on; i++)
			on = ts[i]->st[id] == EV_SELECTED || ts[i]->st[id] == EV_DECLARED;
		if (on)
			on |= filter_app_bits(k, ts, nt, id);
		/* the byte itself too: the stub may have set it EARLY after
		 * we read the table */
		if (k->enabled[id] != on ||
		    __atomic_load_n(&k->a.enable[id], __ATOMIC_RELAXED) != on) {
			k->enabled[id] = on;
			/* release: a filter program written above (slot_for)
			 * is out before the byte naming it (a plain store on
			 * x86; a fence instead is not supported by TSan) */
			__atomic_store_n(&k->a.enable[id], on, __ATOMIC_RELEASE);
		}
	}
	filter_sync_end(k);
}

void sink_conn_attached(struct rm_consumer *c, struct conn *k)
{
	for (struct rm_sink *s = c->sinks; s; s = s->next) {
		if (s->state != SINK_STARTED || !s->open_on_attach)
			continue;
		struct trace *t = trace_get(s, k, true);
		if (t && !t->w) {
			sync_trace(t, rm_reader_event_count(k->r));
			open_writer(t);
		}
	}
}

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
