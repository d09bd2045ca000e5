/* The bytes in front of every packet of a stream file: packet header and
 * packet context. ctf_metadata.c declares the same fields in TSDL with
 * align = 8, so this struct must have no implicit padding (asserted
 * below); the explicit `pad` brings it to 96 bytes, an 8-byte multiple,
 * where the first record starts exactly as it did in the arena chunk. */
#ifndef REMORA_CTL_CTF_PACKET_H
#define REMORA_CTL_CTF_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define CTF_MAGIC 0xC1FC1FC1u

struct ctf_packet_hdr {
	/* trace.packet.header */
	uint32_t magic;
	uint8_t uuid[16];
	uint32_t stream_id;          /* always 0: one stream class */
	uint64_t stream_instance_id; /* lane number */
	/* stream.packet.context */
	uint64_t timestamp_begin;
	uint64_t timestamp_end;
	uint64_t content_size;       /* bits, up to the end of the last record */
	uint64_t packet_size;        /* bits, with the padding */
	uint64_t events_discarded;   /* cumulative per stream */
	uint64_t packet_seq_num;     /* per stream, from 0 */
	uint32_t pid, tid, level;    /* the producer context of this packet */
	uint32_t pad;                /* not declared in TSDL: skipped as alignment */
};

/* Context fields of `add-context` / `record --context`, declared after
 * `level` (where `pad` is) in this order when selected: uint32_t vpid,
 * uint32_t vtid, and procname as 16 UTF-8 bytes (NUL padded), which
 * babeltrace2 shows as a string. The first record then starts at the next
 * 8-byte boundary. */
enum { CTF_CTX_VPID = 1u, CTF_CTX_VTID = 2u, CTF_CTX_PROCNAME = 4u, CTF_CTX_PACKET = 7u };
/* Per-event contexts, written by the app (shm/evctx.h) and declared as the
 * stream's event.context: ip, cpu_id, and perf counter i of the table in
 * ctl/consumer/consumer_evctx.c as bit 8 + i. */
enum { CTF_CTX_IP = 8u, CTF_CTX_CPU = 16u, CTF_CTX_EVENT = 0xffffff18u };
#define CTF_CTX_PERF(i) (1u << (8 + (i)))
#define CTF_CTX_PERF_MAX 24
#define CTF_CTX_ALL (CTF_CTX_PACKET | CTF_CTX_EVENT)
#define CTF_CTX_PROCNAME_LEN 16
#define CTF_CONTEXT_END 92u /* end of the fixed packet context (`pad`) */

static inline size_t ctf_ctx_size(uint32_t ctx)
{
	return (ctx & CTF_CTX_VPID ? 4u : 0u) + (ctx & CTF_CTX_VTID ? 4u : 0u) +
	       (ctx & CTF_CTX_PROCNAME ? CTF_CTX_PROCNAME_LEN : 0u);
}

_Static_assert(offsetof(struct ctf_packet_hdr, uuid) == 4, "packed header");
_Static_assert(offsetof(struct ctf_packet_hdr, stream_id) == 20, "packed header");
_Static_assert(offsetof(struct ctf_packet_hdr, stream_instance_id) == 24, "packed header");
_Static_assert(offsetof(struct ctf_packet_hdr, timestamp_begin) == 32, "packed context");
_Static_assert(offsetof(struct ctf_packet_hdr, pid) == 80, "packed context");
_Static_assert(offsetof(struct ctf_packet_hdr, pad) == 92, "packed context");
_Static_assert(sizeof(struct ctf_packet_hdr) == 96, "records start 8-byte aligned");

#endif
