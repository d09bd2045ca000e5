/* What /proc shows of a child after rm_lockdown: the contract's "the
 * helper is sandboxed before it reads the arena" (DESIGN.md 3.10, 3.4). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "child.h"
#include "helper/lockdown.h"
#include "shm/rsys.h"

/* Child side ------------------------------------------------------------ */

struct keep_arg {
	int extra[4]; /* fds to create before lockdown (dup2 of the pipe) */
	int nextra;
	int keep[4]; /* kept besides the pipe; the pipe's slot is -1 */
	int nkeep;
	int make_group_leader;
};

static int lockdown_child(void *arg, int wfd)
{
	const struct keep_arg *a = arg;
	int keep[8], n = 0;
	for (int i = 0; a && i < a->nextra; i++)
		rsys(SYS_dup2, wfd, a->extra[i]);
	/* an fd nobody keeps, far above the others: the last close range */
	rsys(SYS_dup2, wfd, 900);
	keep[n++] = wfd;
	for (int i = 0; a && i < a->nkeep; i++)
		keep[n++] = a->keep[i] < 0 ? wfd : a->keep[i];
	if (a && a->make_group_leader)
		rsys(SYS_setpgid, 0, 0);

	enum rm_lockdown_step step = RM_LOCKDOWN_NSTEPS;
	struct rmt_report r = {rm_lockdown(keep, n, &step), (int)step};
	rmt_send(wfd, &r, sizeof r);
	rmt_linger();
	return 0;
}

/* Parent side ----------------------------------------------------------- */

static uint64_t my_caps(const char *set)
{
	char buf[32];
	return strtoull(rmt_status_field(getpid(), set, buf, sizeof buf), NULL, 16);
}

/* Dropping the bounding set needs CAP_SETPCAP (root outside a restricted
 * container), not just uid 0. */
static int can_drop_bounding_set(void)
{
	return (my_caps("CapEff") >> 8 /* CAP_SETPCAP */) & 1;
}

/* Starts a child that locked itself down and is parked, its report read. */
static struct rmt_child locked_child(struct keep_arg *a, struct rmt_report *r)
{
	struct rmt_child c = rmt_spawn(lockdown_child, a);
	assert_true(c.pid > 0);
	assert_int_equal(rmt_read(&c, r, sizeof *r), 0);
	return c;
}

static void expect_field(pid_t pid, const char *name, const char *want)
{
	char buf[128];
	rmt_status_field(pid, name, buf, sizeof buf);
	if (strcmp(buf, want) != 0)
		fail_msg("/proc/%d/status %s: got '%s', want '%s'", (int)pid, name, buf, want);
}

static void finish_killed(struct rmt_child *c)
{
	int st = rmt_finish(c, 1);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
}

static void test_succeeds(void **state)
{
	(void)state;
	struct rmt_report r;
	struct rmt_child c = locked_child(NULL, &r);
	if (r.rc != 0)
		fail_msg("rm_lockdown failed at %s: %s", rm_lockdown_step_name(r.step),
			 strerror(-r.rc));
	assert_int_equal(r.step, RM_LOCKDOWN_OK);
	finish_killed(&c);
}

static void test_seccomp_and_no_new_privs(void **state)
{
	(void)state;
	char mine[32];
	char want[32];
	/* the test may itself run under a filter (a container): one more */
	rmt_status_field(getpid(), "Seccomp_filters", mine, sizeof mine);
	snprintf(want, sizeof want, "%d", atoi(mine) + 1);

	struct rmt_report r;
	struct rmt_child c = locked_child(NULL, &r);
	assert_int_equal(r.rc, 0);
	expect_field(c.pid, "Seccomp", "2");
	expect_field(c.pid, "Seccomp_filters", want);
	expect_field(c.pid, "NoNewPrivs", "1");
	finish_killed(&c);
}

static void test_caps_empty(void **state)
{
	(void)state;
	struct rmt_report r;
	struct rmt_child c = locked_child(NULL, &r);
	assert_int_equal(r.rc, 0);
	if (my_caps("CapPrm") == 0 && my_caps("CapInh") == 0 && my_caps("CapAmb") == 0)
		print_message("no capabilities to start with (not root): this only shows "
			      "they stay empty\n");
	expect_field(c.pid, "CapInh", "0000000000000000");
	expect_field(c.pid, "CapPrm", "0000000000000000");
	expect_field(c.pid, "CapEff", "0000000000000000");
	expect_field(c.pid, "CapAmb", "0000000000000000");
	finish_killed(&c);
}

static void test_capbnd_empty_as_root(void **state)
{
	(void)state;
	if (!can_drop_bounding_set()) {
		print_message("no CAP_SETPCAP (not root): the bounding set cannot be dropped "
			      "(EPERM), CapBnd not checked\n");
		skip();
	}
	struct rmt_report r;
	struct rmt_child c = locked_child(NULL, &r);
	assert_int_equal(r.rc, 0);
	expect_field(c.pid, "CapBnd", "0000000000000000");
	finish_killed(&c);
}

static void test_every_signal_blocked(void **state)
{
	(void)state;
	struct rmt_report r;
	struct rmt_child c = locked_child(NULL, &r);
	assert_int_equal(r.rc, 0);
	/* all but SIGKILL (9) and SIGSTOP (19), 32 and 33 included */
	expect_field(c.pid, "SigBlk", "fffffffffffbfeff");
	finish_killed(&c);
}

