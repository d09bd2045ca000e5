/* The app of the per-event context tests (evctx.sh).
 *
 *   evctx_app N MAPS [seccomp|fork]   waits until a consumer has written the
 *       enable table (cx:off, never selected, goes from EARLY to off), so
 *       every event after it is written with the contexts asked for; then
 *       two threads emit N cx:ev events each, touching a new page between
 *       events (page faults grow); writes the app's executable mapping
 *       ("lo hi" in hex) into MAPS. With `seccomp`, perf_event_open fails
 *       with EPERM (a sandbox) from the start; with `fork`, a forked child
 *       then emits N more (thread = 2).
 *   evctx_app run STOPFILE      emits cx:ev every ms until STOPFILE exists. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <remora/remora.h>

REMORA_EVENT(cx, ev, (uint64_t, i), (uint32_t, thread));
REMORA_EVENT(cx, off, (uint32_t, x));

static long n;

static void *emit(void *arg)
{
	uint32_t th = (uint32_t)(uintptr_t)arg;
	char *pages = mmap(NULL, (size_t)n * 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED)
		abort();
	for (long i = 0; i < n; i++) {
		pages[i * 4096] = 1; /* one more page fault */
		remora_trace(cx, ev, (uint64_t)i, th);
		if (i % 100 == 99) {
			/* a context switch: a software counter's user page is
			 * brought up to date when the thread is switched out */
			struct timespec us = { 0, 1000 };
			nanosleep(&us, NULL);
		}
	}
	return NULL;
}

static void deny_perf(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_perf_event_open, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p = { sizeof(f) / sizeof(f[0]), f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p))
		perror("seccomp"), exit(3);
}

static void write_text_range(const char *out)
{
	char line[512], self[256];
	ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (k < 0)
		exit(4);
	self[k] = 0;
	FILE *m = fopen("/proc/self/maps", "r"), *o = fopen(out, "w");
	if (!m || !o)
		exit(4);
	while (fgets(line, sizeof(line), m)) {
		unsigned long lo, hi;
		char perm[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) == 3 && perm[2] == 'x' &&
		    strstr(line, self))
			fprintf(o, "%lx %lx\n", lo, hi);
	}
	fclose(m);
	fclose(o);
}

int main(int argc, char **argv)
{
	struct timespec ms = { 0, 1000000 };
	if (argc >= 3 && !strcmp(argv[1], "run")) {
		for (uint64_t i = 0; access(argv[2], F_OK) != 0 && i < 100000; i++) {
			remora_trace(cx, ev, i, 0);
			nanosleep(&ms, NULL);
		}
		return 0;
	}
	if (argc < 3)
		return 2;
	n = atol(argv[1]);
	write_text_range(argv[2]);
	if (argc >= 4 && !strcmp(argv[3], "seccomp"))
		deny_perf();
	for (int i = 0; i < 10000 && remora_enabled(cx, off); i++)
		nanosleep(&ms, NULL);
	if (remora_enabled(cx, off))
		return 5; /* the consumer never wrote the enable table */
	pthread_t t[2];
	for (uintptr_t i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, emit, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	if (argc >= 4 && !strcmp(argv[3], "fork")) {
		/* a forked child (no exec) opens its own counter: the parent's
		 * page is not inherited */
		pid_t c = fork();
		if (c == 0) {
			emit((void *)2);
			_exit(0);
		}
		int st;
		if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
			return 6;
	}
	return 0;
}
