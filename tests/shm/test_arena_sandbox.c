/* A thread whose seccomp filter denies gettid cannot be named, so it must
 * not claim a slot: the consumer would judge a tid it cannot find dead and
 * take chunks still being written. Its records are dropped and counted.
 * Not under valgrind, which makes syscalls of its own on the filtered
 * thread and asserts when they fail. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shm_test_util.h"

static struct rm_arena arena;
static uint32_t ev;
static __thread struct rm_writer tw;

static void *sandboxed_writer(void *p)
{
	uint64_t *n = p;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_gettid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return (void *)1;
	if (syscall(SYS_gettid) != -1 || errno != EPERM)
		return (void *)2;
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
