/* The hand-written Perfetto encoder (ctl/export/perfetto_enc.c) writes, for
 * every packet shape `remora export` uses, exactly the bytes protobuf-c
 * writes from ctl/export/perfetto_trace_min.proto: the schema-driven
 * encoder is the reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/export/perfetto_enc.h"
#include "ctl/export/perfetto_trace_min.pb-c.h"

typedef Perfetto__Protos__TracePacket Packet;

static void same_bytes(const Packet *ref, const unsigned char *got, size_t n)
{
	size_t rn = perfetto__protos__trace_packet__get_packed_size(ref);
	unsigned char *r = malloc(rn ? rn : 1);
	assert_non_null(r);
	perfetto__protos__trace_packet__pack(ref, r);
	assert_int_equal(n, rn);
	assert_memory_equal(got, r, n);
	/* and protobuf-c reads it back */
	Packet *back = perfetto__protos__trace_packet__unpack(NULL, n, got);
	assert_non_null(back);
	perfetto__protos__trace_packet__free_unpacked(back, NULL);
	free(r);
}

static size_t encode_event(unsigned char **buf, const struct pfe_event *e)
{
	size_t bound = pfe_event_bound(e);
	*buf = malloc(bound);
	assert_non_null(*buf);
	size_t n = pfe_event_encode(*buf, e);
	assert_true(n <= bound);
	return n;
}

static size_t encode_track(unsigned char **buf, const struct pfe_track *t)
{
	size_t bound = pfe_track_bound(t);
	*buf = malloc(bound);
	assert_non_null(*buf);
	size_t n = pfe_track_encode(*buf, t);
	assert_true(n <= bound);
	return n;
}

static void ann_init(Perfetto__Protos__DebugAnnotation *a, uint64_t iid)
{
	perfetto__protos__debug_annotation__init(a);
	a->has_name_iid = iid != 0;
	a->name_iid = iid;
}

/* An instant with interned names, every annotation type, and a string
 * long enough (300 bytes, then 20000) for 2- and 3-byte lengths. */
static void check_instant(size_t slen)
{
	char *s = malloc(slen + 1);
	assert_non_null(s);
	for (size_t i = 0; i < slen; i++)
		s[i] = (char)('a' + i % 26);
	s[slen] = 0;
	struct pfe_ann ann[6] = {
		{ .name_iid = 1, .kind = PFE_UINT, .u = UINT64_MAX },
		{ .name_iid = 2, .kind = PFE_INT, .i = -5 },
		{ .name_iid = 3, .kind = PFE_BOOL, .u = 0 },
		{ .name_iid = 4, .kind = PFE_DOUBLE, .d = -0.25 },
		{ .name_iid = 5, .kind = PFE_STRING, .s = s, .sn = slen },
		{ .name = "inline", .kind = PFE_STRING, .s = "", .sn = 0 },
	};
	struct pfe_interned names[1] = { { 7, "request" } }, cats[1] = { { 1, "app" } };
	struct pfe_interned anns[2] = { { 1, "id" }, { 2, "delta" } };
	struct pfe_event e = { .ts = 1796597828491773194ull, .seq_id = 1, .flags = 2,
			       .type = PFE_INSTANT, .track_uuid = 300, .name_iid = 7, .cat_iid = 1,
			       .ann = ann, .nann = 6, .names = names, .nnames = 1, .cats = cats,
			       .ncats = 1, .ann_names = anns, .nann_names = 2 };
	unsigned char *buf;
	size_t n = encode_event(&buf, &e);

	Perfetto__Protos__DebugAnnotation pa[6], *pap[6];
	for (int i = 0; i < 6; i++) {
		ann_init(&pa[i], i < 5 ? (uint64_t)i + 1 : 0);
		pap[i] = &pa[i];
	}
	pa[0].has_uint_value = 1;
	pa[0].uint_value = UINT64_MAX;
	pa[1].has_int_value = 1;
	pa[1].int_value = -5;
	pa[2].has_bool_value = 1;
	pa[2].bool_value = 0;
	pa[3].has_double_value = 1;
	pa[3].double_value = -0.25;
	pa[4].string_value = s;
	pa[5].string_value = "";
	pa[5].name = "inline";
	Perfetto__Protos__EventName en = PERFETTO__PROTOS__EVENT_NAME__INIT, *enp = &en;
	en.has_iid = 1;
	en.iid = 7;
	en.name = "request";
	Perfetto__Protos__EventCategory ec = PERFETTO__PROTOS__EVENT_CATEGORY__INIT, *ecp = &ec;
	ec.has_iid = 1;
	ec.iid = 1;
	ec.name = "app";
	Perfetto__Protos__DebugAnnotationName an[2], *anp[2] = { &an[0], &an[1] };
	for (int i = 0; i < 2; i++) {
		perfetto__protos__debug_annotation_name__init(&an[i]);
		an[i].has_iid = 1;
		an[i].iid = anns[i].iid;
		an[i].name = (char *)anns[i].name;
	}
	Perfetto__Protos__InternedData id = PERFETTO__PROTOS__INTERNED_DATA__INIT;
	id.n_event_names = 1;
	id.event_names = &enp;
	id.n_event_categories = 1;
	id.event_categories = &ecp;
	id.n_debug_annotation_names = 2;
	id.debug_annotation_names = anp;
	uint64_t cat = 1;
	Perfetto__Protos__TrackEvent te = PERFETTO__PROTOS__TRACK_EVENT__INIT;
	te.n_category_iids = 1;
	te.category_iids = &cat;
	te.n_debug_annotations = 6;
	te.debug_annotations = pap;
	te.has_type = te.has_name_iid = te.has_track_uuid = 1;
	te.type = PERFETTO__PROTOS__TRACK_EVENT__TYPE__TYPE_INSTANT;
	te.name_iid = 7;
	te.track_uuid = 300;
	Packet p = PERFETTO__PROTOS__TRACE_PACKET__INIT;
	p.has_timestamp = p.has_trusted_packet_sequence_id = p.has_sequence_flags = 1;
	p.timestamp = e.ts;
	p.trusted_packet_sequence_id = 1;
	p.sequence_flags = 2;
	p.track_event = &te;
	p.interned_data = &id;
	same_bytes(&p, buf, n);
	free(buf);
	free(s);
}

