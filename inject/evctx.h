/* The out-of-line reserve of a record with per-event contexts (evctx.c). */
#ifndef REMORA_INJECT_EVCTX_H
#define REMORA_INJECT_EVCTX_H

#include <remora/encode.h>

#include "shm/producer.h"

#define REMORA_PAYLOAD_MAX_ARENA REMORA_PAYLOAD_MAX

/* rm_reserve() of `payload` bytes plus the contexts of mask m, written
 * in front of them; returns where the payload goes, or NULL (dropped and
 * counted, as rm_reserve()). */
unsigned char *rm_reserve_evctx(struct rm_arena *a, struct rm_writer *w, struct rm_wr *wr,
				uint32_t id, size_t payload, uint32_t m, const void *ip);

#endif
