/* A producer that sleeps between events, for `remora view --follow`.
 *   sleeper N GAP_MS STOPFILE: records life:mark i=0..N-1, one every GAP_MS
 *   ms, printing "mark I AT_NS" (CLOCK_REALTIME ns just after the commit)
 *   for each; then waits for STOPFILE. A life:warm first, so the helper
 *   has connected and the event is declared before the first mark. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <remora/remora.h>

REMORA_EVENT(life, warm, (int, x));
REMORA_EVENT(life, mark, (uint64_t, i));

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) != 0)
		;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: sleeper N GAP_MS STOPFILE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	int n = atoi(argv[1]);
	long gap = atol(argv[2]);
	remora_trace(life, warm, 1);
	printf("pid %d\n", (int)getpid());
	for (int i = 0; i < n; i++) {
		nap_ms(gap);
		remora_trace(life, mark, (uint64_t)i);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		printf("mark %d %lld\n", i, (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec);
	}
	while (access(argv[3], F_OK) != 0)
		nap_ms(20);
	return 0;
}
