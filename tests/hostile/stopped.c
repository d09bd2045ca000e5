/* Stopped producer: records 3,000 numbered events, one about every
 * millisecond, while the check SIGSTOPs it for 3 s in the middle. Its pid
 * goes to a file first, and its exit time (CLOCK_REALTIME, ms) last, so the
 * check can tell how long `remora record` took after the app was gone.
 * Usage: stopped FILE */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

REMORA_EVENT(stp, ev, (uint32_t, seq));

#define EVENTS 3000

static int put(const char *path, long long v)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%lld\n", v);
	return fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 2 || put(argv[1], (long long)getpid()))
		return 2;
	for (uint32_t seq = 0; seq < EVENTS; seq++) {
		remora_trace(stp, ev, seq);
		struct timespec ts = { 0, 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	printf("%d events\n", EVENTS);
	fflush(stdout);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return put(argv[1], (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000) ? 1 : 0;
}
