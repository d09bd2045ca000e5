/* A hostile arena: the app scribbles over its own committed records.
 * It records 2,000 events, finds the arena among its mappings (the memfd
 * "remora"), writes pseudo-random words over the committed part of every
 * chunk that holds records, then records 2,000 more and exits. The
 * consumer must write a trace babeltrace2 reads, count the damage, and
 * never crash or hang (DESIGN.md section 3, line 9). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hostile.h"
#ifndef NO_REMORA
#include "shm/layout.h"
#endif

REMORA_EVENT(garbage, ev, (uint32_t, phase), (uint32_t, k), (const char *, s));

static void record(uint32_t phase)
{
	for (uint32_t k = 0; k < 2000; k++)
		remora_trace(garbage, ev, phase, k, "some string payload");
}

/* The arena's base address, from /proc/self/maps; NULL in the plain build. */
static char *arena_base(void)
{
	char *base = NULL;
#ifndef NO_REMORA
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	while (f && !base && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (strstr(line, "/memfd:remora ") && sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    hi - lo > 4096)
			base = (char *)lo;
	}
	if (f)
		fclose(f);
#endif
	return base;
}

static void scribble(char *base)
{
#ifndef NO_REMORA
	const struct rm_arena_hdr *h = (const void *)base;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint32_t large = h->chunk_count, total = large + h->small_count;
	char *chunks = base + h->off_chunks;
	for (uint32_t i = 0; i < total; i++) {
		/* small chunks first, last index first, then the large ones
		 * (shm/layout.h) */
		uint64_t off = i < large ? (uint64_t)h->small_count * h->small_size +
						   (uint64_t)i * h->chunk_size
					 : (uint64_t)(total - 1 - i) * h->small_size;
		uint64_t *w = (uint64_t *)(chunks + off);
		if (!w[0])
			continue; /* nothing committed here */
		/* every 7th word of the first 4 KiB: headers, timestamps, payloads */
		for (uint32_t k = 3; k < 512; k += 7) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			__atomic_store_n(&w[k], x, __ATOMIC_RELAXED);
		}
	}
#else
	(void)base;
#endif
}

int main(void)
{
	record(0);
	char *base = arena_base();
	if (HOSTILE_TRACED && !base) {
		fprintf(stderr, "arena not found in /proc/self/maps\n");
		return 1;
	}
	if (base)
		scribble(base);
	record(1);
	printf("recorded 4000 events, scribbled over the arena\n");
	return 0;
}
