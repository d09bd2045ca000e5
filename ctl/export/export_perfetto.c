/* `remora export --format perfetto`: Perfetto's protobuf trace, written as
 * a stream of `Trace.packet` fields (tag 1, length, TracePacket), which is
 * byte for byte a `Trace` message without ever holding one in memory.
 * Packets are encoded by perfetto_enc.c (by hand: 9x faster than
 * protobuf-c, which the tests use to check it), per perfetto_trace_min.proto
 * (our copy of the few messages used, same field numbers as Perfetto's).
 *
 * All packets are on one sequence (trusted_packet_sequence_id 1); the first
 * clears the incremental state, event packets need it: event names,
 * categories (the provider) and field names are interned (InternedData in
 * the packet that first uses them) and referred to by iid.
 *
 * Tracks: one per process (ProcessDescriptor), one per thread
 * (ThreadDescriptor, child of its process), one per counter series (child
 * of its process), each described by a TrackDescriptor packet just before
 * its first event. Timestamps are ns since the Unix epoch (Perfetto's
 * default clock; the UI shows times from the first event). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/export/event_class.h"
#include "ctl/export/export.h"
#include "ctl/export/perfetto_enc.h"
#include "ctl/export/slice_stack.h"
#include "ctl/export/text_clean.h"

#define SEQ_ID 1
#define PENDING_MAX (RM_FIELDS_MAX + 2)

/* Interned strings of one kind: string hash -> iid, and the strings by iid
 * so that a hash collision is caught (the string then goes inline). */
struct strtab {
	struct u64_map by_hash;
	char **str; /* str[iid - 1] */
	size_t n, cap;
};

/* New entries of one strtab, to go in the packet being built. */
struct pending {
	struct pfe_interned v[PENDING_MAX];
	uint32_t n;
};

struct pf_class {
	uint64_t name_iid, cat_iid; /* 0: not looked up yet */
	uint64_t field_iid[RM_FIELDS_MAX];
};

struct perfetto {
	struct out_buf *o;
	struct rmx_class **cls;
	struct pf_class **pcls;
	struct rmx_threads threads;
	struct u64_map procs, counters;
	struct strtab names, cats, anns;
	struct pending pnames, pcats, panns;
	uint64_t next_uuid;
	uint32_t flags;     /* sequence_flags of the next event packet */
	unsigned char *pk;  /* the encoded packet */
	size_t pkcap;
	char *scratch;      /* cleaned strings of the packet being built */
	size_t scap, slen;
};

/* ------------------------------------------------------------ interning */

static uint64_t strtab_get(struct strtab *t, const char *s, int *fresh)
{
	uint64_t h = u64_hash(U64_HASH_SEED, s, strlen(s));
	if (!h)
		h = 1;
	uint64_t iid = u64_map_get(&t->by_hash, h);
	*fresh = 0;
	if (iid)
		return strcmp(t->str[iid - 1], s) ? 0 : iid;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **v = realloc(t->str, cap * sizeof(*v));
		if (!v)
			return 0;
		t->str = v;
		t->cap = cap;
	}
	char *copy = strdup(s);
	if (!copy || u64_map_put(&t->by_hash, h, t->n + 1)) {
		free(copy);
		return 0;
	}
	t->str[t->n++] = copy;
	*fresh = 1;
	return t->n;
}

static void strtab_free(struct strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->str[i]);
	free(t->str);
	u64_map_free(&t->by_hash);
}

/* The iid of s, adding it to the packet's InternedData when new; 0 when s
 * must go inline (hash collision, out of memory). */
static uint64_t intern(struct strtab *t, struct pending *pend, const char *s)
{
	int fresh;
	uint64_t iid = strtab_get(t, s, &fresh);
	if (fresh)
		pend->v[pend->n++] = (struct pfe_interned){ .iid = iid, .name = t->str[iid - 1] };
	return iid;
}

/* ------------------------------------------------------------- packets */

