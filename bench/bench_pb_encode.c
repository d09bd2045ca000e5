/* protobuf-c against a hand-written encoder for the packet `remora export
 * --format perfetto` writes most: a TracePacket with a timestamp, the
 * sequence id and flags, and a TrackEvent (instant: category iid, name
 * iid, track uuid, three debug annotations: two integers and a 15-byte
 * string), by ctl/export/perfetto_enc.c and by protobuf-c. Both must produce the same bytes (checked); then each encodes
 * the packet --count times, --reps times, interleaved, and the median
 * ns/packet of each is printed. The decision it informs is documented in
 * docs/PERFORMANCE.md ("Export").
 *
 * Usage: bench_pb_encode [--count N] [--reps R] */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/export/perfetto_enc.h"
#include "ctl/export/perfetto_trace_min.pb-c.h"

struct ev {
	uint64_t ts, cat, name, track, a, b;
	const char *s;
};

/* The encoder `remora export` uses (ctl/export/perfetto_enc.c). */
static size_t hand_encode(uint8_t *out, const struct ev *e)
{
	struct pfe_ann ann[3] = {
		{ .name_iid = 1, .kind = PFE_UINT, .u = e->a },
		{ .name_iid = 2, .kind = PFE_UINT, .u = e->b },
		{ .name_iid = 3, .kind = PFE_STRING, .s = e->s, .sn = strlen(e->s) },
	};
	struct pfe_event pe = { .ts = e->ts, .seq_id = 1, .flags = PFE_SEQ_NEEDS_STATE,
				.type = PFE_INSTANT, .track_uuid = e->track, .name_iid = e->name,
				.cat_iid = e->cat, .ann = ann, .nann = 3 };
	return pfe_event_encode(out, &pe);
}

static size_t pbc_encode(uint8_t *out, const struct ev *e)
{
	Perfetto__Protos__DebugAnnotation ann[3], *annp[3];
	for (int i = 0; i < 3; i++) {
		perfetto__protos__debug_annotation__init(&ann[i]);
		ann[i].has_name_iid = 1;
		ann[i].name_iid = (uint64_t)i + 1;
		annp[i] = &ann[i];
	}
	ann[0].has_uint_value = ann[1].has_uint_value = 1;
	ann[0].uint_value = e->a;
	ann[1].uint_value = e->b;
	ann[2].string_value = (char *)e->s;
	uint64_t cat = e->cat;
	Perfetto__Protos__TrackEvent te = PERFETTO__PROTOS__TRACK_EVENT__INIT;
	te.n_category_iids = 1;
	te.category_iids = &cat;
	te.n_debug_annotations = 3;
	te.debug_annotations = annp;
	te.has_type = te.has_name_iid = te.has_track_uuid = 1;
	te.type = PERFETTO__PROTOS__TRACK_EVENT__TYPE__TYPE_INSTANT;
	te.name_iid = e->name;
	te.track_uuid = e->track;
	Perfetto__Protos__TracePacket pkt = PERFETTO__PROTOS__TRACE_PACKET__INIT;
	pkt.has_timestamp = pkt.has_trusted_packet_sequence_id = pkt.has_sequence_flags = 1;
	pkt.timestamp = e->ts;
	pkt.trusted_packet_sequence_id = 1;
	pkt.sequence_flags = 2;
	pkt.track_event = &te;
	size_t n = perfetto__protos__trace_packet__get_packed_size(&pkt);
	perfetto__protos__trace_packet__pack(&pkt, out);
	return n;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long count = 2000000, reps = 11;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--count"))
			count = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--reps"))
			reps = atol(argv[i + 1]);
	}
	if (count < 1 || reps < 1 || reps > 101)
		return 2;
	static uint8_t a[4096], b[4096];
	struct ev e = { 1796597828491773194ull, 1, 1, 2, 12345, 300, "GET /index.html" };
	size_t na = hand_encode(a, &e), nb = pbc_encode(b, &e);
	if (na != nb || memcmp(a, b, na)) {
		fprintf(stderr, "bench_pb_encode: the encoders disagree (%zu vs %zu bytes)\n", na, nb);
		return 1;
	}
	double th[101], tp[101];
	volatile size_t sink = 0;
	for (long r = 0; r < reps; r++) {
		double t0 = now();
		for (long i = 0; i < count; i++) {
			e.ts += 40;
			sink += hand_encode(a, &e);
		}
		double t1 = now();
		for (long i = 0; i < count; i++) {
			e.ts += 40;
			sink += pbc_encode(b, &e);
		}
		double t2 = now();
		th[r] = (t1 - t0) / (double)count;
		tp[r] = (t2 - t1) / (double)count;
	}
	qsort(th, (size_t)reps, sizeof(double), cmp);
	qsort(tp, (size_t)reps, sizeof(double), cmp);
	printf("packet %zu bytes, identical; %ld x %ld packets\n", na, reps, count);
	printf("hand encoder  %6.1f ns/packet (min %.1f, max %.1f)\n", th[reps / 2], th[0], th[reps - 1]);
	printf("protobuf-c    %6.1f ns/packet (min %.1f, max %.1f)\n", tp[reps / 2], tp[0], tp[reps - 1]);
	printf("protobuf-c / hand: %.2fx\n", tp[reps / 2] / th[reps / 2]);
	return sink == 0;
}
