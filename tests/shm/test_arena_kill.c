/* Killed and stopped producers. Children write into the arena while the
 * parent drains concurrently; each child publishes, in a shared page, how
 * many writes it attempted and the seq of its last commit, each stored after
 * the fact. Afterwards the consumer must have every committed record (up to
 * the published one, except what the lost counters cover), at most one more
 * (committed but not yet published), each intact and exactly once, in order,
 * and received + lost must equal the attempts (+1 for the write in flight).
 *
 * - testpoints: a child re-executes this program with
 *   REMORA_TESTPOINT=point:count (remora_shm_tp) and dies there;
 * - random SIGKILL from the parent at random moments of heavy writing;
 * - SIGSTOP at a testpoint: the consumer still drains the others and the
 *   committed prefix of the stopped producer's chunk. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm_test_util.h"

#define MAXW 64
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif
#define MAX_SEQ (1u << 18)

struct pub {
	uint64_t attempts;  /* writes finished (committed or dropped) */
	uint64_t committed; /* seq + 1 of the last commit */
	uint32_t pid;
	uint32_t pad;
};

static const char *self_exe;

/* Children not reaped yet: killed on the way out whatever happens, so a
 * failed assertion never leaves a stopped child holding ctest's pipe. */
static pid_t kids[8];
static void kid_add(pid_t p)
{
	for (int i = 0; i < 8; i++)
		if (!kids[i]) {
			kids[i] = p;
			return;
		}
}
static void kid_reaped(pid_t p)
{
	for (int i = 0; i < 8; i++)
		if (kids[i] == p)
			kids[i] = 0;
}
static void kids_kill(void)
{
	for (int i = 0; i < 8; i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
			kids[i] = 0;
		}
}

/* The writing loop of every child: `max` writes, then wait to be killed. */
static void child_write(struct rm_arena *a, uint32_t id, uint32_t writer, struct pub *p,
			uint64_t max, bool linger)
{
	struct rm_writer w = { 0 };
	__atomic_store_n(&p->pid, (uint32_t)getpid(), __ATOMIC_RELEASE);
	for (uint64_t seq = 0; seq < max; seq++) {
		if (test_write(a, &w, id, writer, seq))
			__atomic_store_n(&p->committed, seq + 1, __ATOMIC_RELEASE);
		__atomic_store_n(&p->attempts, seq + 1, __ATOMIC_RELEASE);
	}
	while (linger)
		pause();
}

/* argv: --child arena_fd pub_fd writer id max */
static int child_main(char **argv)
{
	struct rm_arena a;
	char err[256];
	int fd = atoi(argv[2]);
	if (rm_arena_attach(fd, &a, err, sizeof(err)) || rm_arena_producer_init(&a)) {
		fprintf(stderr, "child: %s\n", err);
		return 2;
	}
	uint32_t writer = (uint32_t)atoi(argv[4]);
	struct pub *p = mmap(NULL, MAXW * sizeof(struct pub), PROT_READ | PROT_WRITE, MAP_SHARED,
			     atoi(argv[3]), 0);
	if (p == MAP_FAILED)
		return 2;
	alarm(30);
	child_write(&a, (uint32_t)atoi(argv[5]), writer, &p[writer], strtoull(argv[6], NULL, 10), false);
	return 0;
}

struct env {
	struct rm_arena a;
	uint32_t id;
	int pubfd;
	struct pub *pub;
	struct rm_reader *r;
	struct tracker t;
	uint32_t nw;
};

static void env_init(struct env *e, uint32_t chunk_size, uint32_t chunks)
{
	memset(e, 0, sizeof(*e));
	e->id = test_arena(&e->a, chunk_size, chunks, RM_MODE_DISCARD);
	assert_int_not_equal(e->id, UINT32_MAX);
	e->pubfd = memfd_create("pub", 0);
	assert_int_equal(ftruncate(e->pubfd, MAXW * sizeof(struct pub)), 0);
	e->pub = mmap(NULL, MAXW * sizeof(struct pub), PROT_READ | PROT_WRITE, MAP_SHARED, e->pubfd, 0);
	assert_ptr_not_equal(e->pub, MAP_FAILED);
	e->r = rm_reader_new(&e->a);
	tracker_init(&e->t, MAXW, MAX_SEQ);
}

static void env_free(struct env *e)
{
	tracker_free(&e->t);
	rm_reader_free(e->r);
	munmap(e->pub, MAXW * sizeof(struct pub));
	close(e->pubfd);
	rm_arena_unmap(&e->a);
}

static void drain(struct env *e, bool final)
{
	for (uint32_t w = 0; w < e->nw; w++)
		e->t.who[w] = __atomic_load_n(&e->pub[w].pid, __ATOMIC_ACQUIRE);
	DRAIN(e->r, final, track, &e->t);
}

/* After a writer is gone: drain until its records and losses are all
 * reported. The consumer learns of the death from /proc, rechecking a
 * live-looking thread at most every 200 ms, so this takes up to that;
 * up to 5 s on a loaded machine. */
