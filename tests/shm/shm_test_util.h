/* Helpers shared by the arena tests: an arena with one test event whose
 * payload is (u64 seq, u32 writer, u32 check), and a collector that checks
 * every record it is handed. */
#ifndef REMORA_TEST_SHM_UTIL_H
#define REMORA_TEST_SHM_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "catalog_write.h"
#include "producer.h"
#include "reader.h"

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

#endif
