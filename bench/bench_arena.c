/* The arena producer path against its floor.
 *
 *   floor:  the same clock read and the same stores (record word, timestamp,
 *           a u64 and a u32 payload) into a private buffer of the same size
 *   arena:  rm_reserve + the same payload stores + rm_commit, one thread
 *   arena2: the same on two threads at once (aggregate records/s)
 *
 * for CLOCK_MONOTONIC (vDSO) and the TSC. Each repetition writes --records
 * records per thread into memory that was touched before (no page faults
 * in the timed loop); the arena is drained (untimed) between repetitions,
 * so nothing is dropped. Prints median and min/max over --reps.
 *
 *   bench_arena [--reps N] [--records N]
 *   bench_arena --callgrind N [--tsc]   fixed count, one pass of each
 *                               loop, for valgrind --tool=callgrind (see
 *                               docs/PERFORMANCE.md)                     */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "shm/arena.h"
#include "shm/catalog_write.h"
#include "shm/clock.h"
#include "shm/producer.h"
#include "shm/reader.h"

#define REC_BYTES 32u /* 16 header + 12 payload, 8-aligned */

static char *floor_bufs[2];
static __thread char *floor_buf;
static __thread size_t floor_pos;
static size_t floor_size;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The floor: exactly the stores of a record, into private memory. */
__attribute__((noinline)) static void floor_loop(uint32_t clock, uint64_t n)
{
	char *b = floor_buf;
	size_t pos = floor_pos;
	for (uint64_t i = 0; i < n; i++) {
		if (pos + REC_BYTES > floor_size)
			pos = 0;
		struct rm_record *r = (struct rm_record *)(b + pos);
		pos += REC_BYTES;
		r->ts = rm_clock_read(clock);
		uint64_t a = i;
		uint32_t c = (uint32_t)i;
		memcpy(r->payload, &a, 8);
		memcpy(r->payload + 8, &c, 4);
		__atomic_store_n(&r->word, (uint64_t)28 | (uint64_t)1 << 32, __ATOMIC_RELEASE);
	}
	floor_pos = pos;
}

static struct rm_arena arenas[2]; /* [clock] */
static uint32_t ev[2];
static __thread struct rm_writer tw;

__attribute__((noinline)) static uint64_t arena_loop(struct rm_arena *a, uint32_t id, uint64_t n)
{
	uint64_t ok = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct rm_wr wr;
		unsigned char *p = rm_reserve(a, &tw, &wr, id, 12);
		if (__builtin_expect(!p, 0))
			continue;
		uint64_t x = i;
		uint32_t c = (uint32_t)i;
		memcpy(p, &x, 8);
		memcpy(p + 8, &c, 4);
		rm_commit(&wr);
		ok++;
	}
	return ok;
}

static int count_cb(void *ctx, const struct rm_packet *p)
{
	*(uint64_t *)ctx += p->nrecords;
	return 0;
}

/* Frees every chunk (untimed): the next repetition finds them all free. */
static uint64_t drain_all(struct rm_arena *a)
{
	struct rm_reader *r = rm_reader_new(a);
	uint64_t n = 0;
	rm_reader_drain(r, true, count_cb, &n);
	uint64_t lost = rm_reader_stats(r)->lost + rm_reader_lost_global(r);
	rm_reader_free(r);
	if (lost)
		fprintf(stderr, "warning: %lu records dropped: the arena is too small\n",
			(unsigned long)lost);
	/* the final drain retired every writer: start the next pass afresh */
	memset(&tw, 0, sizeof(tw));
	return n;
}

static void setup(uint64_t records_per_thread)
{
	/* room for two threads' records, plus a chunk each of slack */
	uint64_t bytes = 2 * records_per_thread * REC_BYTES;
	uint32_t chunk = 65536, count = (uint32_t)(bytes / chunk + 4);
	for (uint32_t clock = 0; clock < 2; clock++) {
		struct rm_params p;
		rm_params_default(&p);
		p.chunk_size = chunk;
		p.chunk_count = count;
		p.small_count = 0;
		p.clock = clock;
		if (rm_arena_create(&p, "remora-bench", &arenas[clock]) ||
		    rm_arena_producer_init(&arenas[clock])) {
			fprintf(stderr, "arena create failed\n");
			exit(1);
		}
		static const char *const names[] = { "a", "b" };
		static const uint8_t types[] = { RM_T_U64, RM_T_U32 };
		struct rm_event_decl d = { "bench", "rec", 2, names, types };
		ev[clock] = (uint32_t)rm_catalog_add(&arenas[clock], &d);
		/* touch every page once so no timed loop takes a page fault */
		memset(arenas[clock].chunks, 0, (size_t)count * chunk);
	}
	floor_size = records_per_thread * REC_BYTES;
	for (int i = 0; i < 2; i++) {
		floor_bufs[i] = mmap(NULL, floor_size, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		memset(floor_bufs[i], 1, floor_size);
	}
	floor_buf = floor_bufs[0];
}

struct th {
	int floor;
	uint32_t clock;
	struct rm_arena *a;
	uint32_t id;
	uint64_t n;
	pthread_barrier_t *go;
	double end;
};

static void *two_main(void *p)
{
	struct th *t = p;
	if (t->floor)
		floor_buf = floor_bufs[t->floor - 1];
	pthread_barrier_wait(t->go);
	if (t->floor)
		floor_loop(t->clock, t->n);
	else
		arena_loop(t->a, t->id, t->n);
	t->end = now_ns();
	return NULL;
}

/* Aggregate ns per record of two threads writing at once. */
static double run_two(uint32_t clock, uint64_t n, int floor)
{
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, 3);
	struct th t[2];
	pthread_t id[2];
	for (int i = 0; i < 2; i++) {
		t[i] = (struct th){ floor ? i + 1 : 0, clock, &arenas[clock], ev[clock], n, &go, 0 };
		pthread_create(&id[i], NULL, two_main, &t[i]);
	}
	pthread_barrier_wait(&go);
	double t0 = now_ns();
	for (int i = 0; i < 2; i++)
		pthread_join(id[i], NULL);
	pthread_barrier_destroy(&go);
	double end = t[0].end > t[1].end ? t[0].end : t[1].end;
	return (end - t0) / (2.0 * n);
}

