/* Killed producer: two threads record numbered events in bursts, and after
 * each event returns publish how many they committed in a file the check
 * maps (plain stores, no syscall). The check SIGKILLs the process at a random
 * moment; every event counted there must be in the trace (at most one more,
 * committed just before the count was stored). Usage: killed COUNT_FILE
 * (layout: uint64 pid, count of thread 0, count of thread 1). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

REMORA_EVENT(kp, ev, (int, t), (uint64_t, seq));

static volatile uint64_t *shared;

static void *run(void *arg)
{
	int t = (int)(intptr_t)arg;
	for (uint64_t seq = 0;; seq++) {
		remora_trace(kp, ev, t, seq);
		__atomic_store_n(&shared[1 + t], seq + 1, __ATOMIC_RELEASE);
		if (seq % 200 == 199) { /* ~200k events/s per thread: the consumer keeps up */
			struct timespec ts = { 0, 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 4096))
		return 1;
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (shared == MAP_FAILED)
		return 1;
	__atomic_store_n(&shared[0], (uint64_t)getpid(), __ATOMIC_RELEASE);
	pthread_t th;
	pthread_create(&th, NULL, run, (void *)(intptr_t)1);
	run((void *)(intptr_t)0);
	return 0;
}