static void put_varint(struct out_buf *o, uint64_t v)
{
	unsigned char b[10];
	size_t n = 0;
	do {
		b[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	out_write(o, b, n);
}

static unsigned char *packet_room(struct perfetto *p, size_t n)
{
	if (n > p->pkcap) {
		unsigned char *b = realloc(p->pk, n);
		if (!b)
			return NULL;
		p->pk = b;
		p->pkcap = n;
	}
	return p->pk;
}

/* Writes the packet in p->pk[0..n) as one `Trace.packet` field. */
static void put_packet(struct perfetto *p, size_t n)
{
	out_putc(p->o, 0x0a); /* Trace.packet: field 1, length-delimited */
	put_varint(p->o, n);
	out_write(p->o, p->pk, n);
}

static int emit_event(struct perfetto *p, struct pfe_event *e)
{
	e->seq_id = SEQ_ID;
	e->flags = p->flags;
	e->names = p->pnames.v;
	e->nnames = p->pnames.n;
	e->cats = p->pcats.v;
	e->ncats = p->pcats.n;
	e->ann_names = p->panns.v;
	e->nann_names = p->panns.n;
	unsigned char *b = packet_room(p, pfe_event_bound(e));
	if (!b)
		return -1;
	put_packet(p, pfe_event_encode(b, e));
	p->flags = PFE_SEQ_NEEDS_STATE;
	p->pnames.n = p->pcats.n = p->panns.n = 0;
	p->slen = 0;
	return 0;
}

/* A descriptor needs no interned state: its flags are 0, except on the
 * first packet, which clears the state. */
static int emit_track(struct perfetto *p, struct pfe_track *t, __int128 ns)
{
	t->ts = ns > 0 ? (uint64_t)ns : 0;
	t->seq_id = SEQ_ID;
	t->flags = p->flags == PFE_SEQ_CLEARED ? PFE_SEQ_CLEARED : 0;
	unsigned char *b = packet_room(p, pfe_track_bound(t));
	if (!b)
		return -1;
	put_packet(p, pfe_track_encode(b, t));
	p->flags = PFE_SEQ_NEEDS_STATE;
	return 0;
}

static uint64_t process_track(struct perfetto *p, uint32_t pid, __int128 ns)
{
	uint64_t uuid = u64_map_get(&p->procs, pid);
	if (uuid)
		return uuid;
	struct pfe_track t = { .kind = PFE_PROCESS, .uuid = ++p->next_uuid, .pid = (int32_t)pid };
	if (u64_map_put(&p->procs, pid, t.uuid) || emit_track(p, &t, ns))
		return 0;
	return t.uuid;
}

static struct rmx_thread *thread_track(struct perfetto *p, const struct rmx_item *x)
{
	struct rmx_thread *th = rmx_thread_get(&p->threads, x->it->pid, x->it->tid);
	if (!th || th->uuid)
		return th;
	uint64_t parent = process_track(p, th->pid, x->ns);
	if (!parent)
		return NULL;
	struct pfe_track t = { .kind = PFE_THREAD, .uuid = ++p->next_uuid, .parent_uuid = parent,
			       .pid = (int32_t)th->pid, .tid = (int32_t)th->tid };
	if (emit_track(p, &t, x->ns))
		return NULL;
	th->uuid = t.uuid;
	return th;
}

/* The track of counter series `field` of class k in process pid. Keyed by
 * a 64-bit hash of (pid, provider:base, field): the same series in every
 * trace under the directory (rotated chunks) shares its track. */
static uint64_t counter_track(struct perfetto *p, const struct rmx_class *k, uint32_t pid,
			      const char *field, __int128 ns)
{
	uint64_t key = u64_hash(k->slice_key ^ u64_mix(pid), field, strlen(field));
	uint64_t uuid = u64_map_get(&p->counters, key ? key : 1);
	if (uuid)
		return uuid;
	uint64_t parent = process_track(p, pid, ns);
	if (!parent)
		return 0;
	char name[RM_EVENT_NAME_MAX + RM_NAME_MAX + 1];
	snprintf(name, sizeof(name), strcmp(field, "value") ? "%s.%s" : "%s", k->base, field);
	struct pfe_track t = { .kind = PFE_COUNTER_TRACK, .uuid = ++p->next_uuid,
			       .parent_uuid = parent, .name = name };
	if (u64_map_put(&p->counters, key ? key : 1, t.uuid) || emit_track(p, &t, ns))
		return 0;
	return t.uuid;
}

/* ---------------------------------------------------------- the events */

/* n bytes of scratch, as an offset: the buffer may move while a packet is
 * built, so pointers are taken only once it is complete. -1: no memory. */
static long scratch(struct perfetto *p, size_t n)
{
	if (p->slen + n > p->scap) {
		size_t cap = p->scap ? p->scap : 4096;
		while (cap < p->slen + n)
			cap *= 2;
		char *b = realloc(p->scratch, cap);
		if (!b)
			return -1;
		p->scratch = b;
		p->scap = cap;
	}
	long at = (long)p->slen;
	p->slen += n;
	return at;
}

/* A string or bytes value as valid UTF-8 text in scratch (bytes as
 * "hex:..." as `remora view` shows them); its length in *len. */
static long string_value(struct perfetto *p, const struct ctfr_value *v, size_t *len)
{
	static const char hex[] = "0123456789abcdef";
	size_t need = v->type == RM_T_BYTES ? 4 + 2 * v->b.n + 1 : 3 * v->b.n + 4;
	long at = scratch(p, need);
	if (at < 0)
		return -1;
	char *d = p->scratch + at;
	if (v->type == RM_T_BYTES) {
		memcpy(d, "hex:", 4);
		for (size_t i = 0; i < v->b.n; i++) {
			d[4 + 2 * i] = hex[v->b.p[i] >> 4];
			d[5 + 2 * i] = hex[v->b.p[i] & 15];
		}
		*len = 4 + 2 * v->b.n;
	} else {
		*len = utf8_clean(d, need, v->b.p, v->b.n);
	}
	return at;
}

static void set_value(struct pfe_ann *a, const struct ctfr_value *v)
{
	switch (v->type) {
	case RM_T_S8: case RM_T_S16: case RM_T_S32: case RM_T_S64:
		a->kind = PFE_INT;
		a->i = v->s;
		break;
	case RM_T_BOOL:
		a->kind = PFE_BOOL;
		a->u = v->u;
		break;
	case RM_T_F32: case RM_T_F64:
		a->kind = PFE_DOUBLE;
		a->d = v->d;
		break;
	default:
		a->kind = PFE_UINT;
		a->u = v->u;
		break;
	}
}

static int put_counters(struct perfetto *p, const struct rmx_item *x, const struct rmx_class *k)
{
	const struct ctfr_event *ev = x->it->ev;
	for (uint32_t i = 0; i < ev->nfields; i++) {
		const struct ctfr_value *v = &x->it->v[i];
		if (!rmx_numeric(v->type))
			continue;
		uint64_t uuid = counter_track(p, k, x->it->pid, ev->fields[i].name, x->ns);
		if (!uuid)
			return -1;
		struct pfe_event e = { .ts = x->ns > 0 ? (uint64_t)x->ns : 0, .type = PFE_COUNTER,
				       .track_uuid = uuid };
		if (v->type == RM_T_F32 || v->type == RM_T_F64 ||
		    (v->type == RM_T_U64 && v->u > INT64_MAX)) {
			e.counter = 2;
			e.double_counter_value = v->type == RM_T_U64 ? (double)v->u : v->d;
		} else {
			e.counter = 1;
			e.counter_value = (v->type >= RM_T_S8 && v->type <= RM_T_S64) ? v->s
										  : (int64_t)v->u;
		}
		if (emit_event(p, &e))
			return -1;
	}
	return 0;
}

static int put_lost(struct perfetto *p, const struct rmx_item *x, struct rmx_thread *th,
		    struct rmx_export_stats *st)
{
	struct pfe_ann a = { .name_iid = intern(&p->anns, &p->panns, "lost"), .name = "lost",
			     .kind = PFE_UINT, .u = x->it->lost };
	struct pfe_event e = { .ts = x->ns > 0 ? (uint64_t)x->ns : 0, .type = PFE_INSTANT,
			       .track_uuid = th->uuid, .name = RMX_LOST_NAME, .cat = RMX_LOST_CAT,
			       .ann = &a, .nann = 1 };
	e.name_iid = intern(&p->names, &p->pnames, RMX_LOST_NAME);
	e.cat_iid = intern(&p->cats, &p->pcats, RMX_LOST_CAT);
	st->lost += x->it->lost;
	st->lost_markers++;
	return emit_event(p, &e);
}

static int put_event(struct perfetto *p, const struct rmx_item *x, struct rmx_export_stats *st)
{
	const struct ctfr_item *it = x->it;
	struct rmx_thread *th = thread_track(p, x);
	if (!th)
		return -1;
	if (it->kind == CTFR_LOST)
		return put_lost(p, x, th, st);
	const struct rmx_class *k = &p->cls[x->trace][x->ev_index];
	struct pf_class *pc = &p->pcls[x->trace][x->ev_index];
	st->events++;
	enum rmx_kind kind = rmx_slice_step(th, k);
	if (kind == RMX_COUNTER) {
		st->counters++;
		return put_counters(p, x, k);
	}
	struct pfe_ann ann[RM_FIELDS_MAX];
	long str_at[RM_FIELDS_MAX];
	struct pfe_event e = { .ts = x->ns > 0 ? (uint64_t)x->ns : 0, .track_uuid = th->uuid,
			       .ann = ann, .nann = it->ev->nfields };
	switch (kind) {
	case RMX_BEGIN:
		e.type = PFE_SLICE_BEGIN;
		st->begins++;
		break;
	case RMX_END:
		e.type = PFE_SLICE_END;
		st->ends++;
		break;
	default:
		e.type = PFE_INSTANT;
		st->instants++;
		break;
	}
	if (kind != RMX_END) {
		/* the name of a begin is its base; of an instant, the event's
		 * name. A class caches the one it has when it pairs. */
		int cached = kind == RMX_BEGIN || k->kind == RMX_INSTANT;
		e.name = kind == RMX_INSTANT ? k->name : k->base;
		e.name_iid = cached ? pc->name_iid : 0;
		if (!e.name_iid)
			e.name_iid = intern(&p->names, &p->pnames, e.name);
		if (cached)
			pc->name_iid = e.name_iid;
	}
	if (!pc->cat_iid)
		pc->cat_iid = intern(&p->cats, &p->pcats, k->provider);
	e.cat_iid = pc->cat_iid;
	e.cat = k->provider;
	const struct ctfr_event *ev = it->ev;
	for (uint32_t i = 0; i < ev->nfields; i++) {
		struct pfe_ann *a = &ann[i];
		const struct ctfr_value *v = &it->v[i];
		if (!pc->field_iid[i])
			pc->field_iid[i] = intern(&p->anns, &p->panns, ev->fields[i].name);
		*a = (struct pfe_ann){ .name_iid = pc->field_iid[i], .name = ev->fields[i].name };
		str_at[i] = -1;
		if (v->type == RM_T_STRING || v->type == RM_T_BYTES) {
			a->kind = PFE_STRING;
			if ((str_at[i] = string_value(p, v, &a->sn)) < 0)
				return -1;
		} else {
			set_value(a, v);
		}
	}
	for (uint32_t i = 0; i < ev->nfields; i++)
		if (str_at[i] >= 0)
			ann[i].s = p->scratch + str_at[i];
	return emit_event(p, &e);
}

int rmx_export_perfetto(struct rmx_cursor *c, struct out_buf *o, struct rmx_export_stats *st)
{
	struct perfetto p = { .o = o, .flags = PFE_SEQ_CLEARED };
	int rc = -1;
	*st = (struct rmx_export_stats){ 0 };
	p.cls = calloc(c->ntraces, sizeof(*p.cls));
	p.pcls = calloc(c->ntraces, sizeof(*p.pcls));
	if (!p.cls || !p.pcls)
		goto out;
	for (size_t i = 0; i < c->ntraces; i++) {
		uint32_t n = c->traces[i].meta.nevents;
		p.cls[i] = rmx_classes(&c->traces[i].meta);
		p.pcls[i] = calloc(n ? n : 1, sizeof(**p.pcls));
		if (!p.cls[i] || !p.pcls[i])
			goto out;
	}
	struct rmx_item x;
	while (rmx_cursor_next(c, &x) && !o->err)
		if (put_event(&p, &x, st))
			goto out;
	st->threads = p.threads.n;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "%s: out of memory\n", c->prog);
	for (size_t i = 0; i < c->ntraces; i++) {
		if (p.cls)
			free(p.cls[i]);
		if (p.pcls)
			free(p.pcls[i]);
	}
	free(p.cls);
	free(p.pcls);
	rmx_threads_free(&p.threads);
	u64_map_free(&p.procs);
	u64_map_free(&p.counters);
	strtab_free(&p.names);
	strtab_free(&p.cats);
	strtab_free(&p.anns);
	free(p.pk);
	free(p.scratch);
	return rc;
}
