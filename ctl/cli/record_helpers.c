/* Helpers left at the end of `remora record` (record_helpers.h). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl/cli/record_helpers.h"

/* Field 38 of /proc/PID/stat (exit signal) and field 3 (state) into *state;
 * -1 when unreadable. */
static int exit_signal_of(pid_t pid, char *state)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	if (!p || sscanf(p + 1, " %c", state) != 1)
		return -1;
	for (int field = 2; field < 38 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? atoi(p + 1) : -1;
}

struct helper_pids {
	pid_t pid[256];
	int n;
};

static void note_helper(void *ctx, const struct rm_proc_info *p, uint32_t serial)
{
	(void)serial;
	struct helper_pids *h = ctx;
	if (h->n < 256 && p->helper_pid)
		h->pid[h->n++] = (pid_t)p->helper_pid;
}

/* A helper is a child the consumer knows as one (its HELLO), or a clone
 * child with exit signal 0 (inject/spawn.c) whose app still holds it: once
 * orphaned to us, the kernel gives it SIGCHLD like any other child. */
static bool is_helper(const struct helper_pids *h, pid_t pid)
{
	char state;
	for (int i = 0; i < h->n; i++)
		if (h->pid[i] == pid)
			return true;
	return exit_signal_of(pid, &state) == 0;
}

int record_only_helpers_left(struct rm_consumer *c, pid_t *pids, int max)
{
	struct helper_pids h = { .n = 0 };
	rm_consumer_each_proc(c, note_helper, &h);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	int n = 0, pid;
	while (n >= 0 && fscanf(f, "%d", &pid) == 1)
		if (n == max || !is_helper(&h, pid))
			n = -1;
		else
			pids[n++] = pid;
	fclose(f);
	return n;
}

void record_give_up_helpers(const pid_t *pids, int n)
{
	for (int i = 0; i < n; i++) {
		char state = '?';
		exit_signal_of(pids[i], &state);
		fprintf(stderr, "remora record: the helper (pid %d, state %c%s) was still running %d "
				"ms after the program ended: killed it; the trace keeps every event "
				"the program committed (the consumer reads its buffer itself)\n",
			(int)pids[i], state, state == 'T' || state == 't' ? ": stopped" : "",
			HELPER_GRACE_MS);
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, __WALL);
	}
}

