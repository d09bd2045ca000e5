/* Signal hog: blocks every signal before anything else runs (a preinit_array
 * entry runs before any shared object's constructor, libremora's included;
 * a priority-101 constructor blocks again) and takes its signals itself:
 * another process queues 10,000 real-time signals, numbered, which it reads
 * through signalfd (first half) and sigwaitinfo (second half), recording
 * one event per signal. Variant "handler": SIGRTMIN unblocked with a
 * SA_SIGINFO handler that records. None may be lost, stolen or reordered,
 * and the mask must be the app's own at the end. Usage: sighog take|handler */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile.h"

REMORA_EVENT(hog, sig, (int, via), (int, value));

#define N 10000

static void block_all(void)
{
	uint64_t all = ~0ull; /* the raw call blocks 32 and 33 too, unlike glibc's */
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, sizeof(all));
}
static void preinit(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	block_all();
}
__attribute__((section(".preinit_array"), used)) static void (*const preinit_p)(int, char **, char **) = preinit;
__attribute__((constructor(101))) static void early(void)
{
	block_all();
}

static volatile sig_atomic_t got, disorder;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	remora_trace(hog, sig, 2, si->si_value.sival_int);
	if (si->si_value.sival_int != got)
		disorder = 1;
	got = got + 1;
}

static void sender(pid_t to)
{
	for (int i = 0; i < N;) {
		union sigval v = { .sival_int = i };
		if (sigqueue(to, SIGRTMIN, v) == 0)
			i++;
		else if (errno == EAGAIN) /* the queue is full: the app is behind */
			usleep(200);
		else
			_exit(1);
	}
	_exit(0);
}

static void blocked_line(char *out, size_t n)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	snprintf(out, n, "?");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "SigBlk:", 7))
			snprintf(out, n, "%.*s", 20, line + 8);
	if (f)
		fclose(f);
	out[strcspn(out, "\n")] = 0;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int handler = !strcmp(argv[1], "handler");
	char blk[64];
	blocked_line(blk, sizeof(blk));
	printf("blocked at main: %s\n", blk);
	if (handler) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_rt;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigaction(SIGRTMIN, &sa, NULL);
	}
	pid_t s = fork();
	if (s == 0)
		sender(getppid());
	int order_ok = 1;
	if (handler) {
		sigset_t wait_mask;
		sigfillset(&wait_mask);
		sigdelset(&wait_mask, SIGRTMIN);
		while (got < N)
			sigsuspend(&wait_mask);
		order_ok = !disorder;
	} else {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGRTMIN);
		int fd = signalfd(-1, &set, 0);
		struct signalfd_siginfo fi;
		for (int i = 0; i < N / 2; i++, got = got + 1) {
			if (read(fd, &fi, sizeof(fi)) != sizeof(fi))
				return 1;
			remora_trace(hog, sig, 0, fi.ssi_int);
			order_ok &= fi.ssi_signo == (uint32_t)SIGRTMIN && fi.ssi_int == i;
		}
		close(fd);
		for (int i = N / 2; i < N; i++, got = got + 1) {
			siginfo_t si;
			if (sigwaitinfo(&set, &si) != SIGRTMIN)
				return 1;
			remora_trace(hog, sig, 1, si.si_value.sival_int);
			order_ok &= si.si_value.sival_int == i;
		}
	}
	int st;
	waitpid(s, &st, 0);
	sigset_t pend;
	sigpending(&pend);
	sigdelset(&pend, SIGCHLD); /* the sender's exit, blocked like the rest */
	blocked_line(blk, sizeof(blk));
	printf("received %d of %d, in order: %s, sender exit %d, pending after: %s, blocked at end: %s\n",
	       (int)got, N, order_ok ? "yes" : "no", WEXITSTATUS(st), sigisemptyset(&pend) ? "none" : "some", blk);
	return 0;
}
