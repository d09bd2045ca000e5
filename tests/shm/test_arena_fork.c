/* Forked processes (and a grandchild) keep writing into the arena they
 * inherited, each with the writer variable it inherited: the wiped
 * per-process page makes its first event re-register. The parent drains
 * concurrently. Every record comes back exactly once, in per-process order,
 * intact; what was dropped is counted against the right process. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm_test_util.h"

#define NCHILD 4
#define GRANDCHILD (NCHILD + 1)
#define NW (NCHILD + 2)

struct shared {
	uint64_t written[NW];
	uint32_t pid[NW];
};

static void test_forked_children_write_into_one_arena(void **state)
{
	(void)state;
	struct rm_arena a;
	/* 32 MiB: room for everything, so the contract is exact without drops */
	uint32_t id = test_arena(&a, 16384, 2048, RM_MODE_DISCARD);
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(sh, MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	uint64_t n = test_iters(100000, 5000);
	struct rm_writer w = { 0 }; /* the parent's; children keep using it */
	/* static: still reachable from forked children when they _exit, so
	 * memcheck's leak check in each child stays quiet */
	static struct rm_reader *r;
	static struct tracker t;
	r = rm_reader_new(&a);
	tracker_init(&t, NW, n);
	uint64_t pseq = 0;
	for (; pseq < n / 2; pseq++) /* the parent holds a chunk at fork time */
		sh->written[0] += test_write(&a, &w, id, 0, pseq);
	t.who[0] = (uint32_t)getpid();

	pid_t kids[NCHILD];
	for (uint32_t k = 0; k < NCHILD; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			alarm(60);
			uint32_t me = k + 1;
			if (k == 0) { /* this child forks once more, half-way */
				for (uint64_t s = 0; s < n; s++) {
					if (s == n / 2 && fork() == 0) {
						sh->pid[GRANDCHILD] = (uint32_t)getpid();
						for (uint64_t g = 0; g < n; g++)
							sh->written[GRANDCHILD] += test_write(&a, &w, id, GRANDCHILD, g);
						_exit(0);
					}
					sh->written[me] += test_write(&a, &w, id, me, s);
				}
				while (wait(NULL) > 0)
					;
				_exit(0);
			}
			for (uint64_t s = 0; s < n; s++)
				sh->written[me] += test_write(&a, &w, id, me, s);
			_exit(0);
		}
		t.who[k + 1] = (uint32_t)kids[k];
	}
	int left = NCHILD;
	while (left > 0) {
		for (; pseq < n && pseq % 1000 != 999; pseq++)
			sh->written[0] += test_write(&a, &w, id, 0, pseq);
		if (pseq < n)
			sh->written[0] += test_write(&a, &w, id, 0, pseq++);
		t.who[GRANDCHILD] = __atomic_load_n(&sh->pid[GRANDCHILD], __ATOMIC_RELAXED);
		DRAIN(r, false, track, &t);
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p > 0) {
			assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
			left--;
		}
	}
	for (; pseq < n; pseq++)
		sh->written[0] += test_write(&a, &w, id, 0, pseq);
	t.who[GRANDCHILD] = sh->pid[GRANDCHILD];
	DRAIN(r, false, track, &t);
	DRAIN(r, true, track, &t);

	assert_int_equal(t.bad, 0);
	assert_int_equal(t.dup, 0);
	assert_int_equal(t.order, 0);
	assert_int_equal(t.corrupt_packets, 0);
	assert_int_equal(t.lost_unknown, 0);
	for (int i = 0; i < NW; i++) {
		print_message("writer %d (pid %u): %lu received, %lu lost\n", i, t.who[i],
			      (unsigned long)t.count[i], (unsigned long)t.lost[i]);
		assert_int_equal(t.count[i], sh->written[i]);
		assert_int_equal(t.count[i] + t.lost[i], n);
		assert_int_equal(tracker_missing(&t, i, n), t.lost[i]);
	}
	/* every process registered in the pid table */
	uint32_t registered = 0;
	for (uint32_t i = 0; i < a.pid_max; i++)
		registered += a.pids[i].pid != 0;
	assert_int_equal(registered, NW);
	assert_int_equal(t.lost_total, 0);
	tracker_free(&t);
	rm_reader_free(r);
	munmap(sh, sizeof(*sh));
	rm_arena_unmap(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forked_children_write_into_one_arena),
	};
	alarm(120);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