static void test_instant_with_interning_matches_protobuf_c(void **state)
{
	(void)state;
	check_instant(15);
	check_instant(300);
	check_instant(20000);
}

/* A begin named and categorized inline (a name that could not be
 * interned), an end with no name, no flags. */
static void test_slices_inline_names_match_protobuf_c(void **state)
{
	(void)state;
	struct pfe_event b = { .ts = 5, .seq_id = 1, .type = PFE_SLICE_BEGIN, .track_uuid = 2,
			       .name = "op", .cat = "app" };
	struct pfe_event end = { .ts = 0, .seq_id = 1, .flags = 2, .type = PFE_SLICE_END,
				 .track_uuid = 2, .cat_iid = 3 };
	unsigned char *buf;
	size_t n = encode_event(&buf, &b);
	char *cats[1] = { "app" };
	Perfetto__Protos__TrackEvent te = PERFETTO__PROTOS__TRACK_EVENT__INIT;
	te.has_type = te.has_track_uuid = 1;
	te.type = PERFETTO__PROTOS__TRACK_EVENT__TYPE__TYPE_SLICE_BEGIN;
	te.track_uuid = 2;
	te.n_categories = 1;
	te.categories = cats;
	te.name = "op";
	Packet p = PERFETTO__PROTOS__TRACE_PACKET__INIT;
	p.has_timestamp = p.has_trusted_packet_sequence_id = 1;
	p.timestamp = 5;
	p.trusted_packet_sequence_id = 1;
	p.track_event = &te;
	same_bytes(&p, buf, n);
	free(buf);

	n = encode_event(&buf, &end);
	uint64_t cat = 3;
	Perfetto__Protos__TrackEvent te2 = PERFETTO__PROTOS__TRACK_EVENT__INIT;
	te2.has_type = te2.has_track_uuid = 1;
	te2.type = PERFETTO__PROTOS__TRACK_EVENT__TYPE__TYPE_SLICE_END;
	te2.track_uuid = 2;
	te2.n_category_iids = 1;
	te2.category_iids = &cat;
	Packet p2 = PERFETTO__PROTOS__TRACE_PACKET__INIT;
	p2.has_timestamp = p2.has_trusted_packet_sequence_id = p2.has_sequence_flags = 1;
	p2.trusted_packet_sequence_id = 1;
	p2.sequence_flags = 2;
	p2.track_event = &te2;
	same_bytes(&p2, buf, n);
	free(buf);
}

