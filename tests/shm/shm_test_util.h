/* Helpers shared by the arena tests: an arena with one test event whose
 * payload is (u64 seq, u32 writer, u32 check), and a collector that checks
 * every record it is handed. */
#ifndef REMORA_TEST_SHM_UTIL_H
#define REMORA_TEST_SHM_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "shm/arena.h"
#include "shm/catalog_write.h"
#include "shm/producer.h"
#include "shm/reader.h"

struct test_payload {
	uint64_t seq;
	uint32_t writer;
	uint32_t check;
} __attribute__((packed));

static inline uint32_t test_check(uint64_t seq, uint32_t writer)
{
	uint64_t x = seq * 0x9e3779b97f4a7c15ull ^ writer;
	return (uint32_t)(x ^ x >> 29);
}

/* Creates an arena with the test event enabled; returns its id. */
uint32_t test_arena(struct rm_arena *a, uint32_t chunk_size, uint32_t chunk_count, uint32_t mode);

/* Writes one test record; returns false when it was dropped. */
bool test_write(struct rm_arena *a, struct rm_writer *w, uint32_t id, uint32_t writer,
		uint64_t seq);

#define TEST_MAX_WRITERS 4096
struct collector {
	uint64_t next[TEST_MAX_WRITERS]; /* next expected seq per writer */
	uint64_t records, packets, lost, bad, gaps, dup;
	uint64_t corrupt_packets;
	bool strict;                     /* fail on any gap not covered by lost */
};
int collect(void *ctx, const struct rm_packet *p);

/* Iteration counts: `normal`, or `valgrind` when REMORA_UNDER_VALGRIND=1. */
bool test_under_valgrind(void);
uint64_t test_iters(uint64_t normal, uint64_t valgrind);

/* A stricter collector for concurrent and killed producers: a bitmap of the
 * sequence numbers received per writer (exactly once, intact), an order
 * check per writer, and the lost counts of packets attributed to writers by
 * the packet's pid or tid (first match in who[]). */
struct tracker {
	uint32_t nwriters;
	uint64_t max_seq;      /* seqs >= max_seq count as bad */
	uint8_t **seen;        /* [writer][seq / 8] */
	uint64_t *count;       /* records received per writer */
	uint64_t *last;        /* last seq + 1 received per writer (0: none) */
	uint64_t *lost;        /* lost reported per writer */
	uint64_t *order_w;     /* order errors per writer */
	uint32_t *who;         /* pid or tid of each writer, 0 when unknown */
	bool by_tid;           /* who[] holds tids instead of pids */
	uint64_t records, bad, dup, order, lost_total, lost_unknown, corrupt_packets, packets;
	uint64_t empty_lost_packets;
	/* Losses of a writer whose pid or tid was not published yet when they
	 * were reported (a writer that found the arena full at its very first
	 * record): attributed once who[] names it, by tracker_resolve(). */
	uint32_t pending_key[64];
	uint64_t pending_lost[64];
	uint32_t npending;
};
/* Attributes pending losses to writers who[] names now. */
void tracker_resolve(struct tracker *t);
void tracker_init(struct tracker *t, uint32_t nwriters, uint64_t max_seq);
void tracker_free(struct tracker *t);
int track(void *ctx, const struct rm_packet *p);
bool tracker_has(const struct tracker *t, uint32_t writer, uint64_t seq);
/* Seqs below `below` that writer w never delivered. */
uint64_t tracker_missing(const struct tracker *t, uint32_t w, uint64_t below);

/* Runs the drain and fails the test on a nonzero return. */
#define DRAIN(r, final, fn, ctx) assert_int_equal(rm_reader_drain((r), (final), (fn), (ctx)), 0)

#endif
