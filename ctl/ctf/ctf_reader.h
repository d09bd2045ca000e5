/* A strict reader for the CTF 1.8 traces remora writes (ctl/ctf/ctf_writer.h),
 * used by `remora view`. It reads remora's own dialect only, and trusts
 * nothing in the files: every size, offset, id and string is checked
 * against the bytes actually there, and anything unexpected is refused
 * with one line saying what and where. It never reads out of bounds, never
 * loops without consuming input, and allocates at most a bounded multiple
 * of its input.
 *
 * Both halves work on memory, so a fuzz harness can call them directly:
 * ctfr_meta_parse() on metadata text and ctfr_stream_* over a buffer
 * (ctfr_mem_source) for a stream file.
 *
 * The TSDL subset (exactly what ctl/ctf/ctf_metadata.c writes; tokens may be
 * separated by any whitespace and C comments):
 *
 *   a comment "CTF 1.8"                          (the text must start with it)
 *   typealias integer { size = 8|16|32|64; align = 8; signed = false; } := uint<N>_t;
 *                                                   (the four, in that order)
 *   trace { major = 1; minor = 8; uuid = "<36-char uuid>"; byte_order = le;
 *           packet.header := struct { uint32_t magic; uint8_t uuid[16];
 *                                     uint32_t stream_id; uint64_t stream_instance_id; }; };
 *   env { <ident> = "<string>" | <integer>; ... };   (any entries)
 *   clock { name = "monotonic"; description = "<string>"; freq = <u64 >= 1>;
 *           precision = <u64>; offset_s = <s64>; offset = <u64 < freq>; absolute = TRUE; };
 *   typealias integer { size = 64; align = 8; signed = false;
 *                       map = clock.monotonic.value; } := uint64_clock_monotonic_t;
 *   stream { id = 0; event.header := struct { <rec_size, id, timestamp as written> };
 *            packet.context := struct { <the fields of struct ctf_packet_hdr> }; };
 *                                 (three layouts are read: the discarded_* fields
 *                                  first, declared uint64_clock_monotonic_t, as
 *                                  written now; after `level` (CTF_CONTEXT_CAUSES_TAIL),
 *                                  as remora's first traces with them; none, the
 *                                  context ending at `level`, as older remora)
 *   event { name = "<provider>:<name>"; id = <u32 < CTFR_ID_LIMIT>; stream_id = 0;
 *           fields := struct { <field>* }; };         (zero or more, ids unique)
 *
 *   <field>: integer { size = 8|16|32|64; align = 8; signed = true|false; } _x;
 *            enum : integer { size = 8; align = 8; signed = false; }
 *                   { "false" = 0, "true" = 1 } _x;                    (bool)
 *            floating_point { exp_dig = 8; mant_dig = 24; align = 8; } _x;
 *            floating_point { exp_dig = 11; mant_dig = 53; align = 8; } _x;
 *            string _x;
 *            uint32_t _n; uint8_t _x[_n];         (bytes; the length just before)
 *
 * Names are C identifiers; field names start with the '_' TSDL strips.
 * Strings hold printable ASCII, with \" and \\ as the only escapes.
 * Numbers are decimal. Packetized (binary) metadata is refused.
 *
 * Stream files: packets of struct ctf_packet_hdr (ctl/ctf/ctf_packet.h) then
 * records at 8-byte offsets from the packet start: uint32 rec_size
 * (= 16 + payload), uint32 id, uint64 timestamp, packed payload. A trace
 * without the discarded_* fields has the 96-byte header of older remora
 * (CTF_PACKET_HDR_V1) and no losses by cause; one with them after `level`
 * has timestamp_begin .. level at bytes 32..92 as that one, and the
 * causes at 96..160. */
#ifndef REMORA_CTL_CTF_READER_H
#define REMORA_CTL_CTF_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/ctf/ctf_packet.h"
#include "shm/layout.h"

#define CTFR_ID_LIMIT (1u << 20)        /* as the writer's CTF_EVENT_ID_LIMIT */
#define CTFR_METADATA_MAX (64u << 20)   /* bytes of metadata text */
#define CTFR_PACKET_MAX (64u << 20)     /* bytes of one packet (chunks are <= 16 MiB) */
/* The smallest packet header of any layout (a trace without causes or
 * add-context fields): every packet is at least that long. A trace's own
 * is ctfr_meta.packet_hdr, its packet_size at ctfr_meta.fixed_off + 24. */
#define CTFR_PACKET_HDR CTF_PACKET_HDR_V1
#define CTFR_PACKET_SIZE_OFF(m) ((m)->fixed_off + 24u)

struct ctfr_event {
	uint32_t id;
	uint32_t nfields;
	char name[RM_NAME_MAX + RM_EVENT_NAME_MAX]; /* "provider:name" */
	struct {
		char name[RM_NAME_MAX]; /* without the TSDL underscore */
		uint8_t type;           /* enum rm_type */
	} fields[RM_FIELDS_MAX];
};

#define CTFR_EVCTX_MAX 8