static void test_counters_match_protobuf_c(void **state)
{
	(void)state;
	for (int dbl = 0; dbl < 2; dbl++) {
		struct pfe_event e = { .ts = 99, .seq_id = 1, .flags = 2, .type = PFE_COUNTER,
				       .track_uuid = 9, .counter = dbl ? 2 : 1,
				       .counter_value = -123456789, .double_counter_value = 1e300 };
		unsigned char *buf;
		size_t n = encode_event(&buf, &e);
		Perfetto__Protos__TrackEvent te = PERFETTO__PROTOS__TRACK_EVENT__INIT;
		te.has_type = te.has_track_uuid = 1;
		te.type = PERFETTO__PROTOS__TRACK_EVENT__TYPE__TYPE_COUNTER;
		te.track_uuid = 9;
		if (dbl) {
			te.has_double_counter_value = 1;
			te.double_counter_value = 1e300;
		} else {
			te.has_counter_value = 1;
			te.counter_value = -123456789;
		}
		Packet p = PERFETTO__PROTOS__TRACE_PACKET__INIT;
		p.has_timestamp = p.has_trusted_packet_sequence_id = p.has_sequence_flags = 1;
		p.timestamp = 99;
		p.trusted_packet_sequence_id = 1;
		p.sequence_flags = 2;
		p.track_event = &te;
		same_bytes(&p, buf, n);
		free(buf);
	}
}

static void test_track_descriptors_match_protobuf_c(void **state)
{
	(void)state;
	const struct pfe_track tracks[] = {
		{ .ts = 1, .seq_id = 1, .flags = 1, .kind = PFE_PROCESS, .uuid = 1, .pid = 4194304 },
		{ .ts = 2, .seq_id = 1, .kind = PFE_THREAD, .uuid = 2, .parent_uuid = 1, .pid = 7,
		  .tid = 2000000 },
		{ .ts = 3, .seq_id = 1, .kind = PFE_COUNTER_TRACK, .uuid = 300, .parent_uuid = 1,
		  .name = "queue.load" },
	};
	for (size_t i = 0; i < sizeof(tracks) / sizeof(tracks[0]); i++) {
		const struct pfe_track *t = &tracks[i];
		unsigned char *buf;
		size_t n = encode_track(&buf, t);
		Perfetto__Protos__ProcessDescriptor pd = PERFETTO__PROTOS__PROCESS_DESCRIPTOR__INIT;
		Perfetto__Protos__ThreadDescriptor thd = PERFETTO__PROTOS__THREAD_DESCRIPTOR__INIT;
		Perfetto__Protos__CounterDescriptor cd = PERFETTO__PROTOS__COUNTER_DESCRIPTOR__INIT;
		Perfetto__Protos__TrackDescriptor td = PERFETTO__PROTOS__TRACK_DESCRIPTOR__INIT;
		td.has_uuid = 1;
		td.uuid = t->uuid;
		td.has_parent_uuid = t->parent_uuid != 0;
		td.parent_uuid = t->parent_uuid;
		td.name = (char *)t->name;
		if (t->kind == PFE_PROCESS) {
			pd.has_pid = 1;
			pd.pid = t->pid;
			td.process = &pd;
		} else if (t->kind == PFE_THREAD) {
			thd.has_pid = thd.has_tid = 1;
			thd.pid = t->pid;
			thd.tid = t->tid;
			td.thread = &thd;
		} else {
			td.counter = &cd;
		}
		Packet p = PERFETTO__PROTOS__TRACE_PACKET__INIT;
		p.has_timestamp = p.has_trusted_packet_sequence_id = 1;
		p.has_sequence_flags = t->flags != 0;
		p.timestamp = t->ts;
		p.trusted_packet_sequence_id = 1;
		p.sequence_flags = t->flags;
		p.track_descriptor = &td;
		same_bytes(&p, buf, n);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instant_with_interning_matches_protobuf_c),
		cmocka_unit_test(test_slices_inline_names_match_protobuf_c),
		cmocka_unit_test(test_counters_match_protobuf_c),
		cmocka_unit_test(test_track_descriptors_match_protobuf_c),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
