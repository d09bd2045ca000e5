/* The stub leaves no mark on the app (DESIGN.md section 3, lines 1-4):
 * the traced probe's fd table, next open() numbers, signal mask,
 * dispositions and handlers, threads and wait() results are byte-identical
 * to the same program built without the library, with no consumer and
 * under `remora record`; REMORA_DISABLE=1 means no arena, no helper, every
 * event off; a helper that cannot be created (seccomp denies clone,
 * RLIMIT_NPROC=0) leaves the app's output byte-identical and its stderr
 * silent unless REMORA_DEBUG is set. Under memcheck the probes run under
 * valgrind too. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch.h"

#define OUT 65536

static char *probe[] = { (char *)PROBE, (char *)"state", NULL };
static char *plain[] = { (char *)PROBE_PLAIN, (char *)"state", NULL };

struct run {
	int st;
	char out[OUT], err[OUT];
};

/* Two runs at a time at most; static, so a failed assertion leaks nothing. */
static struct run runs[2];
static int next_run;

static struct run *new_run(void)
{
	struct run *r = &runs[next_run++ % 2];
	memset(r, 0, sizeof(*r));
	return r;
}

static struct run *run(char *const argv[], struct lt_opts o)
{
	struct run *r = new_run();
	o.valgrind = true;
	r->st = lt_run(argv, &o, r->out, OUT, r->err, OUT);
	return r;
}

static int x_value(const char *out, const char *key)
{
	const char *p = strstr(out, key);
	return p ? atoi(p + strlen(key) + 1) : -1;
}

/* The untraced reference with the same launch options. */
static struct run *reference(struct lt_opts o)
{
	struct run *r = run(plain, o);
	assert_int_equal(r->st, 0);
	assert_string_equal(r->err, "");
	lt_drop_lines(r->out, "x-");
	return r;
}

static void expect_same(struct run *t, struct run *ref)
{
	lt_drop_lines(t->out, "x-");
	if (strcmp(t->out, ref->out))
		fprintf(stderr, "--- untraced\n%s--- traced\n%s", ref->out, t->out);
	assert_string_equal(t->out, ref->out);
}

/* Line 1-3: fd table, next open(), mask, handlers, threads, wait(); no consumer. */
static void state_no_consumer(void **s)
{
	(void)s;
	struct lt_opts o = { .env = { "REMORA_SOCKET=/nonexistent/remora.sock", "REMORA_ENABLE=*" },
			     .signals = true };
	struct run *ref = reference(o);
	struct run *t = run(probe, o);
	assert_int_equal(t->st, 0);
	if (!lt_under_valgrind()) {
		assert_string_equal(t->err, "");
		assert_int_equal(x_value(t->out, "x-helpers"), 1); /* the helper exists... */
		assert_int_equal(x_value(t->out, "x-arena-mapped"), 1);
		assert_int_equal(x_value(t->out, "x-enabled"), 1);
	}
	expect_same(t, ref); /* ...and the app cannot tell */
	assert_non_null(strstr(ref->out, "wait -1 ECHILD"));
	assert_non_null(strstr(ref->out, "waits took under 1 s: 1"));
	assert_non_null(strstr(ref->out, "tasks 1 self 1"));
	assert_non_null(strstr(ref->out, "next open 3 4"));
	assert_non_null(strstr(ref->out, "sig 12 ign")); /* the launch options took */
	assert_non_null(strstr(ref->out, "sig 10 dfl flags=0 blocked=1"));
	lt_reap_all();
}

/* The same with a consumer attached: `remora record -- probe state`. */
static void state_with_consumer(void **s)
{
	(void)s;
	char dir[] = "/tmp/remora-inj-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char trace[sizeof(dir) + 8];
	snprintf(trace, sizeof(trace), "%s/t", dir);
	char *argv[] = { (char *)REMORA_CLI, (char *)"record", (char *)"-o", trace, (char *)"--",
			 (char *)PROBE, (char *)"state", NULL };
	char *argv_vg[] = { (char *)REMORA_CLI, (char *)"record", (char *)"-o", trace, (char *)"--",
			    (char *)VALGRIND_BIN, (char *)"-q", (char *)"--error-exitcode=99",
			    (char *)PROBE, (char *)"state", NULL };
	struct lt_opts o = { .signals = true };
	struct run *ref = reference(o);
	struct run *t = new_run();
	t->st = lt_run(lt_under_valgrind() ? argv_vg : argv, &o, t->out, OUT, t->err, OUT);
	assert_int_equal(t->st, 0);
	if (!lt_under_valgrind())
		assert_int_equal(x_value(t->out, "x-helpers"), 1);
	expect_same(t, ref);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	lt_reap_all();
}

