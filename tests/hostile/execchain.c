/* Exec chain: the program execs itself 20 times (generation 0..20), each
 * image recording 50 events before its exec. The last image writes its pid
 * to a file and lingers 2 s, so the check can see that the helpers of the
 * 20 earlier images are already gone while the chain's last image runs.
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
	/* until the check has looked at the processes (PIDFILE.go), which it
	 * does once every earlier helper had time to notice its exec (250 ms
	 * ticks) and to say goodbye (up to 1 s); not a fixed sleep, which a
	 * busy machine outran */
	char go[4096];
	snprintf(go, sizeof(go), "%s.go", argv[1]);
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	for (int i = 0; i < 3000 && access(go, F_OK) != 0; i++)
		nanosleep(&ts, NULL);
	printf("generation %d done\n", gen);
	return 0;
}
