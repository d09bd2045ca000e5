/* A thread whose seccomp filter denies gettid cannot be named, so it must
 * not claim a slot: the consumer would judge a tid it cannot find dead and
 * take chunks still being written. Its records are dropped and counted,
 * and the refused setup is tried again only every RM_SETUP_BACKOFF drops
 * (the filter traps gettid, so a SIGSYS handler counts the attempts and
 * makes them fail with EPERM). Not under valgrind, which makes syscalls of
 * its own on the filtered thread and asserts when they fail. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "shm_test_util.h"

static struct rm_arena arena;
static uint32_t ev;
static __thread struct rm_writer tw;

static volatile sig_atomic_t gettid_calls;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	gettid_calls++;
	((ucontext_t *)uc)->uc_mcontext.gregs[REG_RAX] = -EPERM;
}

static void *sandboxed_writer(void *p)
{
	uint64_t *n = p;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_gettid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return (void *)1;
	if (syscall(SYS_gettid) != -1 || errno != EPERM)
		return (void *)2;
	gettid_calls = 0;
	for (uint64_t s = 0; s < *n; s++)
		if (test_write(&arena, &tw, ev, 3, s))
			return (void *)3;
	return NULL;
}

static void test_gettid_denied(void **state)
{
	(void)state;
	ev = test_arena(&arena, 4096, 64, RM_MODE_DISCARD);
	assert_int_not_equal(ev, UINT32_MAX);
	struct rm_reader *r = rm_reader_new(&arena);
	struct collector c = { .strict = true };
	uint64_t n = 3 * RM_SETUP_BACKOFF + 7; /* several refused setups */
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGSYS, &sa, NULL), 0);
	pthread_t t;
	void *ret;
	assert_int_equal(pthread_create(&t, NULL, sandboxed_writer, &n), 0);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_null(ret);
	for (uint32_t i = 0; i < arena.slot_max; i++)
		assert_int_equal(arena.slots[i].owner, 0);
	DRAIN(r, true, collect, &c);
	assert_int_equal(c.records + c.lost + c.bad + c.corrupt_packets, 0);
	assert_int_equal(rm_reader_lost_global(r), n);
	/* one try, then one after every RM_SETUP_BACKOFF drops */
	assert_int_equal(gettid_calls, 1 + (n - 1) / (RM_SETUP_BACKOFF + 1));
	rm_reader_free(r);
	rm_arena_unmap(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gettid_denied),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
