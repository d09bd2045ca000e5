/* The arena's shared-memory layout: the one contract between processes that
 * do not trust each other.
 *
 * Offsets (all computed by rm_layout_compute() from the five sizes in the
 * header, so a reader recomputes them instead of trusting stored ones):
 *
 *   0            struct rm_arena_hdr            (one page)
 *   off_enable   uint8_t enable[event_max]      (a byte per event id)
 *   off_filters  struct rm_filter_prog[RM_FILTER_SLOTS] (shm/filter.h;
 *                not stored in the header: a reader recomputes it)
 *   off_pids     struct rm_pid_entry[pid_max]
 *   off_slots    struct rm_slot[slot_max]       (one per producing thread)
 *   off_descs    struct rm_chunk_desc[chunk_count + small_count]
 *   off_chunks   small_count chunks of small_size bytes, the last chunk
 *                index first, then chunk_count chunks of chunk_size bytes
 *                (chunk index 0 on), page aligned: rm_chunk_addr() and
 *                rm_chunk_len()
 *   off_catalog  struct rm_catalog_entry[event_max] (last since v9)
 *
 * A forked child's page tables for the arena start empty (fork copies none
 * of a shared mapping's), so its first event faults on every page it
 * touches; a read fault maps the 16 pages around it (the kernel's
 * fault-around, 64 KiB) when they are resident. The layout puts what a new
 * process touches into two such windows besides the header's: the pid
 * table's end and the slot table's start (pid entries are claimed from the
 * end, slots from the start), and the descriptor table's end and the
 * chunks' start (small chunks are claimed from the last index down, and
 * stored in reverse, so the last index sits first). The creator maps the
 * arena RM_HOT_REGION-aligned; off_slots and off_chunks are half way into
 * a window. (issue 18: 5 faults on arena pages per new process before, 3
 * after.) The catalog, which a forked child never touches, comes last
 * (v9): before the pid table, its 48 MiB put the header's window and the
 * other two under different page tables, and the child allocated (zeroed,
 * and at exit freed) a page-table page for each; now the three windows lie
 * in the arena's first RM_HOT_REGION, under one (for arenas up to a few
 * hundred MiB: the descriptor table grows with the chunk count).
 *
 * Two chunk size classes: a thread's first chunk at each nesting level is
 * small, so thousands of live threads fit; a level that fills its chunk
 * fast takes a large one next (producer.c, want_large()).
 *
 * Memory-ordering pairs, named once here and referred to by letter:
 *   (A) record commit: producer release-stores rm_record.word after the
 *       timestamp and payload; the reader acquire-loads it.
 *   (B) chunk state: producer CAS FREE->OWNED, release-store OWNED->FULL;
 *       consumer acquire-loads, CAS FULL->CONSUMING before reading a sealed
 *       chunk (and OWNED->CONSUMING for a dead owner's chunk), release-
 *       stores CONSUMING->FREE after zeroing the chunk. Overwrite mode: a
 *       producer CAS FULL->RECLAIMING, zeroes, release-stores OWNED.
 *   (C) catalog entry: producer release-stores state=COMMITTED after the
 *       body; reader acquire-loads state, then copies and validates.
 *   (D) slot/pid claim: CAS 0->owner; the owner's other fields are written
 *       after and read by the consumer only once a chunk of that slot holds
 *       a committed record (which orders them through (A)).
 *   (E) released: consumer release-increments after a FREE store; producers
 *       acquire-load it to decide whether a new scan for a free chunk can
 *       succeed.
 *   (F) consumed: after copying from an OWNED chunk (which its owner may
 *       seal and a reclaimer take meanwhile), the consumer CASes it from
 *       the value it last saw to the new offset, and hands the copy over
 *       only if that succeeds; a reclaimer exchanges it for
 *       RM_CONSUMED_RECLAIMED | new generation, counts as overwritten only
 *       the records from the old offset on, and zeroes the chunk after.
 */
#ifndef REMORA_SHM_LAYOUT_H
#define REMORA_SHM_LAYOUT_H

#include <stdalign.h>
#include <stdint.h>
#include "evctx.h"

#define RM_MAGIC 0x315f41524f4d4552ull /* "REMORA_1" little-endian */
#define RM_VERSION 9u