static int cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

struct stat3 {
	double med, min, max;
};

static struct stat3 stats(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return (struct stat3){ n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1] };
}

int main(int argc, char **argv)
{
	int reps = 11;
	uint64_t n = 1000000, cg = 0;
	uint32_t cg_clock = RM_CLOCK_MONOTONIC;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--records") && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--callgrind") && i + 1 < argc)
			cg = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--tsc"))
			cg_clock = RM_CLOCK_TSC;
		else {
			fprintf(stderr, "usage: %s [--reps N] [--records N] [--callgrind N]\n", argv[0]);
			return 2;
		}
	}
	if (cg) {
		/* One pass of each loop over a fixed count: compare the
		 * inclusive Ir of floor_loop and arena_loop per clock. */
		setup(cg);
		floor_loop(cg_clock, cg);
		arena_loop(&arenas[cg_clock], ev[cg_clock], cg);
		drain_all(&arenas[cg_clock]);
		printf("callgrind mode: %lu records in floor_loop and in arena_loop, clock %s\n",
		       (unsigned long)cg, cg_clock == RM_CLOCK_TSC ? "TSC" : "MONOTONIC");
		return 0;
	}
	if (reps < 1 || reps > 1000 || n < 1000) {
		fprintf(stderr, "bad --reps or --records\n");
		return 2;
	}
	setup(n);
	printf("arena producer path, %lu records per thread per repetition, %d repetitions\n",
	       (unsigned long)n, reps);
	printf("record: 12 bytes of payload (u64 + u32), 32 bytes in the chunk\n\n");
	printf("%-10s %-22s %-22s %-22s %-8s %s\n", "clock", "floor ns/rec (min-max)",
	       "arena 1T ns/rec", "arena 2T ns/rec (aggr)", "arena/floor", "2T/1T rec/s");
	static const char *const cname[2] = { "MONOTONIC", "TSC" };
	for (uint32_t clock = 0; clock < 2; clock++) {
		double *fl = calloc(reps, sizeof(double)), *a1 = calloc(reps, sizeof(double)),
		       *a2 = calloc(reps, sizeof(double)), *f2 = calloc(reps, sizeof(double));
		/* warm-up: one untimed pass of each */
		floor_loop(clock, n);
		arena_loop(&arenas[clock], ev[clock], n);
		drain_all(&arenas[clock]);
		for (int r = 0; r < reps; r++) {
			/* interleaved, so drift hits all three alike */
			double t0 = now_ns();
			floor_loop(clock, n);
			fl[r] = (now_ns() - t0) / n;
			t0 = now_ns();
			uint64_t ok = arena_loop(&arenas[clock], ev[clock], n);
			a1[r] = (now_ns() - t0) / n;
			if (drain_all(&arenas[clock]) != ok || ok != n)
				fprintf(stderr, "warning: 1T wrote %lu of %lu\n", (unsigned long)ok,
					(unsigned long)n);
			a2[r] = run_two(clock, n, 0);
			if (drain_all(&arenas[clock]) != 2 * n)
				fprintf(stderr, "warning: 2T records missing\n");
			f2[r] = run_two(clock, n, 1); /* the machine's own 2-thread scaling */
		}
		struct stat3 f = stats(fl, reps), s1 = stats(a1, reps), s2 = stats(a2, reps),
			     ff = stats(f2, reps);
		char b1[64], b2[64], b3[64];
		snprintf(b1, sizeof(b1), "%.2f (%.2f-%.2f)", f.med, f.min, f.max);
		snprintf(b2, sizeof(b2), "%.2f (%.2f-%.2f)", s1.med, s1.min, s1.max);
		snprintf(b3, sizeof(b3), "%.2f (%.2f-%.2f)", s2.med, s2.min, s2.max);
		printf("%-10s %-22s %-22s %-22s %-11.3f %.2fx\n", cname[clock], b1, b2, b3,
		       s1.med / f.med, s1.med / s2.med);
		printf("%-10s records/s: floor %.1fM, arena 1T %.1fM, arena 2T %.1fM; floor 2T %.1fM "
		       "(%.2f-%.2f ns/rec aggr, %.2fx of floor 1T)\n",
		       "", 1e3 / f.med, 1e3 / s1.med, 1e3 / s2.med, 1e3 / ff.med, ff.min, ff.max,
		       f.med / ff.med);
		free(fl);
		free(a1);
		free(a2);
		free(f2);
	}
	return 0;
}