static void settle(struct env *e, uint32_t w)
{
	for (int i = 0; i < 1000; i++) {
		drain(e, false);
		uint64_t seen = e->t.count[w] + e->t.lost[w];
		if (seen >= __atomic_load_n(&e->pub[w].attempts, __ATOMIC_ACQUIRE))
			return;
		usleep(5000);
	}
}

/* Everything committed came back; nothing else but the one write in
 * flight; the counts add up exactly. */
static void check_writer(struct env *e, uint32_t w)
{
	struct tracker *t = &e->t;
	struct pub *p = &e->pub[w];
	uint64_t got = t->count[w], lost = t->lost[w];
	uint64_t missing = tracker_missing(t, w, p->committed);
	uint64_t beyond = 0;
	for (uint64_t s = p->committed; s < p->attempts + 2 && s < MAX_SEQ; s++)
		beyond += tracker_has(t, w, s);
	if (missing > lost || beyond > 1 || got + lost < p->attempts || got + lost > p->attempts + 1 ||
	    t->order_w[w])
		fail_msg("writer %u (pid %u): attempts %lu committed %lu, got %lu lost %lu missing %lu "
			 "beyond %lu order %lu",
			 w, p->pid, (unsigned long)p->attempts, (unsigned long)p->committed,
			 (unsigned long)got, (unsigned long)lost, (unsigned long)missing,
			 (unsigned long)beyond, (unsigned long)t->order_w[w]);
}

static void check_all(struct env *e)
{
	tracker_resolve(&e->t);
	assert_int_equal(e->t.bad, 0);
	assert_int_equal(e->t.dup, 0);
	assert_int_equal(e->t.corrupt_packets, 0);
	assert_int_equal(rm_reader_stats(e->r)->corrupt, 0);
	assert_int_equal(e->t.lost_unknown, 0);
	for (uint32_t w = 0; w < e->nw; w++)
		check_writer(e, w);
	/* every chunk came back: nothing is held by a dead producer */
	for (uint32_t i = 0; i < e->a.chunk_count; i++)
		assert_int_equal(RM_CS_KIND(e->a.descs[i].state), RM_CHUNK_FREE);
}

static pid_t spawn_tp(struct env *e, uint32_t writer, const char *tp, uint64_t max)
{
	char fdarg[16], pubarg[16], warg[16], idarg[16], maxarg[24], envtp[96];
	int fd = dup(e->a.fd); /* without CLOEXEC */
	snprintf(fdarg, sizeof(fdarg), "%d", fd);
	snprintf(pubarg, sizeof(pubarg), "%d", e->pubfd);
	snprintf(warg, sizeof(warg), "%u", writer);
	snprintf(idarg, sizeof(idarg), "%u", e->id);
	snprintf(maxarg, sizeof(maxarg), "%lu", (unsigned long)max);
	snprintf(envtp, sizeof(envtp), "REMORA_TESTPOINT=%s", tp);
	pid_t pid = fork();
	if (pid == 0) {
		char *args[] = { (char *)self_exe, "--child", fdarg, pubarg, warg, idarg, maxarg, NULL };
		char *envp[] = { envtp, NULL };
		execve(self_exe, args, envp);
		_exit(127);
	}
	close(fd);
	kid_add(pid);
	return pid;
}

/* Drains while the child runs; returns its wait status. */
static int drain_until_exit(struct env *e, pid_t pid, int flags)
{
	for (;;) {
		drain(e, false);
		int st;
		pid_t p = waitpid(pid, &st, WNOHANG | flags);
		if (p == pid) {
			if (!WIFSTOPPED(st))
				kid_reaped(pid);
			return st;
		}
		assert_true(p == 0);
	}
}

static unsigned kills;

static void test_kill_at_every_testpoint(void **state)
{
	(void)state;
	static const char *const rec_points[] = { "after_reserve", "mid_payload", "before_commit",
						  "after_commit" };
	static const char *const chunk_points[] = { "after_claim", "chunk_switch" };
	static const unsigned rec_counts[] = { 1, 2, 127, 128, 129, 4000, 19999 };
	static const unsigned chunk_counts[] = { 1, 2, 3, 40, 150 };
	static struct env e;
	env_init(&e, 4096, 128);
	uint64_t max = 20000;
	unsigned killed = 0;
	char tp[64];
	for (unsigned i = 0; i < 4 + 2; i++) {
		unsigned nc = i < 4 ? 7 : 5;
		for (unsigned j = 0; j < nc; j++) {
			if (i < 4)
				snprintf(tp, sizeof(tp), "%s:%u", rec_points[i], rec_counts[j]);
			else
				snprintf(tp, sizeof(tp), "%s:%u", chunk_points[i - 4], chunk_counts[j]);
			uint32_t w = e.nw++;
			assert_true(w < MAXW);
			pid_t pid = spawn_tp(&e, w, tp, max);
			int st = drain_until_exit(&e, pid, 0);
			if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
				killed++;
			else
				assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
			settle(&e, w);
			check_writer(&e, w);
		}
	}
	drain(&e, true);
	check_all(&e);
	print_message("testpoint kills: %u of %u children\n", killed, e.nw);
	assert_true(killed >= 30);
	kills += killed;
	env_free(&e);
}

