/* A signal handler that records while its thread is in the middle of the
 * once-per-thread setup (token, tid, slot claim), in a new thread and in a
 * forked child. The testpoint inside the setup (a slot claimed, not yet
 * published) sends the signal at exactly that step. The handler must not
 * see a half-built state: it drops its record (counted as lost outside any
 * slot), the thread owns exactly one slot under the right tid (a wrong tid
 * makes the consumer think the owner is dead and take its chunks while it
 * still writes; a second slot made its losses count twice), and every
 * other record comes back. */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm_test_util.h"
#include "shm/testpoint.h"

static struct rm_arena arena;
static uint32_t ev;
static __thread struct rm_writer tw;
static uint64_t handler_seq;
static sem_t written, drained, checked;
static pid_t writer_tid;

static void handler(int sig)
{
	(void)sig;
	test_write(&arena, &tw, ev, 1, handler_seq++);
}

static void write_range(uint64_t from, uint64_t to)
{
	for (uint64_t s = from; s < to; s++)
		assert_true(test_write(&arena, &tw, ev, 0, s));
}

static void *writer(void *p)
{
	(void)p;
	writer_tid = gettid();
	rm_testpoint_arm(RM_TP_THREAD_SETUP, 1, SIGUSR1);
	write_range(0, 10); /* the first write sets the thread up: the signal lands there */
	sem_post(&written);
	sem_wait(&drained);
	write_range(10, 20);
	sem_post(&written);
	sem_wait(&checked); /* stay alive while the consumer looks */
	return NULL;
}

/* Slots owned by (pid, tid), and slots owned by anyone else. */
static void count_slots(uint32_t pid, uint32_t tid, int *mine, int *others)
{
	*mine = *others = 0;
	for (uint32_t i = 0; i < arena.slot_max; i++) {
		uint64_t o = __atomic_load_n(&arena.slots[i].owner, __ATOMIC_ACQUIRE);
		if (o == ((uint64_t)pid << 32 | tid))
			(*mine)++;
		else if (o)
			(*others)++;
	}
}

static void setup_arena(void)
{
	ev = test_arena(&arena, 4096, 64, RM_MODE_DISCARD);
	assert_int_not_equal(ev, UINT32_MAX);
	handler_seq = 0;
	struct sigaction sa = { .sa_handler = handler };
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);
}

static void test_signal_in_thread_setup(void **state)
{
	(void)state;
	setup_arena();
	struct rm_reader *r = rm_reader_new(&arena);
	struct collector c = { .strict = true };
	sem_init(&written, 0, 0);
	sem_init(&drained, 0, 0);
	sem_init(&checked, 0, 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, writer, NULL), 0);

	sem_wait(&written);
	assert_int_equal(handler_seq, 1); /* the signal did land inside the setup */
	int mine, others;
	count_slots((uint32_t)getpid(), (uint32_t)writer_tid, &mine, &others);
	assert_int_equal(mine, 1);
	assert_int_equal(others, 0);
	assert_int_equal(rm_reader_lost_global(r), 1); /* the handler's record: dropped, counted */
	/* a live drain: the owner is idle but alive, so its chunks stay its own */
	DRAIN(r, false, collect, &c);
	sem_post(&drained);
	sem_wait(&written);
	DRAIN(r, false, collect, &c);
	assert_int_equal(c.records, 20);
	sem_post(&checked);
	pthread_join(t, NULL);
	DRAIN(r, true, collect, &c);

	assert_int_equal(c.records, 20);
	assert_int_equal(c.next[0], 20);
	assert_int_equal(c.next[1], 0);
	assert_int_equal(c.lost + c.gaps + c.bad + c.dup + c.corrupt_packets, 0);
	assert_int_equal(rm_reader_lost_global(r), 1);
	rm_reader_free(r);
	rm_arena_unmap(&arena);
}

/* A forked child inherits its parent's writer state and sets itself up
 * afresh on its first write: a signal at that moment, too. */
static void test_signal_in_fork_setup(void **state)
{
	(void)state;
	setup_arena();
	struct rm_reader *r = rm_reader_new(&arena);
	struct collector c = { .strict = true };
	write_range(0, 5); /* the parent's thread is set up: the child inherits it */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		rm_testpoint_arm(RM_TP_THREAD_SETUP, 1, SIGUSR1);
		for (uint64_t s = 0; s < 300; s++) /* past a chunk switch */
			if (!test_write(&arena, &tw, ev, 2, s))
				_exit(3);
		int mine, others;
		count_slots((uint32_t)getpid(), (uint32_t)gettid(), &mine, &others);
		_exit(handler_seq != 1 ? 4 : mine != 1 ? 5 : 0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	DRAIN(r, true, collect, &c);
	assert_int_equal(c.records, 5 + 300);
	assert_int_equal(c.next[0], 5);
	assert_int_equal(c.next[1], 0);
	assert_int_equal(c.next[2], 300);
	assert_int_equal(c.lost + c.gaps + c.bad + c.dup + c.corrupt_packets, 0);
	assert_int_equal(rm_reader_lost_global(r), 1);
	rm_reader_free(r);
	rm_arena_unmap(&arena);
}

/* A handler forks while the thread it interrupted is in the middle of a
 * chunk claim (the testpoint after the claim CAS, before the descriptor is
 * written and the level points at the chunk). In the child, that level
 * must leave the claim and the record it was reserving to the parent,
 * which finishes both, and take a chunk of its own for its next record:
 * before, it wrote the descriptor of the parent's chunk (a wrong seq
 * reordered the parent's records) and then wrote into that chunk. */
static volatile sig_atomic_t in_child;

static void fork_handler(int sig)
{
	(void)sig;
	if (fork() == 0) {
		in_child = 1;
		test_write(&arena, &tw, ev, 3, 0);
	}
}

static void test_fork_in_handler_mid_claim(void **state)
{
	(void)state;
	setup_arena(); /* 4 KiB chunks: 128 records each */
	memset(&tw, 0, sizeof(tw)); /* this thread wrote into the previous test's arena */
	struct sigaction sa = { .sa_handler = fork_handler };
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR2, &sa, NULL), 0);
	struct rm_reader *r = rm_reader_new(&arena);
	struct collector c = { .strict = true };
	in_child = 0;
	rm_testpoint_arm(RM_TP_AFTER_CLAIM, 2, SIGUSR2); /* the claim for seq 128 */
	for (uint64_t s = 0; s < 300; s++) {
		bool ok = test_write(&arena, &tw, ev, 0, s);
		if (in_child)
			break; /* its copy of seq 128 is dropped: the parent writes it */
		assert_true(ok);
	}
	if (in_child) {
		for (uint64_t s = 0; s < 300; s++)
			if (!test_write(&arena, &tw, ev, 2, s))
				_exit(3);
		_exit(0);
	}
	int st;
	assert_true(wait(&st) > 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	DRAIN(r, true, collect, &c);
	assert_int_equal(c.bad + c.dup + c.lost + c.gaps + c.corrupt_packets, 0);
	assert_int_equal(c.next[0], 300);
	assert_int_equal(c.next[2], 300); /* the child's, all in chunks of its own */
	assert_int_equal(c.next[3], 1);
	assert_int_equal(c.records, 300 + 300 + 1);
	assert_int_equal(rm_reader_lost_global(r), 0);
	rm_reader_free(r);
	rm_arena_unmap(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signal_in_thread_setup),
		cmocka_unit_test(test_signal_in_fork_setup),
		cmocka_unit_test(test_fork_in_handler_mid_claim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
