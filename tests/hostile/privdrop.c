/* Privilege drop: a server started as root records, then drops to nobody
 * (setgroups, setresgid, setresuid) while a second thread records flat out,
 * and records on: from both threads, after a pause the check uses to look
 * at the helper, and from a child forked after the drop.
 *
 * glibc applies setresuid/setresgid/setgroups to every thread by sending
 * each one its internal SIGSETXID and waiting: the worker is interrupted
 * in the middle of its recording loop, and a tracer that blocked, stole or
 * delayed that signal would hang the drop or leave the worker as root.
 *
 * Usage: privdrop REPORT. REPORT (opened while still root, so the check can
 * read it whatever the uid) gets "pid P", then, once dropped, "during N"
 * (how many events the worker recorded while the drop ran: it varies, so
 * it stays out of stdout, which must match the plain build's) and
 * "dropped". The program then waits for a line on stdin before going on. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile.h"

REMORA_EVENT(pd, ev, (int, phase), (uint32_t, k));

#define NOBODY 65534
#define BATCH 100
/* bounds the flat-out phase (~24 B an event): far below the 16 MiB arena */
#define DURING_MAX 200000

static int go, dropped; /* main -> worker, worker -> main: atomics */
static uint32_t during;
static char worker_ids[128];

static void batch(int phase)
{
	for (uint32_t k = 0; k < BATCH; k++)
		remora_trace(pd, ev, phase, k);
}

/* This thread's own ids: raw syscalls, since the kernel keeps credentials
 * per thread and glibc's wrappers would not show a thread it missed. */
static void ids(char *buf, size_t len)
{
	unsigned r, e, s, gr, ge, gs;
	syscall(SYS_getresuid, &r, &e, &s);
	syscall(SYS_getresgid, &gr, &ge, &gs);
	snprintf(buf, len, "uid %u/%u/%u gid %u/%u/%u", r, e, s, gr, ge, gs);
}

static void *worker(void *arg)
{
	(void)arg;
	batch(1);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	uint32_t k = 0;
	while (!__atomic_load_n(&dropped, __ATOMIC_ACQUIRE))
		if (k < DURING_MAX) {
			remora_trace(pd, ev, 2, k);
			k++; /* not in the call: a disabled event evaluates nothing */
		}
	during = k;
	ids(worker_ids, sizeof(worker_ids));
	batch(3);
	return NULL;
}

static int drop(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	return 0;
}

/* CapEff from /proc/self/status: 0 once the ids are all non-zero. */
static void cap_eff(char *buf, size_t len)
{
	snprintf(buf, len, "?");
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7))
			snprintf(buf, len, "%.*s", (int)strcspn(line + 8, "\n"), line + 8);
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int rep = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (rep < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	dprintf(rep, "pid %d\n", (int)getpid());
	char buf[128];
	ids(buf, sizeof(buf));
	printf("start: %s\n", buf);
	batch(0);

	pthread_t t;
	if (pthread_create(&t, NULL, worker, NULL))
		return 3;
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		;
	int rc = drop();
	__atomic_store_n(&dropped, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	if (rc) {
		printf("drop failed: %s\n", strerror(errno));
		return 4;
	}
	ids(buf, sizeof(buf));
	printf("main after drop: %s, %d supplementary groups\n", buf, getgroups(0, NULL));
	printf("worker after drop: %s\n", worker_ids);
	cap_eff(buf, sizeof(buf));
	printf("CapEff after drop: %s\n", buf);
	errno = 0;
	int back = setresuid(0, 0, 0);
	printf("setresuid(0) again: %s\n", back == 0 ? "succeeded" : strerror(errno));
	batch(4);

	dprintf(rep, "during %u\ndropped\n", during);
	char line[16];
	if (!fgets(line, sizeof(line), stdin)) /* the check looks at us meanwhile */
		return 5;
	batch(5);
	pid_t c = fork();
	if (c == 0) {
		batch(6);
		_exit(getuid() == NOBODY ? 0 : 1);
	}
	int st = -1;
	if (c < 0 || waitpid(c, &st, 0) != c)
		return 6;
	printf("child after drop: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
