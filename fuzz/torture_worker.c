/* The producers of the torture, one exec'd process per worker, writing
 * through the real producer path (shm/producer.h, with testpoints):
 *
 *   threads  2-4 threads writing as fast as they can
 *   signals  one writing thread; a second thread fires SIGUSR1, SIGUSR2 and
 *            SIGRTMIN at it, whose handlers write too and interrupt each
 *            other (nesting up to the 4 levels of the arena)
 *   fork     writes, forks children that write (and fork again), so the
 *            stub's fork detection (wipe-on-fork page) is exercised
 *   exec     two threads write, then the main thread execs an image that
 *            never touches the arena (the consumer must notice the exec)
 *   idle     that image: waits to be killed
 *
 * Every writer takes an id from the publication page, says who it is, and
 * after each write stores how far it got. Workers never exit on their own
 * before the parent kills them (they idle after T_MAX_SEQ records), except
 * forked children and threads that end on purpose to test thread exit. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm/producer.h"
#include "torture_common.h"

static struct rm_arena arena;
static struct t_pub *pub;
static uint32_t ev;
static uint64_t wseed;
static __thread struct rm_writer tw;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint32_t writer_new(enum t_kind kind)
{
	uint32_t id = __atomic_fetch_add(&pub->next, 1, __ATOMIC_RELAXED);
	if (id >= T_MAXW)
		return UINT32_MAX;
	struct t_writer *w = &pub->w[id];
	w->kind = kind;
	w->tid = (uint32_t)syscall(SYS_gettid);
	__atomic_store_n(&w->pid, (uint32_t)getpid(), __ATOMIC_RELEASE);
	return id;
}

/* One write of (writer, seq); async-signal-safe. */
static void t_write(uint32_t writer, uint64_t seq)
{
	unsigned char buf[20 + T_PAD_MAX];
	size_t n = t_payload(buf, writer, seq);
	struct rm_wr wr;
	unsigned char *p = rm_reserve(&arena, &tw, &wr, ev, n);
	if (p) {
		memcpy(p, buf, 16);
		RM_TP(RM_TP_MID_PAYLOAD);
		memcpy(p + 16, buf + 16, n - 16);
		rm_commit(&wr);
		__atomic_store_n(&pub->w[writer].committed, seq + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&pub->w[writer].attempts, seq + 1, __ATOMIC_RELEASE);
}

static void write_run(uint32_t writer, uint64_t *seq, uint64_t count)
{
	if (writer == UINT32_MAX)
		return;
	for (uint64_t k = 0; k < count && *seq < T_MAX_SEQ; k++)
		t_write(writer, (*seq)++);
}

/* Writers pause now and then: the point is kills at every moment, not
 * volume (babeltrace2 reads every event of the trace at the end). */
static void breathe(uint64_t *s)
{
	if (rnd(s) % 4 == 0) {
		struct timespec ts = { 0, (long)(rnd(s) % 200000) };
		nanosleep(&ts, NULL);
	}
}

static void idle_forever(void)
{
	for (;;)
		pause();
}

/* ------------------------------------------------------------ threads */

static void *thread_main(void *arg)
{
	uint64_t s = (uint64_t)(uintptr_t)arg | 1, seq = 0;
	uint32_t id = writer_new(K_THREAD);
	/* some threads end early: a thread that exits must look dead */
	uint64_t total = rnd(&s) % 4 == 0 ? rnd(&s) % 3000 : T_MAX_SEQ;
	while (seq < total) {
		write_run(id, &seq, 1 + rnd(&s) % 64);
		breathe(&s);
	}
	return NULL;
}

static void mode_threads(int nthreads)
{
	pthread_t t[4];
	for (int i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, thread_main, (void *)(uintptr_t)rnd(&wseed));
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	idle_forever();
}

/* ------------------------------------------------------------ signals */

static pid_t target_tid;
static uint32_t hid[3] = { UINT32_MAX, UINT32_MAX, UINT32_MAX };
static uint64_t hseq[3];

static void on_signal(int sig)
{
	int h = sig == SIGUSR1 ? 0 : sig == SIGUSR2 ? 1 : 2;
	if (hid[h] == UINT32_MAX)
		hid[h] = writer_new(K_HANDLER);
	write_run(hid[h], &hseq[h], 1 + (uint64_t)h);
}

static void *sender(void *arg)
{
	(void)arg;
	uint64_t s = rnd(&wseed) | 1;
	static const int sigs[] = { SIGUSR1, SIGUSR2, 0 };
	for (;;) {
		int sig = sigs[rnd(&s) % 3];
		syscall(SYS_tgkill, getpid(), target_tid, sig ? sig : SIGRTMIN);
		for (volatile unsigned spin = (unsigned)(rnd(&s) % 20000); spin; spin--)
			;
	}
	return NULL;
}

static void mode_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask); /* each handler can be interrupted by the others */
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGRTMIN, &sa, NULL);
	target_tid = (pid_t)syscall(SYS_gettid);
	/* register the handlers' writers before they can interrupt anything */
	for (int h = 0; h < 3; h++)
		hid[h] = writer_new(K_HANDLER);
	uint32_t id = writer_new(K_THREAD);
	pthread_t t;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old); /* the sender takes none of them */
	pthread_create(&t, NULL, sender, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	uint64_t seq = 0;
	while (seq < T_MAX_SEQ) {
		write_run(id, &seq, 16);
		breathe(&wseed);
	}
	idle_forever();
}

