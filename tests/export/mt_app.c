/* mt_app NPROC NTHREADS ITERS: NPROC processes (the parent and NPROC-1
 * forked children), each with NTHREADS threads, each thread doing ITERS
 * times: work_begin, step_entry, level_counter, step_exit, mark, work_end.
 * What tests/export/export_record.sh records and exports. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <remora/remora.h>

REMORA_EVENT(mt, work_begin, (uint32_t, iter));
REMORA_EVENT(mt, work_end, (uint32_t, iter));
REMORA_EVENT(mt, step_entry, (uint64_t, addr));
REMORA_EVENT(mt, step_exit, (uint64_t, addr));
REMORA_EVENT(mt, level_counter, (int32_t, value));
REMORA_EVENT(mt, mark, (const char *, what), (uint32_t, iter));

static int iters;

static void *run(void *arg)
{
	uintptr_t who = (uintptr_t)arg;
	for (int i = 0; i < iters; i++) {
		remora_trace(mt, work_begin, (uint32_t)i);
		remora_trace(mt, step_entry, (uint64_t)(0x1000 + who));
		remora_trace(mt, level_counter, (int32_t)(i % 7));
		remora_trace(mt, step_exit, (uint64_t)(0x1000 + who));
		remora_trace(mt, mark, "tick \"quoted\"\n", (uint32_t)i);
		remora_trace(mt, work_end, (uint32_t)i);
	}
	return NULL;
}

static void process(int nthreads)
{
	pthread_t t[64];
	for (int i = 1; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, run, (void *)(uintptr_t)i))
			exit(1);
	run(NULL);
	for (int i = 1; i < nthreads; i++)
		pthread_join(t[i], NULL);
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	int nproc = atoi(argv[1]), nthreads = atoi(argv[2]);
	iters = atoi(argv[3]);
	if (nproc < 1 || nthreads < 1 || nthreads > 64 || iters < 0)
		return 2;
	for (int p = 1; p < nproc; p++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			process(nthreads);
			_exit(0);
		}
	}
	process(nthreads);
	int st, bad = 0;
	while (wait(&st) > 0)
		bad |= !WIFEXITED(st) || WEXITSTATUS(st);
	printf("mt_app: %d processes x %d threads x %d iterations\n", nproc, nthreads, iters);
	return bad;
}
