/* Where each producer context's last packet went, so that a thread's next
 * packet never lands where a reader would put it before the previous one.
 *
 * Lanes (ctf_lanes.h) take packets by time, not by thread, so a thread's
 * consecutive packets may sit in different stream files. When the next one
 * begins at the very nanosecond the previous one ended, time alone does not
 * order them: babeltrace2's muxer then takes the stream with the lower
 * stream_instance_id (= lane number) first, and would print, say, a slice's
 * end before its begin. So such a packet goes into its predecessor's lane
 * when that lane still fits it, else into a higher-numbered one (a new lane
 * if none fits). Timestamps are never touched.
 *
 * A context is (slot, level) of the arena: one thread at a time, its
 * packets in order; the table is indexed by it (bounded by the arena's
 * slot_max), and the tid is kept to tell a slot's next thread. */
#ifndef REMORA_CTL_CTF_CTX_LANE_H
#define REMORA_CTL_CTF_CTX_LANE_H

#include <stddef.h>
#include <stdint.h>

#include "shm/reader.h"

struct ctf_ctx_last {
	uint64_t end;  /* timestamp_end of the context's last packet with records */
	uint32_t tid;
	int32_t lane;  /* -1: none yet */
};

struct ctf_ctx_lanes {
	struct ctf_ctx_last *v;
	size_t n;
};

/* The lane of p's context's previous packet when it was the same thread's
 * and ended less than `tie` clock cycles before `begin` (so that both may
 * show the same ns: tie = cycles per ns, rounded up, at least 1); else -1. */
int ctf_ctx_lane_tied(const struct ctf_ctx_lanes *c, const struct rm_packet *p, uint64_t begin,
		      uint64_t tie);

/* Notes that p (with records, ending at `end`) went to lane `lane`. Out of
 * memory, it forgets: a later tie is then ordered by lanes only. */
void ctf_ctx_lane_note(struct ctf_ctx_lanes *c, const struct rm_packet *p, int lane, uint64_t end);

void ctf_ctx_lanes_free(struct ctf_ctx_lanes *c);

#endif