static uint64_t rnd = 88172645463325252ull;
static uint64_t next_rand(void)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 7;
	rnd ^= rnd << 17;
	return rnd;
}

static void test_random_sigkill(void **state)
{
	(void)state;
	/* 10 x 50 kills; fewer under the sanitizers, whose fork is slow */
	unsigned batches = (unsigned)test_iters(SANITIZED ? 4 : 10, 2), per_batch = 50;
	unsigned total = 0;
	for (unsigned b = 0; b < batches; b++) {
		static struct env e;
		env_init(&e, 4096, 256);
		pid_t run[2] = { 0, 0 };
		uint32_t runw[2];
		for (unsigned k = 0; k < per_batch + 2; k++) {
			unsigned slot = k % 2;
			if (run[slot]) {
				/* let it write for a random while, draining meanwhile */
				struct timespec t0, t1;
				clock_gettime(CLOCK_MONOTONIC, &t0);
				long us = (long)(next_rand() % 3000);
				do {
					if (next_rand() % 2)
						drain(&e, false);
					clock_gettime(CLOCK_MONOTONIC, &t1);
				} while ((t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000 < us);
				kill(run[slot], SIGKILL);
				int st;
				assert_int_equal(waitpid(run[slot], &st, 0), run[slot]);
				kid_reaped(run[slot]);
				assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
				total++;
				run[slot] = 0;
				drain(&e, false);
				(void)runw;
			}
			if (k >= per_batch)
				continue;
			uint32_t w = e.nw++;
			run[slot] = fork();
			if (run[slot] == 0) {
				alarm(30);
				child_write(&e.a, e.id, w, &e.pub[w], MAX_SEQ - 2, true);
				_exit(0);
			}
			runw[slot] = w;
			kid_add(run[slot]);
		}
		drain(&e, false);
		drain(&e, false);
		drain(&e, true);
		check_all(&e);
		if (b == 0)
			print_message("batch 0: %lu records, %lu lost\n", (unsigned long)e.t.records,
				      (unsigned long)e.t.lost_total);
		env_free(&e);
	}
	print_message("random SIGKILLs: %u\n", total);
	kills += total;
	assert_int_equal(total, batches * per_batch);
}

/* A producer stopped inside the protocol blocks nobody. */
static void test_sigstop(void **state)
{
	(void)state;
	static const char *const points[] = { "after_claim:3:stop", "after_reserve:300:stop",
					      "mid_payload:300:stop", "before_commit:300:stop",
					      "after_commit:300:stop", "chunk_switch:2:stop" };
	for (unsigned i = 0; i < 6; i++) {
		static struct env e;
		env_init(&e, 4096, 128);
		e.nw = 2;
		pid_t stopped = spawn_tp(&e, 0, points[i], 20000);
		int st;
		/* a second producer runs to its end meanwhile */
		pid_t other = fork();
		if (other == 0) {
			alarm(30);
			child_write(&e.a, e.id, 1, &e.pub[1], 3000, false);
			_exit(0);
		}
		kid_add(other);
		st = drain_until_exit(&e, stopped, WUNTRACED);
		assert_true(WIFSTOPPED(st));
		assert_int_equal(waitpid(other, &st, 0), other);
		kid_reaped(other);
		for (int k = 0; k < 3; k++)
			drain(&e, false);
		/* the other producer: complete; the stopped one: its committed
		 * prefix, chunk still open */
		check_writer(&e, 1);
		assert_int_equal(e.t.count[1], 3000);
		uint64_t committed = e.pub[0].committed;
		assert_int_equal(tracker_missing(&e.t, 0, committed), 0);
		/* stopped after a commit, before publishing it: one more */
		assert_true(e.t.count[0] == committed || e.t.count[0] == committed + 1);
		/* its open chunk is still its own: not sealed, not freed */
		uint32_t open = 0;
		for (uint32_t c = 0; c < e.a.chunk_count; c++)
			open += RM_CS_KIND(e.a.descs[c].state) == RM_CHUNK_OWNED;
		assert_true(open >= 1);
		kill(stopped, SIGKILL);
		assert_int_equal(waitpid(stopped, &st, 0), stopped);
		kid_reaped(stopped);
		drain(&e, false);
		drain(&e, false);
		drain(&e, true);
		check_all(&e);
		print_message("%s: %lu committed before the stop, all drained\n", points[i],
			      (unsigned long)committed);
		env_free(&e);
	}
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "test_arena_kill: timed out\n";
	ssize_t ignored = write(2, msg, sizeof(msg) - 1);
	(void)ignored;
	kids_kill(); /* kill and waitpid only: async-signal-safe */
	_exit(124);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--child"))
		return child_main(argv);
	self_exe = "/proc/self/exe";
	static char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0)
		self_exe = exe;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_at_every_testpoint),
		cmocka_unit_test(test_random_sigkill),
		cmocka_unit_test(test_sigstop),
	};
	alarm(150);
	atexit(kids_kill);
	signal(SIGALRM, on_alarm);
	int ret = cmocka_run_group_tests(tests, NULL, NULL);
	kids_kill();
	printf("kills in this run: %u\n", kills);
	return ret;
}
