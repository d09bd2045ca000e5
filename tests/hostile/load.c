/* Ordinary load, with the default arena (issue 18):
 *
 *   load live N     N threads alive at once, each records 10 events
 *                   between two barriers (none exits before all recorded)
 *   load burst MiB  one thread records MiB of 32-byte records flat out,
 *                   faster than any drain cadence
 *
 * Prints what it recorded, so the traced and plain runs can be compared. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"

REMORA_EVENT(load, live, (uint32_t, t), (uint32_t, k));
REMORA_EVENT(load, burst, (uint64_t, seq), (uint32_t, x));

#define PER_THREAD 10

static pthread_barrier_t before, after;

static void *live_thread(void *arg)
{
	uint32_t t = (uint32_t)(uintptr_t)arg;
	pthread_barrier_wait(&before);
	for (uint32_t k = 0; k < PER_THREAD; k++)
		remora_trace(load, live, t, k);
	pthread_barrier_wait(&after);
	return NULL;
}

static int live(unsigned n)
{
	pthread_t *th = calloc(n, sizeof(*th));
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (!th || pthread_barrier_init(&before, NULL, n) || pthread_barrier_init(&after, NULL, n))
		return 1;
	for (unsigned i = 0; i < n; i++)
		if (pthread_create(&th[i], &attr, live_thread, (void *)(uintptr_t)i)) {
			fprintf(stderr, "pthread_create failed at thread %u\n", i);
			return 1;
		}
	for (unsigned i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	free(th);
	printf("%u live threads, %d events each\n", n, PER_THREAD);
	return 0;
}

static int burst(unsigned mib)
{
	/* 16-byte header + 12-byte payload = 28, 32 in the chunk */
	uint64_t n = (uint64_t)mib << 20 >> 5;
	for (uint64_t i = 0; i < n; i++)
		remora_trace(load, burst, i, (uint32_t)i ^ 0x5a5a5a5au);
	printf("burst of %llu records\n", (unsigned long long)n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "live"))
		return live((unsigned)atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "burst"))
		return burst((unsigned)atoi(argv[2]));
	fprintf(stderr, "usage: load live N | load burst MIB\n");
	return 2;
}
