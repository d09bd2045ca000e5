/* An open-addressing hash map from 64-bit keys to nonzero 64-bit values
 * (0 means "absent"), for the exporters' tables of threads, processes,
 * tracks and interned strings: their size follows the trace's shape
 * (threads, event classes), never its number of events. */
#ifndef REMORA_CTL_EXPORT_U64_MAP_H
#define REMORA_CTL_EXPORT_U64_MAP_H

#include <stddef.h>
#include <stdint.h>

struct u64_map {
	uint64_t *keys, *vals;
	size_t cap, n; /* cap is a power of two, or 0 */
};

uint64_t u64_map_get(const struct u64_map *m, uint64_t key);
/* Sets key to val (nonzero). Returns 0, or -1 when out of memory. */
int u64_map_put(struct u64_map *m, uint64_t key, uint64_t val);
void u64_map_free(struct u64_map *m);

/* FNV-1a over bytes, continuing from h (start with U64_HASH_SEED). */
#define U64_HASH_SEED 0xcbf29ce484222325ull
uint64_t u64_hash(uint64_t h, const void *p, size_t n);
/* A well-mixed hash of an integer (splitmix64's finalizer). */
uint64_t u64_mix(uint64_t x);

#endif