#define RM_LEVELS 4          /* nesting depth: thread + 3 signal levels */
#define RM_NAME_MAX 32       /* provider and field names, NUL included */
#define RM_EVENT_NAME_MAX 64 /* event names, NUL included */
#define RM_FIELDS_MAX 16
#define RM_RECORD_HDR 16u    /* word + timestamp */
#define RM_HOT_WINDOW 65536u /* the kernel's default fault_around_bytes */
#define RM_HOT_REGION (2u << 20) /* what one page-table page maps (x86-64) */

enum rm_mode { RM_MODE_DISCARD = 0, RM_MODE_OVERWRITE = 1 };
/* COARSE is CLOCK_MONOTONIC_COARSE (tick resolution): the one clock a thread
 * in SECCOMP_MODE_STRICT can read, since strict mode makes rdtsc fault. */
enum rm_clock { RM_CLOCK_MONOTONIC = 0, RM_CLOCK_TSC = 1, RM_CLOCK_MONOTONIC_COARSE = 2 };

/* Field types. Payload encoding is packed, native little-endian, no padding:
 * integers and floats take their size, BOOL one byte (0 or 1), STRING is
 * NUL-terminated, BYTES is a uint32_t length followed by that many bytes. */
enum rm_type {
	RM_T_NONE = 0,
	RM_T_U8, RM_T_U16, RM_T_U32, RM_T_U64,
	RM_T_S8, RM_T_S16, RM_T_S32, RM_T_S64,
	RM_T_BOOL, RM_T_F32, RM_T_F64, RM_T_STRING, RM_T_BYTES,
	RM_T_COUNT
};

/* Header page. Every field above `dyn` is written once by the creator
 * before the fd leaves the process, and read-only afterwards; a reader
 * copies it once and validates the copy. */
struct rm_arena_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;     /* sizeof(struct rm_arena_hdr) */
	uint64_t arena_size;   /* == memfd size, sealed */
	uint32_t chunk_size;   /* power of two, 4 KiB .. 16 MiB */
	uint32_t chunk_count;
	uint32_t event_max;
	uint32_t pid_max;
	uint32_t slot_max;
	uint32_t mode;         /* enum rm_mode */
	uint32_t clock;        /* enum rm_clock */
	uint32_t creator_pid;
	uint32_t small_size;   /* power of two, 4 KiB .. chunk_size; 0 when small_count is */
	uint32_t small_count;  /* small chunks after the large ones; may be 0 */
	uint32_t pad0;
	uint64_t tsc_khz;      /* RM_CLOCK_TSC only: the creator's estimate */
	uint64_t off_enable, off_catalog, off_pids, off_slots, off_descs, off_chunks;

	/* Dynamic words, one cache line each so producers on different CPUs
	 * do not share a line with the consumer's counter. */
	alignas(64) uint32_t next_event_id; /* producers: fetch_add at registration */
	alignas(64) uint64_t released;      /* (E) consumer increments, producers read */
	uint64_t block_ns;                  /* consumer writes: blocking mode, how long a
					     * producer with no free chunk waits for one
					     * (0: discard at once); producers read */
	alignas(64) uint64_t claim_hint;    /* producers: relaxed, where to start a large-chunk scan */
	uint64_t claim_seq;                 /* producers: fetch_add per chunk claim */
	alignas(64) uint64_t lost_noslot;   /* producers: fetch_add when no slot is free */
	uint64_t lost_nested;               /* producers: deeper than RM_LEVELS */
	uint64_t lost_catalog;              /* producers: records of an event that found
					     * no catalog entry (catalog full, v4) */
	/* Drop causes (v5), on drop paths only: of the records counted in the
	 * slots' lost[], those too large for a chunk (the others found no
	 * free chunk); and the records remora_trace() cut to fit a chunk
	 * (kept, not lost). */
	uint64_t lost_toolarge;
	uint64_t truncated;
	alignas(64) uint32_t catalog_gen;   /* producers bump after a catalog commit, and
					     * after a registration set a byte EARLY */
	uint32_t helper_futex;              /* stub writes + wakes the helper */
	uint32_t helper_pid;                /* helper writes once it runs */
	uint32_t helper_state;              /* helper writes: enum rm_helper_state */
	uint32_t enable_written;            /* consumer writes 1 (release) before it first
					     * reads and writes the enable table (kept for
					     * older stubs, which registered events
					     * RM_ENABLE_EARLY only until then) */
	/* Per-event contexts (shm/evctx.h): the consumer writes, producers
	 * read evctx once per enabled event and evctx_perf[] at a thread's
	 * first counter read; evctx_perf_failed: producers add when a perf
	 * counter could not be opened (the value is written as 0). */
	alignas(64) uint32_t evctx;
	uint32_t evctx_pad;
	struct rm_evctx_perf evctx_perf[RM_EVCTX_PERF_SLOTS];
	uint64_t evctx_perf_failed;
	alignas(64) uint8_t pad_end[64];
};

