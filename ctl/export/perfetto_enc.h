/* The protobuf wire encoding of the two TracePackets `remora export
 * --format perfetto` writes: a track event (with the InternedData it
 * introduces) and a track descriptor. Hand-written because protobuf-c
 * measured 9x slower on these packets (bench/bench_pb_encode.c,
 * docs/PERFORMANCE.md "Export"); tests/export/test_perfetto_enc.c checks
 * that every packet shape here is byte for byte what protobuf-c encodes
 * from perfetto_trace_min.proto (fields in field-number order, proto2
 * non-packed repeated fields, absent fields left out).
 *
 * Field numbers are Perfetto's (perfetto_trace_min.proto lists them). */
#ifndef REMORA_CTL_EXPORT_PERFETTO_ENC_H
#define REMORA_CTL_EXPORT_PERFETTO_ENC_H

#include <stddef.h>
#include <stdint.h>

enum pfe_type { PFE_SLICE_BEGIN = 1, PFE_SLICE_END = 2, PFE_INSTANT = 3, PFE_COUNTER = 4 };
enum pfe_val { PFE_NONE, PFE_UINT, PFE_INT, PFE_BOOL, PFE_DOUBLE, PFE_STRING };
enum pfe_flags { PFE_SEQ_CLEARED = 1, PFE_SEQ_NEEDS_STATE = 2 };

/* A DebugAnnotation: named by iid, or by name when name_iid is 0. */
struct pfe_ann {
	uint64_t name_iid;
	const char *name;
	enum pfe_val kind;
	uint64_t u;      /* UINT, BOOL */
	int64_t i;       /* INT */
	double d;        /* DOUBLE */
	const char *s;   /* STRING: valid UTF-8, s[0..sn) */
	size_t sn;
};

/* EventName, EventCategory or DebugAnnotationName: an iid and its name. */
struct pfe_interned {
	uint64_t iid;
	const char *name;
};

struct pfe_event {
	uint64_t ts;
	uint32_t seq_id, flags; /* flags 0: left out */
	enum pfe_type type;
	uint64_t track_uuid;
	uint64_t name_iid;       /* or name, or neither */
	const char *name;
	uint64_t cat_iid;        /* or cat, or neither */
	const char *cat;
	int counter;             /* 0 none, 1 counter_value, 2 double_counter_value */
	int64_t counter_value;
	double double_counter_value;
	const struct pfe_ann *ann;
	uint32_t nann;
	/* InternedData entries this packet introduces */
	const struct pfe_interned *names, *cats, *ann_names;
	uint32_t nnames, ncats, nann_names;
};

enum pfe_track_kind { PFE_PROCESS, PFE_THREAD, PFE_COUNTER_TRACK };

struct pfe_track {
	uint64_t ts;
	uint32_t seq_id, flags;
	enum pfe_track_kind kind;
	uint64_t uuid, parent_uuid; /* parent 0: left out */
	const char *name;           /* NULL: left out */
	int32_t pid, tid;
};

/* An upper bound of the encoded size. */
size_t pfe_event_bound(const struct pfe_event *e);
size_t pfe_track_bound(const struct pfe_track *t);
/* Encodes the TracePacket into out (pfe_*_bound bytes); returns its size. */
size_t pfe_event_encode(unsigned char *out, const struct pfe_event *e);
size_t pfe_track_encode(unsigned char *out, const struct pfe_track *t);

#endif
