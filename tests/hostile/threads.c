/* Thread count: an app that aborts unless /proc/self/task lists exactly the
 * threads it created (before, while 8 recording threads run, after joining,
 * and in a forked child). */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile.h"

REMORA_EVENT(thr, tick, (int, t), (int, k));

#define T 8
static pthread_barrier_t bar;

static int tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* pthread_join() returns once the kernel has cleared the thread's tid,
 * which it does before it takes the thread out of /proc/self/task: on a
 * loaded machine a joined thread was still listed (the plain build
 * aborted, 1 run in 3 under stress-ng). So wait up to 2 s for the count
 * to settle; a tracer thread would still be there after that. */
static void expect_tasks(int want, const char *when)
{
	int n = tasks();
	for (int ms = 0; n != want && ms < 2000; ms++) {
		usleep(1000);
		n = tasks();
	}
	printf("%s: %d threads\n", when, n);
	if (n != want) {
		fflush(stdout);
		abort();
	}
}

static void *run(void *arg)
{
	int t = (int)(intptr_t)arg;
	for (int k = 0; k < 1000; k++)
		remora_trace(thr, tick, t, k);
	pthread_barrier_wait(&bar); /* all alive and recorded */
	pthread_barrier_wait(&bar); /* main counted */
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int k = 0; k < 1000; k++)
		remora_trace(thr, tick, 0, k);
	expect_tasks(1, "start");
	pthread_barrier_init(&bar, NULL, T + 1);
	pthread_t th[T];
	for (int t = 0; t < T; t++)
		pthread_create(&th[t], NULL, run, (void *)(intptr_t)(t + 1));
	pthread_barrier_wait(&bar);
	expect_tasks(T + 1, "running");
	pid_t c = fork();
	if (c == 0) {
		for (int k = 0; k < 1000; k++)
			remora_trace(thr, tick, 100, k);
		expect_tasks(1, "forked child");
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	pthread_barrier_wait(&bar);
	for (int t = 0; t < T; t++)
		pthread_join(th[t], NULL);
	expect_tasks(1, "joined");
	printf("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
