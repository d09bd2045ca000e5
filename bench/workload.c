/* One workload, built three times: instrumented for remora (BENCH_REMORA),
 * for LTTng-UST (BENCH_LTTNG), and not at all (neither: the untraced
 * baseline, and the floor). bench/compare.py runs them side by side; see
 * docs/PERFORMANCE.md, "remora vs LTTng-UST".
 *
 * Every timed loop is timed here, with CLOCK_MONOTONIC around the loop, so
 * only the tracing fast path is measured; sessions are set up and torn
 * down by the driver, outside. Output: key=value lines on stdout.
 *
 *   workload ints N W             W warm-up events, then N timed 2-int events
 *   workload str N W              the same with a 16-character string field
 *   workload floor N W mono|tsc   the floor: the same clock read and the same
 *                                 stores as a remora record, into a private
 *                                 buffer (BENCH_FLOOR_BYTES, default 64 MiB)
 *   workload paired N W mono|tsc  ints and the floor in one process, their
 *                                 timed blocks interleaved: the ratio with no
 *                                 process-to-process spread in it
 *   workload threads T N W        T threads (thread i on CPU i % ncpu), each W
 *                                 warm-up then N timed events; aggregate rate
 *   workload fork F E             F times: fork, the child records E events
 *                                 and _exits, the parent reaps it
 *   workload startup K PROG...    K times: fork, take t0, exec PROG... main_time t0
 *   workload main_time T0         prints now - T0 (exec to main, constructors included)
 *   workload mem T                T threads each record one event and wait;
 *                                 prints the RSS of this process, its children
 *                                 (remora's helper), its parent and $BENCH_RSS_PIDS
 *
 * BENCH_CPU=n pins the single-thread modes to CPU n (default 0; -1: no pin). */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#if defined(BENCH_REMORA)
#include <remora/remora.h>
REMORA_EVENT(bench, ints, (uint64_t, id), (uint32_t, len));
REMORA_EVENT(bench, str, (uint64_t, id), (uint32_t, len), (const char *, path));
#define EV_INTS(a, b) remora_trace(bench, ints, (a), (b))
#define EV_STR(a, b, s) remora_trace(bench, str, (a), (b), (s))
#define SIDE "remora"
#elif defined(BENCH_LTTNG)
#include "lttng_tp.h"
#define EV_INTS(a, b) tracepoint(bench, ints, (a), (b))
#define EV_STR(a, b, s) tracepoint(bench, str, (a), (b), (s))
#define SIDE "lttng"
#else
/* keep the loop and its arguments, record nothing */
#define EV_INTS(a, b) __asm__ volatile("" ::"r"(a), "r"(b))
#define EV_STR(a, b, s) __asm__ volatile("" ::"r"(a), "r"(b), "r"(s))
#define SIDE "none"
#endif

static const char path16[] = "/srv/www/a.html"; /* 15 characters + NUL: 16 bytes */
_Static_assert(sizeof(path16) == 16, "16-byte string");

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	if (cpu < 0)
		return;
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

static int env_cpu(void)
{
	const char *c = getenv("BENCH_CPU");
	return c ? atoi(c) : 0;
}

/* The timed loops: noinline, so callgrind can count each one. */
__attribute__((noinline)) void loop_ints(uint64_t base, uint64_t n)
{
	for (uint64_t i = base; i < base + n; i++)
		EV_INTS(i, (uint32_t)i);
}

__attribute__((noinline)) void loop_str(uint64_t base, uint64_t n)
{
	for (uint64_t i = base; i < base + n; i++)
		EV_STR(i, (uint32_t)i, path16);
}

/* ---- the floor: remora's record layout (word, timestamp, payload) ---- */

struct floor_rec {
	uint64_t word; /* length | id << 32, release-stored last */
	uint64_t ts;
	unsigned char payload[16];
};
static char *floor_buf;
static size_t floor_size, floor_pos;

