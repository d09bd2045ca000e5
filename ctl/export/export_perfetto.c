/* `remora export --format perfetto`: Perfetto's protobuf trace, written as
 * a stream of `Trace.packet` fields (tag 1, length, TracePacket), which is
 * byte for byte a `Trace` message without ever holding one in memory.
 * Messages are encoded with protobuf-c from perfetto_trace_min.proto (our
 * copy of the few messages used, same field numbers as Perfetto's).
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
#include "ctl/export/perfetto_trace_min.pb-c.h"
#include "ctl/export/slice_stack.h"
#include "ctl/export/text_clean.h"

#define SEQ_ID 1
#define PENDING_MAX (RM_FIELDS_MAX + 2)

typedef Perfetto__Protos__TracePacket Packet;
typedef Perfetto__Protos__TrackEvent TrackEvent;
typedef Perfetto__Protos__DebugAnnotation Annotation;

/* Interned strings of one kind: string hash -> iid, and the strings by iid
 * so that a hash collision is caught (the string then goes inline). */
struct strtab {
	struct u64_map by_hash;
	char **str; /* str[iid - 1] */
	size_t n, cap;
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
	uint64_t next_uuid;
	uint32_t flags; /* sequence_flags of the next packet */
	/* InternedData of the packet being built */
	Perfetto__Protos__InternedData idata;
	Perfetto__Protos__EventName en[PENDING_MAX], *enp[PENDING_MAX];
	Perfetto__Protos__EventCategory ec[PENDING_MAX], *ecp[PENDING_MAX];
	Perfetto__Protos__DebugAnnotationName an[PENDING_MAX], *anp[PENDING_MAX];
	unsigned char *pk;  /* encoded packet */
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
static uint64_t intern_name(struct perfetto *p, const char *s)
{
	int fresh;
	uint64_t iid = strtab_get(&p->names, s, &fresh);
	if (fresh) {
		Perfetto__Protos__EventName *e = &p->en[p->idata.n_event_names];
		perfetto__protos__event_name__init(e);
		e->has_iid = 1;
		e->iid = iid;
		e->name = p->names.str[iid - 1];
		p->enp[p->idata.n_event_names++] = e;
	}
	return iid;
}

static uint64_t intern_cat(struct perfetto *p, const char *s)
{
	int fresh;
	uint64_t iid = strtab_get(&p->cats, s, &fresh);
	if (fresh) {
		Perfetto__Protos__EventCategory *e = &p->ec[p->idata.n_event_categories];
		perfetto__protos__event_category__init(e);
		e->has_iid = 1;
		e->iid = iid;
		e->name = p->cats.str[iid - 1];
		p->ecp[p->idata.n_event_categories++] = e;
	}
	return iid;
}

static uint64_t intern_ann(struct perfetto *p, const char *s)
{
	int fresh;
	uint64_t iid = strtab_get(&p->anns, s, &fresh);
	if (fresh) {
		Perfetto__Protos__DebugAnnotationName *e = &p->an[p->idata.n_debug_annotation_names];
		perfetto__protos__debug_annotation_name__init(e);
		e->has_iid = 1;
		e->iid = iid;
		e->name = p->anns.str[iid - 1];
		p->anp[p->idata.n_debug_annotation_names++] = e;
	}
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

/* Writes pkt as one `Trace.packet` field and resets the packet state. */
static int emit(struct perfetto *p, Packet *pkt)
{
	pkt->has_trusted_packet_sequence_id = 1;
	pkt->trusted_packet_sequence_id = SEQ_ID;
	pkt->has_sequence_flags = p->flags != 0;
	pkt->sequence_flags = p->flags;
	if (p->idata.n_event_names || p->idata.n_event_categories ||
	    p->idata.n_debug_annotation_names)
		pkt->interned_data = &p->idata;
	size_t n = perfetto__protos__trace_packet__get_packed_size(pkt);
	if (n > p->pkcap) {
		unsigned char *b = realloc(p->pk, n);
		if (!b)
			return -1;
		p->pk = b;
		p->pkcap = n;
	}
	perfetto__protos__trace_packet__pack(pkt, p->pk);
	out_putc(p->o, 0x0a); /* Trace.packet: field 1, length-delimited */
	put_varint(p->o, n);
	out_write(p->o, p->pk, n);
	p->flags = PERFETTO__PROTOS__TRACE_PACKET__SEQUENCE_FLAGS__SEQ_NEEDS_INCREMENTAL_STATE;
	p->idata.n_event_names = p->idata.n_event_categories = 0;
	p->idata.n_debug_annotation_names = 0;
	p->slen = 0;
	return 0;
}

static int emit_track(struct perfetto *p, Perfetto__Protos__TrackDescriptor *td, __int128 ns)
{
	Packet pkt = PERFETTO__PROTOS__TRACE_PACKET__INIT;
	pkt.has_timestamp = 1;
	pkt.timestamp = ns > 0 ? (uint64_t)ns : 0;
	pkt.track_descriptor = td;
	uint32_t flags = p->flags;
	if (flags != PERFETTO__PROTOS__TRACE_PACKET__SEQUENCE_FLAGS__SEQ_INCREMENTAL_STATE_CLEARED)
		p->flags = 0; /* a descriptor needs no interned state */
	int rc = emit(p, &pkt);
	return rc;
}

static uint64_t process_track(struct perfetto *p, uint32_t pid, __int128 ns)
{
	uint64_t uuid = u64_map_get(&p->procs, pid);
	if (uuid)
		return uuid;
	uuid = ++p->next_uuid;
	Perfetto__Protos__ProcessDescriptor pd = PERFETTO__PROTOS__PROCESS_DESCRIPTOR__INIT;
	pd.has_pid = 1;
	pd.pid = (int32_t)pid;
	Perfetto__Protos__TrackDescriptor td = PERFETTO__PROTOS__TRACK_DESCRIPTOR__INIT;
	td.has_uuid = 1;
	td.uuid = uuid;
	td.process = &pd;
	if (u64_map_put(&p->procs, pid, uuid) || emit_track(p, &td, ns))
		return 0;
	return uuid;
}

static struct rmx_thread *thread_track(struct perfetto *p, const struct rmx_item *x)
{
	struct rmx_thread *th = rmx_thread_get(&p->threads, x->it->pid, x->it->tid);
	if (!th || th->uuid)
		return th;
	uint64_t parent = process_track(p, th->pid, x->ns);
	if (!parent)
		return NULL;
	Perfetto__Protos__ThreadDescriptor tdd = PERFETTO__PROTOS__THREAD_DESCRIPTOR__INIT;
	tdd.has_pid = tdd.has_tid = 1;
	tdd.pid = (int32_t)th->pid;
	tdd.tid = (int32_t)th->tid;
	Perfetto__Protos__TrackDescriptor td = PERFETTO__PROTOS__TRACK_DESCRIPTOR__INIT;
	td.has_uuid = td.has_parent_uuid = 1;
	td.uuid = ++p->next_uuid;
	td.parent_uuid = parent;
	td.thread = &tdd;
	if (emit_track(p, &td, x->ns))
		return NULL;
	th->uuid = td.uuid;
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
	Perfetto__Protos__CounterDescriptor cd = PERFETTO__PROTOS__COUNTER_DESCRIPTOR__INIT;
	Perfetto__Protos__TrackDescriptor td = PERFETTO__PROTOS__TRACK_DESCRIPTOR__INIT;
	td.has_uuid = td.has_parent_uuid = 1;
	td.uuid = ++p->next_uuid;
	td.parent_uuid = parent;
	td.name = name;
	td.counter = &cd;
	if (u64_map_put(&p->counters, key ? key : 1, td.uuid) || emit_track(p, &td, ns))
		return 0;
	return td.uuid;
}

/* ---------------------------------------------------------- the events */

static char *scratch(struct perfetto *p, size_t n)
{
	if (p->slen + n > p->scap) {
		/* callers keep offsets, not pointers: realloc may move it */
		size_t cap = p->scap ? p->scap : 4096;
		while (cap < p->slen + n)
			cap *= 2;
		char *b = realloc(p->scratch, cap);
		if (!b)
			return NULL;
		p->scratch = b;
		p->scap = cap;
	}
	char *r = p->scratch + p->slen;
	p->slen += n;
	return r;
}

/* The string value of v, cleaned, as an offset into scratch (the buffer
 * may move while the packet is built: offsets are resolved at the end). */
static long string_value(struct perfetto *p, const struct ctfr_value *v)
{
	static const char hex[] = "0123456789abcdef";
	size_t need = v->type == RM_T_BYTES ? 4 + 2 * v->b.n + 1 : 3 * v->b.n + 1;
	size_t at = p->slen;
	char *d = scratch(p, need);
	if (!d)
		return -1;
	if (v->type == RM_T_BYTES) {
		memcpy(d, "hex:", 4);
		for (size_t i = 0; i < v->b.n; i++) {
			d[4 + 2 * i] = hex[v->b.p[i] >> 4];
			d[5 + 2 * i] = hex[v->b.p[i] & 15];
		}
		d[4 + 2 * v->b.n] = 0;
	} else {
		utf8_clean(d, need, v->b.p, v->b.n);
	}
	return (long)at;
}

static void set_value(Annotation *a, const struct ctfr_value *v)
{
	switch (v->type) {
	case RM_T_S8: case RM_T_S16: case RM_T_S32: case RM_T_S64:
		a->has_int_value = 1;
		a->int_value = v->s;
		break;
	case RM_T_BOOL:
		a->has_bool_value = 1;
		a->bool_value = v->u != 0;
		break;
	case RM_T_F32: case RM_T_F64:
		a->has_double_value = 1;
		a->double_value = v->d;
		break;
	default:
		a->has_uint_value = 1;
		a->uint_value = v->u;
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
		TrackEvent te = PERFETTO__PROTOS__TRACK_EVENT__INIT;
		te.has_type = te.has_track_uuid = 1;
		te.type = PERFETTO__PROTOS__TRACK_EVENT__TYPE__TYPE_COUNTER;
		te.track_uuid = uuid;
		if (v->type == RM_T_F32 || v->type == RM_T_F64 ||
		    (v->type == RM_T_U64 && v->u > INT64_MAX)) {
			te.has_double_counter_value = 1;
			te.double_counter_value = v->type == RM_T_U64 ? (double)v->u : v->d;
		} else {
			te.has_counter_value = 1;
			te.counter_value = (v->type >= RM_T_S8 && v->type <= RM_T_S64) ? v->s
										    : (int64_t)v->u;
		}
		Packet pkt = PERFETTO__PROTOS__TRACE_PACKET__INIT;
		pkt.has_timestamp = 1;
		pkt.timestamp = x->ns > 0 ? (uint64_t)x->ns : 0;
		pkt.track_event = &te;
		if (emit(p, &pkt))
			return -1;
	}
	return 0;
}

static int put_event(struct perfetto *p, const struct rmx_item *x, struct rmx_export_stats *st)
{
	const struct ctfr_item *it = x->it;
	struct rmx_thread *th = thread_track(p, x);
	if (!th)
		return -1;
	TrackEvent te = PERFETTO__PROTOS__TRACK_EVENT__INIT;
	Annotation ann[RM_FIELDS_MAX], *annp[RM_FIELDS_MAX];
	long str_at[RM_FIELDS_MAX];
	uint64_t cat_iid;
	char *cat_inline = NULL, *name_inline = NULL;
	te.has_type = te.has_track_uuid = 1;
	te.track_uuid = th->uuid;
	te.debug_annotations = annp;
	if (it->kind == CTFR_LOST) {
		te.type = PERFETTO__PROTOS__TRACK_EVENT__TYPE__TYPE_INSTANT;
		te.has_name_iid = 1;
		te.name_iid = intern_name(p, RMX_LOST_NAME);
		cat_iid = intern_cat(p, RMX_LOST_CAT);
		perfetto__protos__debug_annotation__init(&ann[0]);
		ann[0].has_name_iid = ann[0].has_uint_value = 1;
		ann[0].name_iid = intern_ann(p, "lost");
		ann[0].uint_value = it->lost;
		annp[0] = &ann[0];
		te.n_debug_annotations = 1;
		st->lost += it->lost;
		st->lost_markers++;
		if (!te.name_iid || !cat_iid || !ann[0].name_iid)
			return -1;
		goto out;
	}
	const struct rmx_class *k = &p->cls[x->trace][x->ev_index];
	struct pf_class *pc = &p->pcls[x->trace][x->ev_index];
	st->events++;
	enum rmx_kind kind = rmx_slice_step(th, k);
	if (kind == RMX_COUNTER) {
		st->counters++;
		return put_counters(p, x, k);
	}
	const char *name = kind == RMX_INSTANT ? k->name : k->base;
	switch (kind) {
	case RMX_BEGIN:
		te.type = PERFETTO__PROTOS__TRACK_EVENT__TYPE__TYPE_SLICE_BEGIN;
		st->begins++;
		break;
	case RMX_END:
		te.type = PERFETTO__PROTOS__TRACK_EVENT__TYPE__TYPE_SLICE_END;
		st->ends++;
		break;
	default:
		te.type = PERFETTO__PROTOS__TRACK_EVENT__TYPE__TYPE_INSTANT;
		st->instants++;
		break;
	}
	if (kind != RMX_END) {
		/* a begin and an instant of the same class have different names */
		uint64_t iid = kind == RMX_BEGIN || k->kind == RMX_INSTANT ? pc->name_iid : 0;
		if (!iid)
			iid = intern_name(p, name);
		if (kind == RMX_BEGIN || k->kind == RMX_INSTANT)
			pc->name_iid = iid;
		te.has_name_iid = iid != 0;
		te.name_iid = iid;
		if (!iid)
			name_inline = (char *)name;
	}
	if (!pc->cat_iid)
		pc->cat_iid = intern_cat(p, k->provider);
	cat_iid = pc->cat_iid;
	if (!cat_iid)
		cat_inline = (char *)k->provider;
	const struct ctfr_event *ev = it->ev;
	for (uint32_t i = 0; i < ev->nfields; i++) {
		Annotation *a = &ann[i];
		const struct ctfr_value *v = &it->v[i];
		perfetto__protos__debug_annotation__init(a);
		if (!pc->field_iid[i])
			pc->field_iid[i] = intern_ann(p, ev->fields[i].name);
		a->has_name_iid = pc->field_iid[i] != 0;
		a->name_iid = pc->field_iid[i];
		if (!a->has_name_iid)
			a->name = (char *)ev->fields[i].name;
		str_at[i] = -1;
		if (v->type == RM_T_STRING || v->type == RM_T_BYTES) {
			if ((str_at[i] = string_value(p, v)) < 0)
				return -1;
		} else {
			set_value(a, v);
		}
		annp[i] = a;
	}
	for (uint32_t i = 0; i < ev->nfields; i++)
		if (str_at[i] >= 0)
			ann[i].string_value = p->scratch + str_at[i];
	te.n_debug_annotations = ev->nfields;
out:;
	char *cats[1] = { cat_inline };
	if (cat_inline) {
		te.n_categories = 1;
		te.categories = cats;
	} else {
		te.n_category_iids = 1;
		te.category_iids = &cat_iid;
	}
	te.name = name_inline;
	Packet pkt = PERFETTO__PROTOS__TRACE_PACKET__INIT;
	pkt.has_timestamp = 1;
	pkt.timestamp = x->ns > 0 ? (uint64_t)x->ns : 0;
	pkt.track_event = &te;
	return emit(p, &pkt);
}

int rmx_export_perfetto(struct rmx_cursor *c, struct out_buf *o, struct rmx_export_stats *st)
{
	struct perfetto p = {
		.o = o,
		.flags = PERFETTO__PROTOS__TRACE_PACKET__SEQUENCE_FLAGS__SEQ_INCREMENTAL_STATE_CLEARED,
	};
	int rc = -1;
	*st = (struct rmx_export_stats){ 0 };
	perfetto__protos__interned_data__init(&p.idata);
	p.idata.event_names = p.enp;
	p.idata.event_categories = p.ecp;
	p.idata.debug_annotation_names = p.anp;
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
