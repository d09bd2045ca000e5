/* Exec chain: the program execs itself 20 times (generation 0..20), each
 * image recording 50 events before its exec. The last image writes its pid
 * to a file and lingers 2.5 s, so the check can see that the helpers of the
 * 20 earlier images are already gone while the chain's last image runs;
 * then, if PIDFILE.hold exists, until it is removed (at most 60 s): on a
 * loaded machine the check itself can take longer than 2.5 s.
 * Usage: execchain PIDFILE [GEN] */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

REMORA_EVENT(chain, step, (int, gen), (int, k), (int, pid));

#define LAST 20
#define PER_IMAGE 50

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int gen = argc > 2 ? atoi(argv[2]) : 0;
	for (int k = 0; k < PER_IMAGE; k++)
		remora_trace(chain, step, gen, k, (int)getpid());
	if (gen < LAST) {
		char next[12];
		snprintf(next, sizeof(next), "%d", gen + 1);
		execl("/proc/self/exe", argv[0], argv[1], next, (char *)NULL);
		perror("execl");
		return 1;
	}
	FILE *f = fopen(argv[1], "w");
	if (!f)
		return 1;
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	/* long enough for every earlier helper to notice its exec (250 ms
	 * ticks) and to say goodbye (up to 1 s) */
	struct timespec ts = { 2, 500 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	char hold[4096];
	snprintf(hold, sizeof(hold), "%s.hold", argv[1]);
	ts = (struct timespec){ 0, 10 * 1000 * 1000 };
	for (int i = 0; i < 6000 && access(hold, F_OK) == 0; i++)
		nanosleep(&ts, NULL);
	printf("generation %d done\n", gen);
	return 0;
}