#define FLOOR_LOOP(name, CLOCK)                                                           \
	__attribute__((noinline)) void name(uint64_t base, uint64_t n)                     \
	{                                                                                  \
		char *b = floor_buf;                                                       \
		size_t pos = floor_pos;                                                    \
		for (uint64_t i = base; i < base + n; i++) {                               \
			if (pos + sizeof(struct floor_rec) > floor_size)                   \
				pos = 0;                                                   \
			struct floor_rec *r = (struct floor_rec *)(b + pos);               \
			pos += sizeof(struct floor_rec);                                   \
			r->ts = CLOCK;                                                     \
			uint64_t x = i;                                                    \
			uint32_t c = (uint32_t)i;                                          \
			memcpy(r->payload, &x, 8);                                         \
			memcpy(r->payload + 8, &c, 4);                                     \
			__atomic_store_n(&r->word, (uint64_t)28 | (uint64_t)1 << 32,       \
					 __ATOMIC_RELEASE);                                \
		}                                                                          \
		floor_pos = pos;                                                           \
	}
FLOOR_LOOP(floor_mono, now_ns())
FLOOR_LOOP(floor_tsc, __rdtsc())

/* ---- modes ---- */

/* The warm-up: W events in batches with pauses, so a consumer drains them
 * as they come (nothing lost) and every page of the tracer's buffer is
 * touched once before the timed loop (a first touch costs ~5 us on this
 * VM). BENCH_PACE=batch,pause_us (default: no pauses), then
 * BENCH_DRAIN_MS (default 0) of sleep before the timed loop. */
static void warm_up(void (*loop)(uint64_t, uint64_t), uint64_t w)
{
	uint64_t batch = w, pause_us = 0;
	const char *p = getenv("BENCH_PACE");
	if (p && *p) {
		batch = strtoull(p, NULL, 0);
		const char *c = strchr(p, ',');
		pause_us = c ? strtoull(c + 1, NULL, 0) : 0;
		if (!batch)
			batch = w;
	}
	for (uint64_t i = 0; i < w; i += batch) {
		loop(i, w - i < batch ? w - i : batch);
		if (pause_us)
			usleep((useconds_t)pause_us);
	}
	const char *d = getenv("BENCH_DRAIN_MS");
	if (d && atoi(d) > 0)
		usleep((useconds_t)atoi(d) * 1000);
}

/* callgrind --toggle-collect=timed_region counts only this. The loop runs
 * in BLOCKS blocks, each timed too: the median block is robust against
 * the preemptions of a shared 2-vCPU VM (other tenants), the whole loop
 * is not. Both are printed. */
#define BLOCKS 20
static uint64_t block_ns[BLOCKS];

