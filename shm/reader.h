/* The consumer side of the arena. It reads committed records straight from
 * shared memory, copies each span into private memory, validates the copy,
 * and hands it over as a packet. It never waits for a producer: a stalled
 * owner's chunk is read up to its last committed record; a dead owner's
 * chunk is sealed there and freed. Everything read from the arena is read
 * once, then checked (lengths, offsets, ids, names, states). */
#ifndef REMORA_SHM_READER_H
#define REMORA_SHM_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "catalog.h"

#define RM_PACKET_IDS 8

/* Why the records counted in rm_packet.lost were lost. The order is the
 * order of the discarded_* fields of a CTF packet context (ctl/ctf/
 * ctf_packet.h) and of the summary's "lost by cause" line. A producer's
 * drops for want of a chunk and for a record too large share its slot's
 * lost[]; the slot's `toolarge` word tells them apart. */
enum rm_lost_cause {
	RM_LOST_BUFFER_FULL, /* dropped by the producer: no free chunk */
	RM_LOST_TOO_LARGE,   /* dropped by the producer: larger than a chunk */
	RM_LOST_CATALOG,     /* event type with no room in the catalog (set by the consumer) */
	RM_LOST_NO_SLOT,     /* no thread slot, setup, nesting (set by the consumer) */
	RM_LOST_REFUSED,     /* records the reader refused one by one */
	RM_LOST_CORRUPT,     /* records of a chunk cut short by malformed data */
	RM_LOST_OVERWRITTEN, /* flight recorder */
	RM_LOST_WRITE_ERROR, /* a packet the output refused, carried by the next one (sink) */
	RM_LOST_CAUSES
};

/* A validated run of records from one chunk: the bytes are records in the
 * rm_record layout (8-byte aligned, word + timestamp + payload), which is
 * also the CTF event layout. len == 0 happens for the final packet of a
 * context that only reports lost records. */
struct rm_packet {
	uint32_t pid, tid;       /* owner of the chunk, from its slot */
	uint32_t slot, level;    /* producer context */
	uint64_t seq;            /* chunk sequence number within the context */
	uint64_t lost;           /* records of this context dropped since its previous packet */
	/* lost by cause; sums to at most `lost` (a sink that adds to `lost`
	 * without a cause leaves the rest unattributed, never miscounted) */
	uint64_t lost_by[RM_LOST_CAUSES];
	uint32_t nrecords;
	uint64_t ts_begin, ts_end;
	const unsigned char *data;
	size_t len;
	bool corrupt;            /* the chunk held malformed data after these records */
	/* The distinct event ids of the records, in order of first appearance,
	 * when there are at most RM_PACKET_IDS of them; nids == 0 when there
	 * are more (or the packet was not built by the reader): walk the data.
	 * Lets a sink decide a whole packet without walking it. */
	uint32_t nids;
	uint32_t ids[RM_PACKET_IDS];
	/* The OR of the records' per-event context masks (RM_REC_CTX,
	 * shm/evctx.h): 0 when no record carries contexts. */
	uint32_t ctx_any;
};

typedef int (*rm_packet_fn)(void *ctx, const struct rm_packet *p);

/* Returns 1 when (pid, tid) is the same live thread that `first_seen`
 * identified, 0 when it is certainly gone, -1 when it cannot tell (kept as
 * alive and asked again later). The default looks at /proc. */
typedef int (*rm_alive_fn)(void *ctx, uint32_t pid, uint32_t tid, uint64_t *start_time);

struct rm_reader_stats {
	uint64_t records;        /* records handed over */
	uint64_t packets;
	uint64_t lost;           /* records reported lost by producers, all contexts */
	uint64_t overwritten;    /* records reclaimed by producers (overwrite mode) */
	uint64_t corrupt;        /* chunks ended early by malformed data */
	uint64_t refused_records; /* records of sane size whose id or payload was
				   * refused: skipped one by one, counted in `lost` */
	uint64_t lost_corrupt;   /* records of sealed chunks their owner committed and
				  * no walk found (cut short by malformed data),
				  * counted in `lost` */
	uint64_t bad_events;     /* catalog entries refused */
	uint64_t chunks_freed;
	uint64_t slots_freed;
	const char *last_corrupt; /* why the last chunk was cut short (static text) */
	const char *last_refused; /* why the last refused record was (static text) */
};

struct rm_reader;

/* Takes a validated arena (rm_arena_attach) and allocates private state. */
struct rm_reader *rm_reader_new(struct rm_arena *a);
void rm_reader_free(struct rm_reader *r);

void rm_reader_set_alive(struct rm_reader *r, rm_alive_fn fn, void *ctx);

/* Reads what is committed and hands it to fn in order per context (slot,
 * level, seq). With `final`, every producer is treated as gone: partly
 * written chunks are sealed and freed. Returns 0, or fn's nonzero value. */
int rm_reader_drain(struct rm_reader *r, bool final, rm_packet_fn fn, void *ctx);

/* The catalog as validated so far (re-read on every drain and on an
 * unknown id). Entries with !valid are unknown or refused. */
const struct rm_event_info *rm_reader_event(struct rm_reader *r, uint32_t id);
uint32_t rm_reader_event_count(const struct rm_reader *r);
/* An id allocated (below rm_reader_event_count) whose entry is not
 * committed yet: its producer is registering it, or died doing so. */
bool rm_reader_event_pending(struct rm_reader *r, uint32_t id);
/* Bumped by producers after each catalog commit and after a registration
 * set an enable byte: a consumer that saw it change looks again. */
uint32_t rm_reader_catalog_gen(const struct rm_reader *r);

const struct rm_reader_stats *rm_reader_stats(const struct rm_reader *r);

/* Records dropped outside any context (no free slot, nesting too deep,
 * an event whose type found no room in the catalog). */
uint64_t rm_reader_lost_global(const struct rm_reader *r);
/* Of those, the records of events the catalog had no room for. */
uint64_t rm_reader_lost_catalog(const struct rm_reader *r);

/* Losses by cause, as far as the arena says (a hostile app can lie about
 * its own counters: they are reported, never trusted for bounds). */
struct rm_reader_causes {
	uint64_t buffer_full;    /* no free chunk (counted in the slots) */
	uint64_t too_large;      /* larger than a chunk even after truncation */
	uint64_t no_slot;        /* no free slot, setup refused, nesting too deep */
	uint64_t catalog_full;
	uint64_t refused;        /* records the reader refused one by one */
	uint64_t corrupt;        /* records of chunks cut short by malformed data */
	uint64_t overwritten;    /* flight recorder */
	uint64_t truncated;      /* kept, cut to fit a chunk: not lost */
};
void rm_reader_causes(const struct rm_reader *r, struct rm_reader_causes *out);

#endif
