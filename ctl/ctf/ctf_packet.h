/* The bytes in front of every packet of a stream file: packet header and
 * packet context. ctf_metadata.c declares the same fields in TSDL with
 * align = 8, so this struct must have no implicit padding (asserted
 * below); `pad` is not declared (the add-context fields, when selected,
 * start there), and the struct is 160 bytes, an 8-byte multiple, where
 * the first record starts 8-byte aligned as it did in the arena chunk.
 *
 * The discarded_* fields come first in the packet context, declared as
 * clock values: babeltrace2 then leaves them out of its trace IR, so its
 * text output does not repeat them on every event line, and says nothing
 * about them. Where they belong, in the packet header, babeltrace2 2.0
 * warns "User field found in packet header: ignoring" for each one, and
 * refuses a clock mapping there; in the context as plain integers it
 * prints all eight with every event (2.8x the text). The clock value they
 * set is overwritten at once by timestamp_begin, a full 64-bit clock
 * value, before any event or packet time is taken.
 *
 * Older layouts, both read (ctf_reader.h): before the discarded_* fields
 * (issue 19), the context ended at `level` and the header at `pad` (96
 * bytes); remora's first traces with them had them after `level`, the
 * first one at byte 96 (align = 64), so a 160-byte header too. */
#ifndef REMORA_CTL_CTF_PACKET_H
#define REMORA_CTL_CTF_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define CTF_MAGIC 0xC1FC1FC1u

/* The discarded_<cause> fields of the packet context, in the order of
 * enum rm_lost_cause (shm/reader.h): buffer_full, too_large, catalog_full,
 * no_slot, refused, corrupt, overwritten, write_error. Each is cumulative
 * per stream, as events_discarded is, and their sum is at most
 * events_discarded (the rest has no known cause). They cost 64 bytes per
 * packet: 0.1 % of a flat-out trace (38 packets of up to 64 KiB for
 * 100,000 ticks), 19 % of one of small packets (2,652 packets of about 7
 * records for 20,000 ticks 100 us apart: the drain keeps up). The TSDL
 * text is CTF_CONTEXT_CAUSES, written by ctf_metadata.c and expected by
 * ctf_reader_meta.c (with any whitespace between tokens);
 * CTF_CONTEXT_CAUSES_TAIL is how the first traces with causes declared
 * them, after `level`. */
#define CTF_CONTEXT_CAUSES                                                                    \
	"\t\tuint64_clock_monotonic_t discarded_buffer_full;\n"                                \
	"\t\tuint64_clock_monotonic_t discarded_too_large;\n"                                  \
	"\t\tuint64_clock_monotonic_t discarded_catalog_full;\n"                               \
	"\t\tuint64_clock_monotonic_t discarded_no_slot;\n"                                    \
	"\t\tuint64_clock_monotonic_t discarded_refused;\n"                                    \
	"\t\tuint64_clock_monotonic_t discarded_corrupt;\n"                                    \
	"\t\tuint64_clock_monotonic_t discarded_overwritten;\n"                                \
	"\t\tuint64_clock_monotonic_t discarded_write_error;\n"
#define CTF_CONTEXT_CAUSES_TAIL                                                               \
	"\t\tinteger { size = 64; align = 64; signed = false; } discarded_buffer_full;\n"      \
	"\t\tuint64_t discarded_too_large;\n"                                                  \
	"\t\tuint64_t discarded_catalog_full;\n"                                               \
	"\t\tuint64_t discarded_no_slot;\n"                                                    \
	"\t\tuint64_t discarded_refused;\n"                                                    \
	"\t\tuint64_t discarded_corrupt;\n"                                                    \
	"\t\tuint64_t discarded_overwritten;\n"                                                \
	"\t\tuint64_t discarded_write_error;\n"
#define CTF_CAUSES 8
#define CTF_PACKET_HDR_V1 96u /* without the discarded_* fields */

struct ctf_packet_hdr {
	/* trace.packet.header */
	uint32_t magic;
	uint8_t uuid[16];
	uint32_t stream_id;          /* always 0: one stream class */
	uint64_t stream_instance_id; /* lane number */
	/* stream.packet.context */
	uint64_t discarded_by[CTF_CAUSES]; /* cumulative per stream, by cause */
	uint64_t timestamp_begin;
	uint64_t timestamp_end;
	uint64_t content_size;       /* bits, up to the end of the last record */
	uint64_t packet_size;        /* bits, with the padding */
	uint64_t events_discarded;   /* cumulative per stream */
	uint64_t packet_seq_num;     /* per stream, from 0 */
	uint32_t pid, tid, level;    /* the producer context of this packet */
	uint32_t pad;                /* not declared: add-context fields, or alignment */
};

/* Context fields of `add-context` / `record --context`, declared after
 * the fixed context in this order when selected: uint32_t vpid, uint32_t
 * vtid, and procname as 16 UTF-8 bytes (NUL padded), which babeltrace2
 * shows as a string. They start after `level`: at CTF_CONTEXT_FIXED_END
 * (at CTF_CONTEXT_END_V1 in a trace without causes, at
 * CTF_CONTEXT_END_TAIL after causes declared last); the first record then
 * starts at the next 8-byte boundary. */
enum { CTF_CTX_VPID = 1u, CTF_CTX_VTID = 2u, CTF_CTX_PROCNAME = 4u, CTF_CTX_PACKET = 7u };
/* Per-event contexts, written by the app (shm/evctx.h) and declared as the
 * stream's event.context: ip, cpu_id, and perf counter i of the table in
 * ctl/consumer/consumer_evctx.c as bit 8 + i. */
enum { CTF_CTX_IP = 8u, CTF_CTX_CPU = 16u, CTF_CTX_EVENT = 0xffffff18u };
#define CTF_CTX_PERF(i) (1u << (8 + (i)))
#define CTF_CTX_PERF_MAX 24
#define CTF_CTX_ALL (CTF_CTX_PACKET | CTF_CTX_EVENT)
#define CTF_CTX_PROCNAME_LEN 16
/* where the fixed context ends (the add-context fields start): after
 * `level`; in the older layouts, whose fixed context starts at byte 32,
 * after `level` without causes, or after the causes declared last */
#define CTF_CONTEXT_FIXED_END ((unsigned)offsetof(struct ctf_packet_hdr, pad))
#define CTF_CONTEXT_END_V1 92u
#define CTF_CONTEXT_END_TAIL 160u

static inline size_t ctf_ctx_size(uint32_t ctx)
{
	return (ctx & CTF_CTX_VPID ? 4u : 0u) + (ctx & CTF_CTX_VTID ? 4u : 0u) +
	       (ctx & CTF_CTX_PROCNAME ? CTF_CTX_PROCNAME_LEN : 0u);
}

_Static_assert(offsetof(struct ctf_packet_hdr, uuid) == 4, "packed header");
_Static_assert(offsetof(struct ctf_packet_hdr, stream_id) == 20, "packed header");
_Static_assert(offsetof(struct ctf_packet_hdr, stream_instance_id) == 24, "packed header");
_Static_assert(offsetof(struct ctf_packet_hdr, discarded_by) == 32, "packed context");
_Static_assert(offsetof(struct ctf_packet_hdr, timestamp_begin) == 32 + 8 * CTF_CAUSES,
	       "packed context");
_Static_assert(offsetof(struct ctf_packet_hdr, pid) == 144, "packed context");
_Static_assert(offsetof(struct ctf_packet_hdr, pad) == 156, "packed context");
_Static_assert(sizeof(struct ctf_packet_hdr) == 160, "records start 8-byte aligned");

#endif