__attribute__((noinline)) void timed_region(void (*loop)(uint64_t, uint64_t), uint64_t base, uint64_t n)
{
	uint64_t per = n / BLOCKS;
	for (int b = 0; b < BLOCKS; b++) {
		uint64_t k = b == BLOCKS - 1 ? n - per * (BLOCKS - 1) : per;
		uint64_t t0 = now_ns();
		loop(base, k);
		block_ns[b] = now_ns() - t0;
		base += k;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void timed(void (*loop)(uint64_t, uint64_t), uint64_t n, uint64_t w)
{
	pin(env_cpu());
	warm_up(loop, w);
	uint64_t t0 = now_ns();
	timed_region(loop, w, n);
	uint64_t t1 = now_ns();
	printf("side=%s\nevents=%llu\nwarmup=%llu\nns=%llu\nns_per_event=%.4f\n", SIDE,
	       (unsigned long long)n, (unsigned long long)w, (unsigned long long)(t1 - t0),
	       (double)(t1 - t0) / (double)n);
	qsort(block_ns, BLOCKS, sizeof(block_ns[0]), cmp_u64);
	printf("block_ns_per_event=%.4f\n", (double)block_ns[BLOCKS / 2] / (double)(n / BLOCKS));
}

static void floor_setup(void)
{
	const char *fb = getenv("BENCH_FLOOR_BYTES");
	floor_size = fb ? strtoull(fb, NULL, 0) : (64u << 20);
	floor_buf = mmap(NULL, floor_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (floor_buf == MAP_FAILED)
		exit(1);
	if (!getenv("BENCH_FLOOR_COLD")) /* cold: first touch in the loop */
		memset(floor_buf, 0, floor_size);
}

/* The traced loop and the floor, block by block in one process. Each
 * process keeps its own speed for its whole run (26-36 ns per traced
 * event from one process to the next, the floor alike; docs/PERFORMANCE.md,
 * "What the spread is not"); a block of each, one after the other, sees
 * the same one, so their ratio is the tracer's own. */
static void paired(uint64_t n, uint64_t w, int tsc)
{
	void (*fl)(uint64_t, uint64_t) = tsc ? floor_tsc : floor_mono;
	uint64_t ev_ns[BLOCKS], fl_ns[BLOCKS], ratio[BLOCKS]; /* ratio: per 10^6 */
	pin(env_cpu());
	floor_setup();
	warm_up(loop_ints, w);
	fl(0, w);
	uint64_t per = n / BLOCKS, base = w;
	for (int b = 0; b < BLOCKS; b++) {
		uint64_t t0 = now_ns();
		loop_ints(base, per);
		uint64_t t1 = now_ns();
		fl(base, per);
		uint64_t t2 = now_ns();
		ev_ns[b] = t1 - t0;
		fl_ns[b] = t2 - t1;
		ratio[b] = ev_ns[b] * 1000000 / (fl_ns[b] ? fl_ns[b] : 1);
		base += per;
	}
	qsort(ev_ns, BLOCKS, sizeof(ev_ns[0]), cmp_u64);
	qsort(fl_ns, BLOCKS, sizeof(fl_ns[0]), cmp_u64);
	qsort(ratio, BLOCKS, sizeof(ratio[0]), cmp_u64);
	printf("side=%s\nevents=%llu\nwarmup=%llu\nclock=%s\n", SIDE, (unsigned long long)per * BLOCKS,
	       (unsigned long long)w, tsc ? "tsc" : "mono");
	printf("block_ns_per_event=%.4f\nfloor_block_ns_per_event=%.4f\n",
	       (double)ev_ns[BLOCKS / 2] / (double)per, (double)fl_ns[BLOCKS / 2] / (double)per);
	printf("paired_ratio=%.4f\npaired_ratio_min=%.4f\npaired_ratio_max=%.4f\n",
	       (double)ratio[BLOCKS / 2] / 1e6, (double)ratio[0] / 1e6, (double)ratio[BLOCKS - 1] / 1e6);
}

struct thr {
	pthread_t id;
	int cpu;
	uint64_t n, w, t0, t1;
	pthread_barrier_t *go;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	pin(t->cpu);
	warm_up(loop_ints, t->w);
	pthread_barrier_wait(t->go);
	t->t0 = now_ns();
	loop_ints(t->w, t->n);
	t->t1 = now_ns();
	return NULL;
}

static int mode_threads(int nt, uint64_t n, uint64_t w)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct thr *t = calloc((size_t)nt, sizeof(*t));
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, (unsigned)nt);
	for (int i = 0; i < nt; i++) {
		t[i] = (struct thr){ .cpu = (int)(i % ncpu), .n = n, .w = w, .go = &go };
		if (pthread_create(&t[i].id, NULL, thr_main, &t[i]))
			return 1;
	}
	uint64_t lo = UINT64_MAX, hi = 0;
	for (int i = 0; i < nt; i++) {
		pthread_join(t[i].id, NULL);
		lo = t[i].t0 < lo ? t[i].t0 : lo;
		hi = t[i].t1 > hi ? t[i].t1 : hi;
	}
	printf("side=%s\nthreads=%d\nevents=%llu\nns=%llu\nevents_per_s=%.0f\n", SIDE, nt,
	       (unsigned long long)(n * (uint64_t)nt), (unsigned long long)(hi - lo),
	       (double)n * nt * 1e9 / (double)(hi - lo));
	return 0;
}

static uint64_t tv_us(struct timeval t)
{
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_usec;
}

static int mode_fork(int f, uint64_t e)
{
	pin(env_cpu());
	uint64_t t0 = 0, minflt = 0, child_us = 0, self_us0 = 0;
	for (int i = -5; i < f; i++) { /* 5 warm-up forks */
		if (i == 0) {
			struct rusage self;
			getrusage(RUSAGE_SELF, &self);
			self_us0 = tv_us(self.ru_utime) + tv_us(self.ru_stime);
			t0 = now_ns();
		}
		pid_t p = fork();
		if (p < 0)
			return 1;
		if (p == 0) {
			loop_ints(0, e);
			_exit(0);
		}
		int st;
		struct rusage ru;
		if (wait4(p, &st, 0, &ru) != p || !WIFEXITED(st) || WEXITSTATUS(st))
			return 1;
		if (i >= 0) {
			minflt += (uint64_t)ru.ru_minflt;
			child_us += tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
		}
	}
	uint64_t t1 = now_ns();
	struct rusage self;
	getrusage(RUSAGE_SELF, &self);
	uint64_t self_us = tv_us(self.ru_utime) + tv_us(self.ru_stime) - self_us0;
	/* minor faults per child: a count, not a time, so it holds on a busy
	 * machine (wait4's rusage of each child, fork to exit); and CPU time
	 * (user + system) of each child and of this parent per fork, which a
	 * busy machine's run queue does not stretch as it stretches wall time */
	printf("side=%s\nforks=%d\nevents=%llu\nns=%llu\nns_per_fork=%.0f\nminflt_per_child=%.2f\n"
	       "child_cpu_us=%.1f\nparent_cpu_us_per_fork=%.1f\n",
	       SIDE, f, (unsigned long long)(e * (uint64_t)(f + 5)), (unsigned long long)(t1 - t0),
	       (double)(t1 - t0) / f, (double)minflt / f, (double)child_us / f, (double)self_us / f);
	return 0;
}

static int mode_startup(int k, char **argv)
{
	for (int i = 0; i < k; i++) {
		fflush(stdout);
		pid_t p = fork();
		if (p < 0)
			return 1;
		if (p == 0) {
			char *args[64], t0[32];
			int n = 0;
			for (; argv[n] && n < 60; n++)
				args[n] = argv[n];
			args[n++] = "main_time";
			snprintf(t0, sizeof(t0), "%llu", (unsigned long long)now_ns());
			args[n++] = t0;
			args[n] = NULL;
			execv(args[0], args);
			_exit(127);
		}
		int st;
		if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st))
			return 1;
	}
	return 0;
}

