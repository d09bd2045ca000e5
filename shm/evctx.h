/* Per-event contexts (add-context -t ip|cpu_id|perf:thread:NAME): values
 * only the app can know, written by the app in front of the payload of
 * each record while a consumer asks for them.
 *
 * The consumer writes the arena's `evctx` word (a mask of RM_EVCTX_*)
 * and, before it sets a perf bit, that slot's counter in evctx_perf[]
 * (slots are append-only per arena: a slot never changes counter, so a
 * record is read the same way whenever it was written). The app tests the
 * word once per enabled event; a record written with contexts carries the
 * mask it used in bits 24-31 of its word (RM_REC_CTX, layout.h), and its
 * context values sit between the header and the payload, packed, in bit
 * order: ip (8 bytes), cpu_id (4), then one 8-byte value per perf slot.
 * So every record says its own layout: a mask changed mid-run can never
 * make the consumer misread one. */
#ifndef REMORA_SHM_EVCTX_H
#define REMORA_SHM_EVCTX_H

#include <stddef.h>
#include <stdint.h>

enum {
	RM_EVCTX_IP = 1u,      /* the call site's address */
	RM_EVCTX_CPU = 2u,     /* the cpu the record was written on */
	RM_EVCTX_PERF0 = 4u,   /* perf slots 0..5: bits 2..7 */
};
#define RM_EVCTX_PERF_SLOTS 6u
#define RM_EVCTX_BITS 0xffu

/* One perf counter slot (PERF_TYPE_*, config), written by the consumer. */
struct rm_evctx_perf {
	uint32_t type;
	uint32_t pad;
	uint64_t config;
};

static inline size_t rm_evctx_size(uint32_t m)
{
	/* the perf slots' count by hand: __builtin_popcount is a libgcc call
	 * (20 instructions) without -mpopcnt */
	uint32_t x = m >> 2 & 0x3fu;
	x = x - (x >> 1 & 0x15u);
	x = (x & 0x33u) + (x >> 2 & 0x33u);
	x = (x + (x >> 4)) & 0x0fu;
	return (m & RM_EVCTX_IP ? 8u : 0u) + (m & RM_EVCTX_CPU ? 4u : 0u) + 8u * (size_t)x;
}

#endif