static void test_own_session(void **state)
{
	(void)state;
	struct rmt_report r;
	struct rmt_child c = locked_child(NULL, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(getsid(c.pid), c.pid);
	assert_int_equal(getpgid(c.pid), c.pid);
	assert_int_not_equal(getpgid(c.pid), getpgrp());
	finish_killed(&c);
}

/* The child's open fds, as a sorted list. */
static int child_fds(pid_t pid, int *fds, int max)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		assert_true(n < max);
		int v = atoi(e->d_name), j = n++;
		for (; j > 0 && fds[j - 1] > v; j--)
			fds[j] = fds[j - 1];
		fds[j] = v;
	}
	closedir(d);
	return n;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void expect_fds(pid_t pid, const int *want, int nwant)
{
	int got[64];
	int n = child_fds(pid, got, 64);
	char gs[256] = "", ws[256] = "";
	for (int i = 0; i < n; i++)
		snprintf(gs + strlen(gs), sizeof gs - strlen(gs), " %d", got[i]);
	for (int i = 0; i < nwant; i++)
		snprintf(ws + strlen(ws), sizeof ws - strlen(ws), " %d", want[i]);
	if (strcmp(gs, ws) != 0)
		fail_msg("/proc/%d/fd:%s, want:%s", (int)pid, gs, ws);
}

static void test_only_kept_fd_left(void **state)
{
	(void)state;
	/* the child inherits stdio, the pipe's read end, and fd 900 */
	struct rmt_report r;
	struct rmt_child c = locked_child(NULL, &r);
	assert_int_equal(r.rc, 0);
	/* the child's write end has the number our pipe2 gave it: the read
	 * end + 1, as no fd was opened in between */
	int want = c.rfd + 1;
	expect_fds(c.pid, &want, 1);
	finish_killed(&c);
}

static void test_keep_list_any_order(void **state)
{
	(void)state;
	/* unsorted, with a duplicate, fd 0 and neighbours 7/8 whose gap is
	 * empty; 6, 9 and 900 must go */
	struct keep_arg a = {
		.extra = {6, 7, 8, 9}, .nextra = 4,
		.keep = {8, 0, -1, 7}, .nkeep = 4,
	};
	struct rmt_report r;
	struct rmt_child c = locked_child(&a, &r);
	assert_int_equal(r.rc, 0);
	int want[] = {0, c.rfd + 1, 7, 8};
	qsort(want, 4, sizeof want[0], cmp_int);
	expect_fds(c.pid, want, 4);
	finish_killed(&c);
}

static void test_bad_keep_list_changes_nothing(void **state)
{
	(void)state;
	char seccomp[32], sigblk[32], buf[32];
	rmt_status_field(getpid(), "Seccomp", seccomp, sizeof seccomp);
	rmt_status_field(getpid(), "SigBlk", sigblk, sizeof sigblk);
	static const int three = 3, neg[] = {3, -1};
	const struct {
		const int *keep;
		int n;
	} bad[] = {
		{NULL, 1},
		{neg, 2},
		{&three, -1},
		{&three, RM_LOCKDOWN_MAX_KEEP + 1},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		enum rm_lockdown_step step = RM_LOCKDOWN_NSTEPS;
		/* in this process: a bad list must return before any step */
		assert_int_equal(rm_lockdown(bad[i].keep, bad[i].n, &step), -EINVAL);
		assert_int_equal(step, RM_LOCKDOWN_ARGS);
		assert_string_equal(rm_lockdown_step_name(step), "arguments");
	}
	rmt_status_field(getpid(), "Seccomp", buf, sizeof buf);
	assert_string_equal(buf, seccomp);
	rmt_status_field(getpid(), "SigBlk", buf, sizeof buf);
	assert_string_equal(buf, sigblk);
	assert_int_not_equal(fcntl(2, F_GETFD), -1);
}

static void test_failing_step_reported(void **state)
{
	(void)state;
	/* a process group leader cannot setsid(): the helper never is one,
	 * but this is how a failure must come back */
	struct keep_arg a = {.make_group_leader = 1};
	struct rmt_report r;
	struct rmt_child c = locked_child(&a, &r);
	assert_int_equal(r.rc, -EPERM);
	assert_int_equal(r.step, RM_LOCKDOWN_SETSID);
	assert_string_equal(rm_lockdown_step_name(r.step), "setsid");
	/* the step before it stays applied, the ones after were not run */
	expect_field(c.pid, "SigBlk", "fffffffffffbfeff");
	char mine[32];
	expect_field(c.pid, "Seccomp", rmt_status_field(getpid(), "Seccomp", mine, sizeof mine));
	expect_field(c.pid, "NoNewPrivs", rmt_status_field(getpid(), "NoNewPrivs", mine, sizeof mine));
	finish_killed(&c);
}

static void test_step_names(void **state)
{
	(void)state;
	for (int i = 0; i < RM_LOCKDOWN_NSTEPS; i++) {
		const char *n = rm_lockdown_step_name(i);
		assert_non_null(n);
		assert_string_not_equal(n, "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, rm_lockdown_step_name(j));
	}
	assert_string_equal(rm_lockdown_step_name(RM_LOCKDOWN_NSTEPS), "unknown");
	assert_string_equal(rm_lockdown_step_name(-1), "unknown");
	assert_string_equal(rm_lockdown_step_name(RM_LOCKDOWN_SECCOMP), "seccomp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_succeeds),
		cmocka_unit_test(test_seccomp_and_no_new_privs),
		cmocka_unit_test(test_caps_empty),
		cmocka_unit_test(test_capbnd_empty_as_root),
		cmocka_unit_test(test_every_signal_blocked),
		cmocka_unit_test(test_own_session),
		cmocka_unit_test(test_only_kept_fd_left),
		cmocka_unit_test(test_keep_list_any_order),
		cmocka_unit_test(test_bad_keep_list_changes_nothing),
		cmocka_unit_test(test_failing_step_reported),
		cmocka_unit_test(test_step_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