/* VmRSS and RssShmem of one process, in KiB; 0 when unreadable. */
static void rss_of(long pid, long *rss, long *shm)
{
	char path[64], line[256];
	*rss = *shm = 0;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "VmRSS: %ld", rss);
		sscanf(line, "RssShmem: %ld", shm);
	}
	fclose(f);
}

static pthread_barrier_t mem_done, mem_exit;

static void *mem_main(void *arg)
{
	EV_INTS((uint64_t)(uintptr_t)arg, 1u);
	pthread_barrier_wait(&mem_done);
	pthread_barrier_wait(&mem_exit);
	return NULL;
}

static int mode_mem(int nt)
{
	pthread_t *id = calloc((size_t)nt + 1, sizeof(*id));
	pthread_barrier_init(&mem_done, NULL, (unsigned)nt + 1);
	pthread_barrier_init(&mem_exit, NULL, (unsigned)nt + 1);
	for (int i = 0; i < nt; i++)
		if (pthread_create(&id[i], NULL, mem_main, (void *)(uintptr_t)i)) {
			fprintf(stderr, "workload: pthread_create %d failed\n", i);
			return 1;
		}
	EV_INTS((uint64_t)nt, 0u);
	pthread_barrier_wait(&mem_done);
	usleep(500 * 1000); /* let the consumer side catch up */
	long rss, shm;
	rss_of(getpid(), &rss, &shm);
	printf("side=%s\nthreads=%d\napp_rss_kib=%ld\napp_shm_kib=%ld\n", SIDE, nt, rss, shm);
	/* children: remora's helper (a clone child of this process) */
	char path[64], buf[4096];
	long crss = 0, cshm = 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", getpid());
	FILE *f = fopen(path, "r");
	if (f) {
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);
		buf[len] = 0;
		fclose(f);
		for (char *s = strtok(buf, " \n"); s; s = strtok(NULL, " \n")) {
			long r, m;
			rss_of(atol(s), &r, &m);
			crss += r;
			cshm += m;
		}
	}
	printf("children_rss_kib=%ld\nchildren_shm_kib=%ld\n", crss, cshm);
	rss_of(getppid(), &rss, &shm);
	printf("parent_rss_kib=%ld\nparent_shm_kib=%ld\n", rss, shm);
	const char *pids = getenv("BENCH_RSS_PIDS");
	long trss = 0, tshm = 0;
	if (pids) {
		char copy[1024];
		snprintf(copy, sizeof(copy), "%s", pids);
		for (char *s = strtok(copy, ","); s; s = strtok(NULL, ",")) {
			long r, m;
			rss_of(atol(s), &r, &m);
			trss += r;
			tshm += m;
		}
	}
	printf("pids_rss_kib=%ld\npids_shm_kib=%ld\n", trss, tshm);
	fflush(stdout);
	pthread_barrier_wait(&mem_exit);
	for (int i = 0; i < nt; i++)
		pthread_join(id[i], NULL);
	return 0;
}

