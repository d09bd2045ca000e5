/* Per-event contexts on the consumer's side (consumer_evctx.c): the names
 * users give (ip, cpu_id, perf:thread:NAME), the arena's slot table, and
 * the rewrite of each record into its trace's event.context layout. */
#ifndef REMORA_CTL_CONSUMER_EVCTX_H
#define REMORA_CTL_CONSUMER_EVCTX_H

#include <stddef.h>
#include <stdint.h>

#include "shm/layout.h"

struct conn;

/* CTF_CTX_IP, CTF_CTX_CPU or CTF_CTX_PERF(i) for `type`; 1 when it is
 * one of them, 0 when it is not a per-event context, -1 (err set) for a
 * perf:thread: counter remora does not know. */
int rm_evctx_parse(const char *type, uint32_t *bit, char *err, size_t errlen);

/* The perf counters a `--help` lists. */
const char *rm_evctx_perf_names(void);

/* Makes the arena ask for the per-event contexts of `bits` (CTF_CTX_*,
 * the union over the sinks): perf counters get a slot each (append-only,
 * at most RM_EVCTX_PERF_SLOTS per arena; more are not recorded). */
void evctx_sync_conn(struct conn *k, uint32_t bits);

/* The record mask (RM_EVCTX_*) of a trace of conn k that asked for
 * `bits`, and its perf slots' field names into names[]. */
uint32_t evctx_trace_mask(struct conn *k, uint32_t bits, const char *names[RM_EVCTX_PERF_SLOTS]);

/* Copies record `rec` (its contexts: RM_REC_CTX of its word) to dst with
 * the contexts of `mask` instead (missing values 0, extra ones dropped),
 * its word carrying `mask`; returns the bytes written (8-byte aligned). */
size_t evctx_rewrite(unsigned char *dst, const struct rm_record *rec, uint32_t mask);

/* Clears the context bits of the words of a packet's records (a trace's
 * records keep their contexts, declared in the metadata, not in the word). */
void evctx_clear_words(unsigned char *data, size_t len);

/* The most a packet of len bytes can grow in evctx_rewrite. */
static inline size_t evctx_grow_max(size_t len)
{
	return len + len / RM_RECORD_HDR * 64;
}

#endif
