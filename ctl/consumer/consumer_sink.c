/* The consumer core, output side: sinks (a `remora record` run or a remorad
 * session), their per-arena CTF traces, event selection by glob, and the
 * enable-table union. A sink only receives packets (sink_packet); draining
 * the arenas is consumer_conn.c's, which calls in here and is never called
 * back. What a trace takes of a packet and the writing of it are
 * consumer_sink_write.c; the sink's own life (start, stop, stats, free,
 * closing its traces) is consumer_sink_life.c; the flight recorder's ring
 * is consumer_ring.c. */
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
