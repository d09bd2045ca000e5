/* Fork storm: a single-threaded server forks 1,000 workers without exec;
 * each records 100 events and exits with a status of its own; the server
 * reaps each with waitpid(-1) and checks it got that very worker and status.
 * Every worker's events must carry that worker's pid.
 *
 * Usage: forkstorm N TIMES_FILE
 * stdout: what the server saw (same traced and plain); TIMES_FILE: the
 * median, 10th and 90th percentile of fork + worker's events + reap, in µs
 * (differs between runs, so kept out of stdout). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

REMORA_EVENT(storm, work, (int, pid), (uint32_t, n));
REMORA_EVENT(storm, reaped, (int, pid), (uint32_t, i));

#define PER_CHILD 100

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int n = atoi(argv[1]);
	double *lat = calloc((size_t)n, sizeof(*lat));
	int wrong = 0;
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			int me = (int)getpid();
			for (uint32_t k = 0; k < PER_CHILD; k++)
				remora_trace(storm, work, me, k);
			_exit(i & 0x7f);
		}
		int st;
		pid_t got = waitpid(-1, &st, 0);
		lat[i] = now_us() - t0;
		if (got != pid || !WIFEXITED(st) || WEXITSTATUS(st) != (i & 0x7f))
			wrong++;
		remora_trace(storm, reaped, (int)got, (uint32_t)i);
	}
	int more = waitpid(-1, NULL, WNOHANG); /* nothing else is our child */
	printf("forked %d, reaped %d wrong, after: %s\n", n, wrong,
	       more < 0 ? "no child left" : "a child left");
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	FILE *f = fopen(argv[2], "w");
	if (!f)
		return 1;
	fprintf(f, "%.1f %.1f %.1f\n", lat[n / 2], lat[n / 10], lat[n * 9 / 10]);
	fclose(f);
	free(lat);
	return wrong != 0;
}
