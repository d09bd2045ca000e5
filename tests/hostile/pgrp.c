/* Process-group signals: a job leader in its own group that ignores SIGTERM
 * sends kill(0, SIGTERM), then killpg(getpgrp(), SIGTERM), each time to a
 * wave of workers in its group, and keeps recording. Each worker must die
 * of that SIGTERM; the leader must receive nothing else and trace on (the
 * helper is in no group of the app, so nothing it does is hit either). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile.h"

REMORA_EVENT(pg, tick, (int, wave), (int, k));

static int wave(int w, int how)
{
	int ready[2];
	if (pipe(ready))
		return -1;
	pid_t kids[3];
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			signal(SIGTERM, SIG_DFL);
			for (int k = 0; k < 10; k++)
				remora_trace(pg, tick, 100 + w, k);
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
	}
	char c;
	for (int i = 0; i < 3; i++)
		if (read(ready[0], &c, 1) != 1)
			return -1;
	close(ready[0]);
	close(ready[1]);
	if (how == 0)
		kill(0, SIGTERM);
	else
		killpg(getpgrp(), SIGTERM);
	int killed = 0, st;
	for (int i = 0; i < 3; i++)
		if (waitpid(kids[i], &st, 0) == kids[i] && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM)
			killed++;
	for (int k = 0; k < 100; k++)
		remora_trace(pg, tick, w, k); /* tracing continues */
	return killed;
}

int main(void)
{
	if (setpgid(0, 0)) /* its own job, as a shell with job control would do */
		return 1;
	signal(SIGTERM, SIG_IGN);
	for (int k = 0; k < 100; k++)
		remora_trace(pg, tick, 0, k);
	int a = wave(1, 0), b = wave(2, 1);
	sigset_t pend;
	sigpending(&pend);
	printf("kill(0): %d of 3 workers died of SIGTERM; killpg: %d of 3; pending: %s\n", a, b,
	       sigisemptyset(&pend) ? "none" : "some");
	return 0;
}
