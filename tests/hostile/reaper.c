/* Reaper: a supervisor with a SIGCHLD handler (which records) that loops
 * wait() until ECHILD. It must reap exactly its own 50 workers and get
 * SIGCHLD only from them: a tracer helper that were a visible child would
 * show up as a stranger or make wait() block or return it.
 * Usage: reaper HANDLER_COUNT_FILE */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile.h"

REMORA_EVENT(reap, work, (int, i), (int, k));
REMORA_EVENT(reap, sigchld, (int, pid), (int, code));
REMORA_EVENT(reap, reaped, (int, pid), (int, status));

#define N 50
static pid_t kids[N];
static volatile sig_atomic_t handled, strangers_sig;

static int own(pid_t p)
{
	for (int i = 0; i < N; i++)
		if (kids[i] == p)
			return i;
	return -1;
}

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	remora_trace(reap, sigchld, (int)si->si_pid, si->si_code);
	handled = handled + 1;
	if (own(si->si_pid) < 0)
		strangers_sig = strangers_sig + 1;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	sigset_t blk, old;
	sigemptyset(&blk);
	sigaddset(&blk, SIGCHLD);
	sigprocmask(SIG_BLOCK, &blk, &old); /* kids[] is complete before the first SIGCHLD */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	for (int i = 0; i < N; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			for (int k = 0; k < 5; k++)
				remora_trace(reap, work, i, k);
			usleep((useconds_t)(i % 7) * 1000);
			_exit(i);
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	int reaped = 0, strangers = 0, wrong = 0, st;
	pid_t p;
	while ((p = wait(&st)) > 0 || errno == EINTR) {
		if (p <= 0)
			continue;
		int i = own(p);
		remora_trace(reap, reaped, (int)p, st);
		if (i < 0)
			strangers++;
		else if (!WIFEXITED(st) || WEXITSTATUS(st) != i)
			wrong++;
		reaped++;
	}
	int e = errno;
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int w = waitid(P_ALL, 0, &si, WEXITED | WNOHANG);
	printf("reaped %d, strangers %d, wrong status %d, wait ended with %s, waitid(P_ALL): %d %s\n",
	       reaped, strangers, wrong, strerror(e), w, w < 0 ? strerror(errno) : "");
	printf("SIGCHLD from strangers: %d, handler ran: %s\n", (int)strangers_sig,
	       handled > 0 ? "yes" : "no");
	FILE *f = fopen(argv[1], "w");
	fprintf(f, "%d\n", (int)handled);
	fclose(f);
	return 0;
}
