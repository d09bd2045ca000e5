/* Thread churn: 10,000 short-lived threads, 4 alive at a time, each
 * recording 5 events. RssAnon and RssShmem of the process are sampled after 1,000 and
 * after 10,000 threads and written to a file for the check: the arena and
 * the tracer's per-thread state must not grow with the number of threads
 * that ever lived. Usage: threadchurn RSSFILE */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hostile.h"

REMORA_EVENT(churn, ev, (uint32_t, thread), (uint32_t, k), (int, tid));

#define THREADS 10000
#define ALIVE 4
#define PER_THREAD 5

static void *run(void *arg)
{
	uint32_t i = (uint32_t)(uintptr_t)arg;
	int tid = gettid();
	for (uint32_t k = 0; k < PER_THREAD; k++)
		remora_trace(churn, ev, i, k, tid);
	return NULL;
}

/* One line of /proc/self/status in KiB: RssAnon (the app's and the
 * stub's private memory) or RssShmem (the arena's pages it touched). */
static long status_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long v = -1;
	size_t kl = strlen(key);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && sscanf(line + kl, ": %ld kB", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	long anon[2] = { 0, 0 }, shm[2] = { 0, 0 };
	for (uint32_t i = 0; i < THREADS; i += ALIVE) {
		pthread_t th[ALIVE];
		for (uint32_t j = 0; j < ALIVE; j++)
			if (pthread_create(&th[j], NULL, run, (void *)(uintptr_t)(i + j))) {
				fprintf(stderr, "pthread_create failed at thread %u\n", i + j);
				return 1;
			}
		for (uint32_t j = 0; j < ALIVE; j++)
			pthread_join(th[j], NULL);
		if (i + ALIVE == 1000) {
			anon[0] = status_kib("RssAnon");
			shm[0] = status_kib("RssShmem");
		}
	}
	anon[1] = status_kib("RssAnon");
	shm[1] = status_kib("RssShmem");
	FILE *f = fopen(argv[1], "w");
	if (!f)
		return 1;
	fprintf(f, "%ld %ld %ld %ld\n", anon[0], anon[1], shm[0], shm[1]);
	fclose(f);
	printf("%d threads, %d events each\n", THREADS, PER_THREAD);
	return 0;
}