/* REMORA_DISABLE=1: no arena, no helper, every event disabled. */
static void disabled(void **s)
{
	(void)s;
	struct lt_opts o = { .env = { "REMORA_DISABLE=1", "REMORA_ENABLE=*",
				      "REMORA_SOCKET=/nonexistent/remora.sock" },
			     .signals = true };
	struct run *ref = reference(o);
	struct run *t = run(probe, o);
	assert_int_equal(t->st, 0);
	assert_int_equal(x_value(t->out, "x-helpers"), 0);
	assert_int_equal(x_value(t->out, "x-arena-mapped"), 0);
	assert_int_equal(x_value(t->out, "x-enabled"), 0);
	expect_same(t, ref);
}

/* No helper possible: output byte-identical, stderr silent, events off;
 * REMORA_DEBUG=1 explains. */
static void no_helper(struct lt_opts o)
{
	struct run *ref = reference(o);
	struct run *t = run(probe, o);
	if (WIFEXITED(t->st) && WEXITSTATUS(t->st) == 77)
		fail_msg("as root, could not become uid 65534 or reach the staged probe as it");
	assert_int_equal(t->st, 0);
	assert_int_equal(x_value(t->out, "x-helpers"), 0);
	assert_int_equal(x_value(t->out, "x-enabled"), 0);
	lt_drop_lines(t->err, "x-"); /* valgrind's own lines only */
	assert_string_equal(t->err, "");
	expect_same(t, ref);

	struct lt_opts d = o;
	int i = 0;
	while (d.env[i])
		i++;
	d.env[i] = "REMORA_DEBUG=1";
	t = run(probe, d);
	assert_int_equal(t->st, 0);
	assert_non_null(strstr(t->err, "remora: cannot start the helper"));
}

static void no_helper_seccomp(void **s)
{
	(void)s;
	struct lt_opts o = { .env = { "REMORA_SOCKET=/nonexistent/remora.sock", "REMORA_ENABLE=*" },
			     .signals = true, .deny_clone = true };
	no_helper(o);
}

static void no_helper_nproc(void **s)
{
	(void)s;
	if (geteuid() != 0)
		skip(); /* needs root to switch to uid 65534 with a fresh RLIMIT_NPROC */
	struct lt_opts o = { .env = { "REMORA_SOCKET=/nonexistent/remora.sock", "REMORA_ENABLE=*" },
			     .signals = true, .nproc_zero = true };
	no_helper(o);
}

/* With no socket to connect to, no consumer can want the events: they
 * are off from the first one (the disabled cost), not kept "early" until
 * the helper finds nobody listening, which a helper that never runs
 * (valgrind runs none) never does. With a socket there, they are kept
 * from the first one (issue 19: a program started while a session runs). */
static void early_needs_socket(void **s)
{
	(void)s;
	char *argv[] = { (char *)PROBE, (char *)"early", NULL };
	for (int i = 0; i < 20; i++) {
		struct lt_opts o = { .env = { "REMORA_SOCKET=/nonexistent/remora.sock" } };
		struct run *t = run(argv, o);
		assert_int_equal(t->st, 0);
		assert_non_null(strstr(t->out, "x-enabled 0"));
	}
	if (lt_under_valgrind())
		return; /* the helper that clears them again does not run there */
	char dir[] = "/tmp/remora-early-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sock[sizeof(dir) + 16], env[sizeof(sock) + 16];
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	snprintf(env, sizeof(env), "REMORA_SOCKET=%s", sock);
	FILE *f = fopen(sock, "w"); /* a path that exists is enough to keep them */
	assert_non_null(f);
	fclose(f);
	struct lt_opts o = { .env = { env } };
	int on = 0;
	for (int i = 0; i < 20; i++) {
		struct run *t = run(argv, o);
		assert_int_equal(t->st, 0);
		on += strstr(t->out, "x-enabled 1") != NULL;
	}
	/* the helper turns them off once its connect fails, which may come
	 * first on a loaded machine: most runs, not every one */
	assert_true(on > 0);
	unlink(sock);
	rmdir(dir);
	lt_reap_all();
}

/* Line 4: kill(0, SIGTERM) and killpg() of an app that ignores SIGTERM
 * leave the helper alive. */
static void kill_group(void **s)
{
	(void)s;
	if (lt_under_valgrind())
		skip(); /* the helper refuses to run without seccomp, which valgrind lacks */
	char *argv[] = { (char *)PROBE, (char *)"kill", NULL };
	struct lt_opts o = { .env = { "REMORA_SOCKET=/nonexistent/remora.sock" } };
	struct run *t = run(argv, o);
	assert_int_equal(t->st, 0);
	assert_string_equal(t->out, "helpers 1 alive 1\n");
	lt_reap_all();
}

int main(void)
{
	lt_subreaper();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state_no_consumer),
		cmocka_unit_test(state_with_consumer),
		cmocka_unit_test(disabled),
		cmocka_unit_test(no_helper_seccomp),
		cmocka_unit_test(no_helper_nproc),
		cmocka_unit_test(kill_group),
		cmocka_unit_test(early_needs_socket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