/* --------------------------------------------------------------- fork */

static void mode_fork(void)
{
	uint64_t seq = 0;
	int depth = 0, kids = 0;
	uint32_t id = writer_new(K_THREAD);
	while (seq < T_MAX_SEQ) {
		write_run(id, &seq, 1 + rnd(&wseed) % 200);
		breathe(&wseed);
		if (depth < 2 && kids < 2 && rnd(&wseed) % 4 == 0) {
			kids++;
			rnd(&wseed);
			if (fork() == 0) {
				/* the child keeps the parent's thread-local writer: the
				 * wiped page tells the producer path to start afresh */
				wseed ^= (uint64_t)getpid() << 20;
				if (rnd(&wseed) % 3 == 0) {
					uint64_t s2 = 0;
					write_run(writer_new(K_FORKED), &s2, rnd(&wseed) % 500);
					_exit(0); /* a short-lived child */
				}
				depth++, kids = 0, seq = 0;
				id = writer_new(K_FORKED);
			}
		}
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	idle_forever();
}

/* --------------------------------------------------------------- exec */

static const char *self;

static void mode_exec(void)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, thread_main, (void *)(uintptr_t)rnd(&wseed));
	uint64_t seq = 0;
	uint32_t id = writer_new(K_EXECER);
	write_run(id, &seq, 100 + rnd(&wseed) % 3000);
	char *args[] = { (char *)self, "--worker", "idle", NULL };
	execv(self, args); /* the threads vanish; the arena is unmapped */
	_exit(127);
}

int torture_worker(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[2], "idle")) {
		idle_forever();
	}
	if (argc < 6)
		return 2;
	self = "/proc/self/exe";
	int afd = atoi(argv[3]), pfd = atoi(argv[4]);
	wseed = strtoull(argv[5], NULL, 10) | 1;
	char err[256];
	if (rm_arena_attach(afd, &arena, err, sizeof(err)) || rm_arena_producer_init(&arena)) {
		fprintf(stderr, "torture worker: %s\n", err);
		return 2;
	}
	close(afd); /* the mapping is enough; an exec'd image keeps nothing */
	pub = mmap(NULL, sizeof(*pub), PROT_READ | PROT_WRITE, MAP_SHARED, pfd, 0);
	if (pub == MAP_FAILED)
		return 2;
	close(pfd);
	int64_t id = t_declare(&arena);
	if (id < 0)
		return 2;
	ev = (uint32_t)id;
	const char *m = argv[2];
	if (!strcmp(m, "threads"))
		mode_threads(2 + (int)(rnd(&wseed) % 3));
	else if (!strcmp(m, "signals"))
		mode_signals();
	else if (!strcmp(m, "fork"))
		mode_fork();
	else if (!strcmp(m, "exec"))
		mode_exec();
	return 2;
}
