/* Many threads of one process write into one arena while the consumer
 * drains concurrently: every record comes back exactly once, in per-thread
 * order, intact; what was dropped is counted against the right thread. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "shm_test_util.h"

struct run {
	struct rm_arena a;
	uint32_t id;
	uint64_t per_thread;
	uint32_t first_writer;
	struct tracker *t;
	pthread_barrier_t go;
	uint64_t written[64];
	int done;
};

struct targ {
	struct run *run;
	uint32_t writer;
};

static void *writer_main(void *p)
{
	struct targ *ta = p;
	struct run *run = ta->run;
	static __thread struct rm_writer w; /* thread-local, zero-initialised */
	run->t->who[ta->writer] = (uint32_t)gettid();
	pthread_barrier_wait(&run->go);
	uint64_t n = 0;
	for (uint64_t seq = 0; seq < run->per_thread; seq++)
		n += test_write(&run->a, &w, run->id, ta->writer, seq);
	run->written[ta->writer] = n;
	__atomic_fetch_add(&run->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Runs `nthreads` writers (writer ids first..first+n-1) against `r`,
 * draining concurrently until they are all done. */
static void run_wave(struct run *run, struct rm_reader *r, uint32_t first, uint32_t nthreads)
{
	pthread_t th[64];
	struct targ ta[64];
	run->done = 0;
	assert_int_equal(pthread_barrier_init(&run->go, NULL, nthreads + 1), 0);
	for (uint32_t i = 0; i < nthreads; i++) {
		ta[i] = (struct targ){ run, first + i };
		assert_int_equal(pthread_create(&th[i], NULL, writer_main, &ta[i]), 0);
	}
	pthread_barrier_wait(&run->go);
	while (__atomic_load_n(&run->done, __ATOMIC_ACQUIRE) < (int)nthreads)
		DRAIN(r, false, track, run->t);
	for (uint32_t i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&run->go);
	/* threads are gone: the consumer learns it from /proc within its
	 * recheck interval (200 ms), then frees their chunks and slots */
	uint64_t freed = rm_reader_stats(r)->slots_freed;
	for (int i = 0; i < 300 && rm_reader_stats(r)->slots_freed < freed + nthreads; i++) {
		DRAIN(r, false, track, run->t);
		usleep(10000);
	}
}

static void check_writers(struct run *run, struct rm_reader *r, uint32_t nwriters)
{
	struct tracker *t = run->t;
	assert_int_equal(t->bad, 0);
	assert_int_equal(t->dup, 0);
	assert_int_equal(t->order, 0);
	assert_int_equal(t->corrupt_packets, 0);
	assert_int_equal(rm_reader_stats(r)->corrupt, 0);
	assert_int_equal(t->lost_unknown, 0);
	for (uint32_t w = 0; w < nwriters; w++) {
		assert_int_equal(t->count[w], run->written[w]);
		assert_int_equal(t->count[w] + t->lost[w], run->per_thread);
		/* every missing record is one this thread's lost counter covers */
		assert_int_equal(tracker_missing(t, w, run->per_thread), t->lost[w]);
	}
}

static void test_threads_concurrent_drain(void **state)
{
	(void)state;
	static struct run run;
	memset(&run, 0, sizeof(run));
	uint32_t nthreads = (uint32_t)test_iters(6, 3);
	run.per_thread = test_iters(300000, 20000);
	run.id = test_arena(&run.a, 4096, 64, RM_MODE_DISCARD);
	assert_int_not_equal(run.id, UINT32_MAX);
	struct tracker t;
	tracker_init(&t, nthreads, run.per_thread);
	t.by_tid = true;
	run.t = &t;
	struct rm_reader *r = rm_reader_new(&run.a);
	assert_non_null(r);

	run_wave(&run, r, 0, nthreads);
	DRAIN(r, true, track, &t);
	check_writers(&run, r, nthreads);
	assert_true(t.records > 0);
	print_message("threads: %u x %lu, received %lu, lost %lu, chunks freed %lu\n", nthreads,
		      (unsigned long)run.per_thread, (unsigned long)t.records,
		      (unsigned long)t.lost_total, (unsigned long)rm_reader_stats(r)->chunks_freed);
	tracker_free(&t);
	rm_reader_free(r);
	rm_arena_unmap(&run.a);
}

/* Big enough that nothing is dropped: then the contract is exact. */
static void test_threads_nothing_dropped_when_it_fits(void **state)
{
	(void)state;
	static struct run run;
	memset(&run, 0, sizeof(run));
	uint32_t nthreads = 4;
	run.per_thread = test_iters(50000, 5000);
	/* 4 threads x 50000 x 32 bytes = 6.4 MB < 128 x 64 KiB */
	run.id = test_arena(&run.a, 65536, 128, RM_MODE_DISCARD);
	struct tracker t;
	tracker_init(&t, nthreads, run.per_thread);
	t.by_tid = true;
	run.t = &t;
	struct rm_reader *r = rm_reader_new(&run.a);
	run_wave(&run, r, 0, nthreads);
	DRAIN(r, true, track, &t);
	check_writers(&run, r, nthreads);
	assert_int_equal(t.lost_total, 0);
	assert_int_equal(t.records, nthreads * run.per_thread);
	tracker_free(&t);
	rm_reader_free(r);
	rm_arena_unmap(&run.a);
}

/* Fewer slots than threads over time: exited threads' slots are retired by
 * the consumer (liveness via /proc) and reused by the next wave. */
static void test_slots_are_reused_after_threads_exit(void **state)
{
	(void)state;
	static struct run run;
	memset(&run, 0, sizeof(run));
	struct rm_params p;
	rm_params_default(&p);
	p.chunk_size = 4096;
	p.chunk_count = 32;
	p.small_count = 0;
	p.slot_max = 2;
	assert_int_equal(rm_arena_create(&p, "remora-test", &run.a), 0);
	assert_int_equal(rm_arena_producer_init(&run.a), 0);
	static const char *const names[] = { "seq", "writer", "check" };
	static const uint8_t types[] = { RM_T_U64, RM_T_U32, RM_T_U32 };
	struct rm_event_decl d = { "test", "rec", 3, names, types };
	run.id = (uint32_t)rm_catalog_add(&run.a, &d);
	run.per_thread = test_iters(20000, 2000);
	uint32_t waves = 4;
	struct tracker t;
	tracker_init(&t, 2 * waves, run.per_thread);
	t.by_tid = true;
	run.t = &t;
	struct rm_reader *r = rm_reader_new(&run.a);
	for (uint32_t wv = 0; wv < waves; wv++)
		run_wave(&run, r, 2 * wv, 2);
	DRAIN(r, true, track, &t);
	check_writers(&run, r, 2 * waves);
	assert_int_equal(rm_reader_lost_global(r), 0); /* every thread found a slot */
	assert_true(rm_reader_stats(r)->slots_freed >= 2 * waves);
	tracker_free(&t);
	rm_reader_free(r);
	rm_arena_unmap(&run.a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_concurrent_drain),
		cmocka_unit_test(test_threads_nothing_dropped_when_it_fits),
		cmocka_unit_test(test_slots_are_reused_after_threads_exit),
	};
	alarm(120);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