/* An enable byte: 0 off, RM_ENABLE_ON set by a consumer or REMORA_ENABLE,
 * RM_ENABLE_EARLY set by the stub when it registers an event no consumer
 * has decided yet (none wrote the table, or one did before this event
 * existed): a program that emits before its helper connected, or before
 * the consumer's next look at the catalog, keeps those events, and the
 * consumer's sinks drop what no session selects (issue 19). The helper
 * clears EARLY bytes when no consumer listens at all, so an untraced
 * program pays the disabled cost. The fast path tests the byte against
 * zero: both are "on". Bits 2-7, when not zero, name the filter program
 * (shm/filter.h, slot byte >> 2, 1..63) the app runs before it reserves a
 * record of the event (v6). */
enum { RM_ENABLE_ON = 1, RM_ENABLE_EARLY = 2 };

enum rm_helper_state { RM_HELPER_NONE = 0, RM_HELPER_WAITING = 1, RM_HELPER_CONNECTED = 2,
		       RM_HELPER_FAILED = 3 };

/* A catalog slot per event id. Written by the producer that allocated the
 * id (fetch_add on next_event_id), then committed by (C). A producer killed
 * before the commit leaves an empty slot that readers skip. */
struct rm_field {
	char name[RM_NAME_MAX];
	uint8_t type;          /* enum rm_type */
	uint8_t pad[7];
};

enum rm_catalog_state { RM_CAT_EMPTY = 0, RM_CAT_COMMITTED = 0xc0ffee01u };

struct rm_catalog_entry {
	uint32_t state;        /* (C) */
	uint32_t id;           /* == index */
	uint32_t nfields;
	uint32_t layout_hash;  /* of provider, name, field names and types */
	char provider[RM_NAME_MAX];
	char name[RM_EVENT_NAME_MAX];
	struct rm_field fields[RM_FIELDS_MAX];
};

/* A process that has recorded at least once. Claimed by CAS of `pid` from 0
 * by the process itself (its first event, or the creator at start); the
 * helper clears it after the process is gone. */
struct rm_pid_entry {
	uint32_t pid;          /* (D) */
	uint32_t ppid;
	uint64_t token;        /* the process token the entry belongs to */
};

/* A producer slot: one per thread that recorded. Claimed by CAS of `owner`
 * (pid << 32 | tid) from 0 by the thread; `gen` is bumped by the consumer
 * when it frees the slot, so chunk descriptors can name an incarnation. */
struct rm_slot {
	uint64_t owner;               /* (D) */
	uint32_t gen;                 /* consumer writes while the slot is free */
	/* owner adds (relaxed), on the drop path: of the records counted in
	 * lost[] (all levels), those too large for a chunk. Was padding, zero
	 * in older stubs: their drops all read as "buffer full". */
	uint32_t toolarge;
	uint64_t lost[RM_LEVELS];     /* owner stores (relaxed): records dropped so far */
	uint64_t overwritten[RM_LEVELS]; /* reclaimers add (overwrite mode) */
	uint64_t next_seq[RM_LEVELS]; /* owner: next chunk sequence number */
	/* Consumer: how much of lost[] and overwritten[] it has reported. Kept
	 * here, not in the consumer's memory, so a restarted consumer does not
	 * report the same losses twice. Owner and reclaimers never touch it. */
	uint64_t lost_reported[RM_LEVELS];
	uint64_t over_reported[RM_LEVELS];
};

/* Chunk state word, (B):
 *   bits 0..7   kind (enum rm_chunk_kind)
 *   bits 8..15  nesting level of the owner context
 *   bits 16..39 slot index of the owner
 *   bits 40..63 generation, bumped on every return to FREE or reclaim   */
