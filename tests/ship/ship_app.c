/* The traced program of the shipping tests: emits `ship:tick` events with
 * seq = 0..N-1, in bursts of BURST events separated by PAUSE_US
 * microseconds (so a run lasts long enough to kill a server in the middle),
 * and prints "emitted N". */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <remora/remora.h>

REMORA_EVENT(ship, tick, (uint64_t, seq), (uint32_t, burst));

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: ship_app N BURST PAUSE_US\n");
		return 2;
	}
	unsigned long long n = strtoull(argv[1], NULL, 10);
	unsigned long burst = strtoul(argv[2], NULL, 10);
	useconds_t pause = (useconds_t)strtoul(argv[3], NULL, 10);
	if (!burst)
		burst = 1;
	for (unsigned long long i = 0; i < n; i++) {
		remora_trace(ship, tick, i, (uint32_t)(i / burst));
		if (pause && (i + 1) % burst == 0)
			usleep(pause);
	}
	printf("emitted %llu\n", n);
	return 0;
}