static uint64_t arg_u64(char **argv, int i, uint64_t dflt)
{
	return argv[i] ? strtoull(argv[i], NULL, 0) : dflt;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: see the top of bench/workload.c\n");
		return 2;
	}
	const char *m = argv[1];
	if (!strcmp(m, "main_time") && argc > 2) {
		uint64_t t = now_ns(), t0 = strtoull(argv[2], NULL, 10);
		printf("startup_ns=%llu\n", (unsigned long long)(t - t0));
		return 0;
	}
	if (!strcmp(m, "ints"))
		timed(loop_ints, arg_u64(argv, 2, 1000000), arg_u64(argv, 3, 100000));
	else if (!strcmp(m, "str"))
		timed(loop_str, arg_u64(argv, 2, 1000000), arg_u64(argv, 3, 100000));
	else if (!strcmp(m, "paired"))
		paired(arg_u64(argv, 2, 1000000), arg_u64(argv, 3, 100000),
		       argc > 4 && !strcmp(argv[4], "tsc"));
	else if (!strcmp(m, "floor")) {
		floor_setup();
		int tsc = argc > 4 && !strcmp(argv[4], "tsc");
		timed(tsc ? floor_tsc : floor_mono, arg_u64(argv, 2, 1000000), arg_u64(argv, 3, 100000));
		printf("clock=%s\n", tsc ? "tsc" : "mono");
	} else if (!strcmp(m, "threads") && argc > 2)
		return mode_threads(atoi(argv[2]), arg_u64(argv, 3, 1000000), arg_u64(argv, 4, 100000));
	else if (!strcmp(m, "fork") && argc > 2)
		return mode_fork(atoi(argv[2]), arg_u64(argv, 3, 100));
	else if (!strcmp(m, "startup") && argc > 3)
		return mode_startup(atoi(argv[2]), argv + 3);
	else if (!strcmp(m, "mem") && argc > 2)
		return mode_mem(atoi(argv[2]));
	else {
		fprintf(stderr, "workload: unknown mode %s\n", m);
		return 2;
	}
	return 0;
}
