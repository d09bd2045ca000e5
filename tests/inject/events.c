/* The events program for test_inject_events.sh: exact values, a forked
 * child's own events, events from a signal handler (also while the main
 * thread is inside an event), and a provider plugin dlopen'd, recorded,
 * dlclose'd, dlopen'd and recorded again.  Usage: inj_events PLUGIN.so */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <remora/remora.h>

REMORA_EVENT(inj, value, (uint64_t, i), (int32_t, neg), (const char *, s), (double, d), (bool, odd));
REMORA_EVENT(inj, child, (int, pid), (int, n));
REMORA_EVENT(inj, sig, (int, signo), (uint32_t, k));

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	remora_trace(inj, sig, sig, (uint32_t)handled);
	handled = handled + 1;
}

static int plugin_round(const char *path, int round, int n)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return -1;
	}
	void (*fire)(int, int) = (void (*)(int, int))dlsym(h, "inj_plugin_fire");
	if (!fire)
		return -1;
	fire(round, n);
	return dlclose(h);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	char s[16];
	for (int i = 0; i < 5; i++) {
		snprintf(s, sizeof(s), "v%d", i);
		remora_trace(inj, value, (uint64_t)i, -i, s, i * 0.5, (i & 1) != 0);
	}
	remora_printf(inj, note, "count=%d word=%s", 5, "done");

	pid_t pid = fork();
	if (pid == 0) {
		for (int n = 0; n < 3; n++)
			remora_trace(inj, child, (int)getpid(), n);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	raise(SIGUSR1);

	if (plugin_round(argv[1], 1, 2) || plugin_round(argv[1], 2, 3))
		return 1;
	printf("events: child %d exit %d, handled %d\n", (int)pid, WEXITSTATUS(st), (int)handled);
	return 0;
}