enum rm_chunk_kind {
	RM_CHUNK_FREE = 0,       /* all-zero payload, claimable */
	RM_CHUNK_OWNED = 1,      /* a producer context writes it */
	RM_CHUNK_FULL = 2,       /* sealed by its owner */
	RM_CHUNK_CONSUMING = 3,  /* the consumer reads then zeroes it (keeps level and slot) */
	RM_CHUNK_RECLAIMING = 4, /* overwrite mode: a producer is zeroing it */
};

#define RM_CS_KIND(s) ((uint32_t)((s) & 0xff))
#define RM_CS_LEVEL(s) ((uint32_t)(((s) >> 8) & 0xff))
#define RM_CS_SLOT(s) ((uint32_t)(((s) >> 16) & 0xffffff))
#define RM_CS_GEN(s) ((uint32_t)((s) >> 40))
#define RM_CS_MAKE(kind, level, slot, gen)                                                   \
	((uint64_t)(kind) | (uint64_t)(level) << 8 | (uint64_t)((slot) & 0xffffff) << 16 |   \
	 (uint64_t)((gen) & 0xffffff) << 40)
#define RM_SLOT_MAX_LIMIT 0xffffffu
#define RM_CONSUMED_RECLAIMED 0x80000000u /* flag in rm_chunk_desc.consumed, (F) */

struct rm_chunk_desc {
	uint64_t state;        /* (B) */
	/* Written by the owner after the claim, before its first commit; read
	 * by the consumer only after it saw a committed record (A). */
	uint32_t slot_gen;
	uint32_t consumed;     /* consumer: bytes already read (resume after a restart);
				* RM_CONSUMED_RECLAIMED | gen after a reclaim, (F) */
	uint64_t seq;          /* per (slot, level) chunk sequence number */
	uint64_t lost_before;  /* slot->lost[level] when the chunk was claimed */
	uint64_t claim_seq;    /* global claim order (overwrite mode: oldest first) */
	/* Owner, before its release store of FULL (B): the records it
	 * committed in this chunk (v5). The consumer counts lost what it could
	 * not hand over of them; untrusted: bounded by the chunk's length / 16. */
	uint64_t committed;
	uint64_t pad2[2];
};

/* A record, 8-byte aligned inside its chunk. word == 0 means uncommitted
 * (chunks are zero when claimed). The bytes are also the CTF event layout:
 * rec_size, id, timestamp, payload, next record at the next 8-byte offset. */
struct rm_record {
	uint64_t word;         /* (A) size | (uint64_t)id << 32; size = 16 + payload */
	uint64_t ts;
	unsigned char payload[];
};

/* size: the low 24 bits (a record is at most 64 KiB + 16); bits 24-31:
 * the per-event contexts in front of its payload (shm/evctx.h) */
#define RM_REC_SIZE(w) ((uint32_t)(w) & 0xffffffu)
#define RM_REC_CTX(w) ((uint32_t)((w) >> 24) & 0xffu)
#define RM_REC_ID(w) ((uint32_t)((w) >> 32))
#define RM_ALIGN8(n) (((n) + 7u) & ~7u)

/* Sizes a creator chooses; everything else follows from them. */
struct rm_params {
	uint32_t chunk_size;   /* the large class */
	uint32_t chunk_count;
	uint32_t small_size;   /* the small class (small_count 0: none) */
	uint32_t small_count;
	uint32_t event_max;
	uint32_t pid_max;
	uint32_t slot_max;
	uint32_t mode;
	uint32_t clock;
};

struct rm_layout {
	uint64_t off_enable, off_catalog, off_pids, off_slots, off_descs, off_chunks;
	uint64_t off_filters;
	uint64_t arena_size;
};

_Static_assert(sizeof(struct rm_catalog_entry) == 16 + 32 + 64 + 16 * 40, "catalog ABI");
_Static_assert(sizeof(struct rm_chunk_desc) == 64, "desc ABI");
_Static_assert(sizeof(struct rm_slot) == 16 + 5 * 8 * RM_LEVELS, "slot ABI");
_Static_assert(sizeof(struct rm_record) == RM_RECORD_HDR, "record ABI");
_Static_assert(sizeof(struct rm_arena_hdr) <= 4096, "header fits a page");

#endif
