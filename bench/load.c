/* The load benchmark's workload (issue 18, bench/load.sh): threads and
 * rates of an ordinary server, built twice, with remora's event
 * (BENCH_REMORA: bench_load_remora) and with the same event as an LTTng-UST
 * tracepoint (BENCH_LTTNG: bench_load_lttng, provider in load_tp.h). The
 * event is load:ev, a uint64_t and a uint32_t (id = thread index or event
 * number, k = event number within the thread).
 *
 *   load live T E     T threads alive at once: start them all, barrier,
 *                     each records E events, barrier, then all exit
 *   load seq T E      T threads one after the other (create, E events,
 *                     exit, join): short-lived threads
 *   load pool T R S   a pool of T threads, each R events per second for S
 *                     seconds, on an absolute schedule (clock_nanosleep),
 *                     the threads' phases spread evenly over 1/R s
 *   load flat N       one thread records N events flat out
 *
 * Output: key=value lines on stdout (side, mode, threads, events emitted,
 * ns of the recording phase, events_per_s, and t0_real_ns / t1_real_ns,
 * CLOCK_REALTIME at the start and end of that phase, for the driver to
 * time the consumer's drain against `date +%s%N`). pool also gives
 * lag_max_us, the worst delay of an event behind its schedule (how
 * overloaded the machine was), and all modes cpu_ns, the process's own CPU
 * time (getrusage RUSAGE_SELF: the driver subtracts it from what `remora
 * record` and its children used, leaving the consumer's). flat pins itself to CPU $BENCH_CPU (default
 * 0; -1: no pin) so the consumer has the other CPU, like bench/workload.c.
 * Exit status 0 when every thread was created and ran. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#if defined(BENCH_REMORA)
#include <remora/remora.h>
REMORA_EVENT(load, ev, (uint64_t, id), (uint32_t, k));
#define EV(a, b) remora_trace(load, ev, (a), (b))
#define SIDE "remora"
#elif defined(BENCH_LTTNG)
#include "load_tp.h"
#define EV(a, b) tracepoint(load, ev, (a), (b))
#define SIDE "lttng"
#else
#define EV(a, b) __asm__ volatile("" ::"r"(a), "r"(b))
#define SIDE "none"
#endif

#define STACK_SIZE (256u << 10) /* 1,000 live threads: 256 MiB of stacks at most */

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "load: %s: %s\n", what, strerror(err));
	exit(1);
}

static pthread_attr_t attr;

static void spawn(pthread_t *id, void *(*fn)(void *), void *arg)
{
	int e = pthread_create(id, &attr, fn, arg);
	if (e)
		die("pthread_create", e);
}

static void report(const char *mode, long threads, uint64_t events, uint64_t t0, uint64_t t1,
		   uint64_t r0, uint64_t r1)
{
	printf("side=%s\nmode=%s\nthreads=%ld\nevents=%llu\nns=%llu\nevents_per_s=%.0f\n"
	       "t0_real_ns=%llu\nt1_real_ns=%llu\n",
	       SIDE, mode, threads, (unsigned long long)events, (unsigned long long)(t1 - t0),
	       t1 > t0 ? (double)events * 1e9 / (double)(t1 - t0) : 0.0, (unsigned long long)r0,
	       (unsigned long long)r1);
}

/* ---- live: all threads alive at once ---- */

static pthread_barrier_t live_go, live_done;
static uint64_t live_per;

static void *live_main(void *arg)
{
	uint64_t i = (uint64_t)(uintptr_t)arg;
	pthread_barrier_wait(&live_go);
	for (uint32_t k = 0; k < live_per; k++)
		EV(i, k);
	pthread_barrier_wait(&live_done);
	return NULL;
}

static int mode_live(long nt, uint64_t per)
{
	pthread_t *id = calloc((size_t)nt, sizeof(*id));
	live_per = per;
	pthread_barrier_init(&live_go, NULL, (unsigned)nt + 1);
	pthread_barrier_init(&live_done, NULL, (unsigned)nt + 1);
	for (long i = 0; i < nt; i++)
		spawn(&id[i], live_main, (void *)(uintptr_t)i);
	uint64_t r0 = clock_ns(CLOCK_REALTIME), t0 = now_ns();
	pthread_barrier_wait(&live_go);
	pthread_barrier_wait(&live_done);
	uint64_t t1 = now_ns(), r1 = clock_ns(CLOCK_REALTIME);
	for (long i = 0; i < nt; i++)
		pthread_join(id[i], NULL);
	report("live", nt, per * (uint64_t)nt, t0, t1, r0, r1);
	return 0;
}

/* ---- seq: short-lived threads, one at a time ---- */

static void *seq_main(void *arg)
{
	uint64_t i = (uint64_t)(uintptr_t)arg;
	for (uint32_t k = 0; k < live_per; k++)
		EV(i, k);
	return NULL;
}

