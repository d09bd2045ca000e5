/* The embedded BPF itself, for what a single-threaded child cannot show:
 * with KILL_THREAD instead of KILL_PROCESS, or a forgiving ERRNO default,
 * the behaviour tests could still pass for the calls they try. */
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "helper_filter.h"

static void test_checks_arch_first(void **state)
{
	(void)state;
	assert_true(RM_HELPER_FILTER_LEN >= 3);
	const struct sock_filter *f = rm_helper_filter;
	assert_int_equal(f[0].code, BPF_LD | BPF_W | BPF_ABS);
	assert_int_equal(f[0].k, offsetof(struct seccomp_data, arch));
	assert_int_equal(f[1].code, BPF_JMP | BPF_JEQ | BPF_K);
	assert_int_equal(f[1].k, AUDIT_ARCH_X86_64);
	assert_int_equal(f[1].jt, 0);
}

static void test_only_allow_or_kill_process(void **state)
{
	(void)state;
	int allows = 0, kills = 0;
	for (unsigned i = 0; i < RM_HELPER_FILTER_LEN; i++) {
		const struct sock_filter *ins = &rm_helper_filter[i];
		if (BPF_CLASS(ins->code) != BPF_RET)
			continue;
		assert_int_equal(BPF_RVAL(ins->code), BPF_K);
		if (ins->k == SECCOMP_RET_ALLOW)
			allows++;
		else if (ins->k == SECCOMP_RET_KILL_PROCESS)
			kills++;
		else
			fail_msg("insn %u returns 0x%08x: neither ALLOW nor KILL_PROCESS", i, ins->k);
	}
	assert_true(allows > 0);
	assert_true(kills > 0);
	/* falling off the end is the default action */
	const struct sock_filter *last = &rm_helper_filter[RM_HELPER_FILTER_LEN - 1];
	assert_int_equal(BPF_CLASS(last->code), BPF_RET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checks_arch_first),
		cmocka_unit_test(test_only_allow_or_kill_process),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