struct ctfr_meta {
	uint8_t uuid[16];
	uint64_t freq;      /* Hz, >= 1 */
	int64_t offset_s;
	uint64_t offset;    /* cycles, < freq */
	struct ctfr_event *events; /* sorted by id */
	uint32_t nevents;
	bool causes;        /* the packet context has the discarded_* fields */
	uint32_t causes_off; /* where they are: 32 (first in the context), or
			      * 96 (after `level`, remora's first traces with them) */
	uint32_t fixed_off; /* where timestamp_begin is: 96 after the causes, else 32;
			     * packet_size is 24 bytes further */
	uint32_t contexts;  /* CTF_CTX_* (ctf_packet.h): add-context fields after those */
	uint32_t context_end; /* where the declared context ends: 156 (160 with the
			       * causes last, 92 without causes) plus the
			       * add-context fields */
	uint32_t packet_hdr; /* where records start: context_end rounded up to 8 */
	/* event.context (per-event contexts, shm/evctx.h): unsigned fields of
	 * 4 or 8 bytes between each event's header and payload */
	uint32_t nevctx;
	struct {
		char name[RM_NAME_MAX + 16]; /* without the TSDL underscore */
		uint8_t size;                /* bytes: 4 or 8 */
		bool hex;                    /* declared base = 16 (ip) */
	} evctx[CTFR_EVCTX_MAX];
	size_t evctx_size;  /* bytes, the sum of the sizes */
};

/* Parses metadata text (need not be NUL-terminated). Returns 0, or -1 with
 * "line N: what" in err; *m is then empty and needs no free. */
int ctfr_meta_parse(const char *text, size_t len, struct ctfr_meta *m, char *err,
		    size_t errlen);
void ctfr_meta_free(struct ctfr_meta *m);
const struct ctfr_event *ctfr_meta_event(const struct ctfr_meta *m, uint32_t id);

/* Nanoseconds since the Unix epoch of clock value v, as babeltrace2 counts
 * them (whole seconds, then the remainder truncated to ns). */
__int128 ctfr_time_ns(const struct ctfr_meta *m, uint64_t v);

/* Where a stream's bytes come from. fetch returns n bytes at off, valid
 * until the next fetch, or NULL with err set; size gives the current size. */
struct ctfr_source {
	void *ctx;
	int (*size)(void *ctx, uint64_t *size, char *err, size_t errlen);
	const unsigned char *(*fetch)(void *ctx, uint64_t off, size_t n, char *err,
				      size_t errlen);
};

struct ctfr_mem {
	const unsigned char *buf;
	size_t len;
};
/* A source over memory; `m` must outlive the stream. */
struct ctfr_source ctfr_mem_source(struct ctfr_mem *m);

struct ctfr_value {
	uint8_t type; /* enum rm_type */
	union {
		uint64_t u;
		int64_t s;
		double d;
		struct {
			const unsigned char *p; /* strings: without the NUL */
			size_t n;
		} b;
	};
};

enum ctfr_kind { CTFR_END = 0, CTFR_EVENT = 1, CTFR_LOST = 2 };

/* One thing a stream yields. Pointers stay valid until the next call. */
struct ctfr_item {
	enum ctfr_kind kind;
	uint64_t ts;        /* clock value: the event's, or the packet's begin for LOST */
	uint64_t offset;    /* byte offset in the file (record or packet) */
	uint32_t pid, tid, level;
	uint32_t vpid, vtid; /* context fields, when the trace has them (meta->contexts) */
	char procname[17];   /* NUL-terminated */
	uint64_t lost;      /* LOST: events_discarded growth */
	/* LOST: of `lost`, by cause (enum rm_lost_cause order); all zero when
	 * the trace has no causes (meta.causes false) */
	uint64_t lost_by[CTF_CAUSES];
	bool causes;        /* LOST: the trace records causes (ctfr_meta.causes) */
	const struct ctfr_event *ev;
	struct ctfr_value v[RM_FIELDS_MAX];
	uint64_t evctx[CTFR_EVCTX_MAX]; /* EVENT: the event.context values (meta->evctx) */
	const struct ctfr_meta *meta;   /* EVENT: the trace's, for the names of evctx[] */
};

/* Called for each corruption found: the byte offset and what is wrong. The
 * stream then goes on at the next packet when the packet's size could be
 * trusted, else it ends. */
typedef void (*ctfr_error_fn)(void *ctx, uint64_t offset, const char *what);

struct ctfr_stream {
	const struct ctfr_meta *meta;
	struct ctfr_source src;
	ctfr_error_fn on_error;
	void *err_ctx;
	/* state */
	bool done, in_packet, lost_pending;
	uint64_t pkt_off, pkt_size;     /* current packet in the file */
	const unsigned char *pkt;       /* its content bytes */
	size_t content, pos;            /* content bytes, next record */
	uint64_t ts_begin, ts_end, discarded, last_ts;
	uint64_t lost;                  /* growth of events_discarded at this packet */
	uint64_t discarded_by[CTF_CAUSES], lost_by[CTF_CAUSES]; /* the same, by cause */
	uint32_t pid, tid, level;
	uint32_t vpid, vtid;
	char procname[17];
	uint64_t errors;
};

void ctfr_stream_init(struct ctfr_stream *s, const struct ctfr_meta *m, struct ctfr_source src,
		      ctfr_error_fn on_error, void *err_ctx);
/* Fills *it with the next event or loss; returns its kind (CTFR_END at the
 * end of the stream, corrupt or not). */
enum ctfr_kind ctfr_stream_next(struct ctfr_stream *s, struct ctfr_item *it);

#endif