static int mode_seq(long nt, uint64_t per)
{
	live_per = per;
	uint64_t r0 = clock_ns(CLOCK_REALTIME), t0 = now_ns();
	for (long i = 0; i < nt; i++) {
		pthread_t id;
		spawn(&id, seq_main, (void *)(uintptr_t)i);
		pthread_join(id, NULL);
	}
	uint64_t t1 = now_ns(), r1 = clock_ns(CLOCK_REALTIME);
	report("seq", nt, per * (uint64_t)nt, t0, t1, r0, r1);
	return 0;
}

/* ---- pool: T threads at a fixed rate each ---- */

struct pool_thr {
	pthread_t id;
	uint64_t index, start, period, n, lag_max;
};
static pthread_barrier_t pool_go;

static void *pool_main(void *arg)
{
	struct pool_thr *t = arg;
	pthread_barrier_wait(&pool_go);
	for (uint64_t k = 0; k < t->n; k++) {
		uint64_t due = t->start + k * t->period;
		struct timespec ts = { .tv_sec = (time_t)(due / 1000000000u),
				       .tv_nsec = (long)(due % 1000000000u) };
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		uint64_t lag = now_ns() - due;
		if (lag > t->lag_max)
			t->lag_max = lag;
		EV(t->index, (uint32_t)k);
	}
	return NULL;
}

static int mode_pool(long nt, uint64_t rate, uint64_t secs)
{
	struct pool_thr *t = calloc((size_t)nt, sizeof(*t));
	uint64_t period = 1000000000u / (rate ? rate : 1);
	pthread_barrier_init(&pool_go, NULL, (unsigned)nt + 1);
	/* the schedule starts 100 ms from now: every thread exists by then */
	uint64_t start = now_ns() + 100000000u;
	for (long i = 0; i < nt; i++) {
		t[i] = (struct pool_thr){ .index = (uint64_t)i,
					  .start = start + period * (uint64_t)i / (uint64_t)nt,
					  .period = period,
					  .n = rate * secs };
		spawn(&t[i].id, pool_main, &t[i]);
	}
	pthread_barrier_wait(&pool_go);
	uint64_t r0 = clock_ns(CLOCK_REALTIME), t0 = now_ns(), lag = 0;
	for (long i = 0; i < nt; i++) {
		pthread_join(t[i].id, NULL);
		lag = t[i].lag_max > lag ? t[i].lag_max : lag;
	}
	uint64_t t1 = now_ns(), r1 = clock_ns(CLOCK_REALTIME);
	report("pool", nt, rate * secs * (uint64_t)nt, t0, t1, r0, r1);
	printf("lag_max_us=%llu\n", (unsigned long long)(lag / 1000));
	return 0;
}

/* ---- flat: one thread flat out ---- */

__attribute__((noinline)) static void loop_flat(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		EV(i, (uint32_t)i);
}

static int mode_flat(uint64_t n)
{
	const char *c = getenv("BENCH_CPU");
	int cpu = c ? atoi(c) : 0;
	if (cpu >= 0) {
		cpu_set_t s;
		CPU_ZERO(&s);
		CPU_SET(cpu, &s);
		sched_setaffinity(0, sizeof(s), &s);
	}
	uint64_t r0 = clock_ns(CLOCK_REALTIME), t0 = now_ns();
	loop_flat(n);
	uint64_t t1 = now_ns(), r1 = clock_ns(CLOCK_REALTIME);
	report("flat", 1, n, t0, t1, r0, r1);
	printf("ns_per_event=%.2f\n", (double)(t1 - t0) / (double)n);
	return 0;
}

static uint64_t arg(int argc, char **argv, int i, uint64_t dflt)
{
	return i < argc ? strtoull(argv[i], NULL, 0) : dflt;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: see the top of bench/load.c\n");
		return 2;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_SIZE);
	const char *m = argv[1];
	int st;
	if (!strcmp(m, "live"))
		st = mode_live((long)arg(argc, argv, 2, 1000), arg(argc, argv, 3, 10));
	else if (!strcmp(m, "seq"))
		st = mode_seq((long)arg(argc, argv, 2, 10000), arg(argc, argv, 3, 10));
	else if (!strcmp(m, "pool"))
		st = mode_pool((long)arg(argc, argv, 2, 500), arg(argc, argv, 3, 100),
			       arg(argc, argv, 4, 2));
	else if (!strcmp(m, "flat"))
		st = mode_flat(arg(argc, argv, 2, 20000000));
	else {
		fprintf(stderr, "load: unknown mode %s\n", m);
		return 2;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu_ns=%llu\n",
	       (unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
		       (unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u);
	fflush(stdout);
	return st;
}
