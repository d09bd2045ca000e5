/* The unmatched-pattern hint (ctl/cli/pattern_hint.c): event types parsed
 * from `remora list`'s text, sorted without duplicates; a pattern is
 * reported only when it matches none of them, with the same glob as the
 * stub and the consumer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "ctl/cli/pattern_hint.h"

static const char list_text[] =
	"Traced processes (helpers connected to /tmp/x/remorad.sock):\n"
	"pid 12 (app) /usr/bin/app\n"
	"  helper pid 13, connected, 1 live process, 0 lost\n"
	"    sess:tick [enabled]\n"
	"    sess:other [disabled]\n"
	"pid 14 (app) /usr/bin/app\n"
	"  helper pid 15, connected, 1 live process, 0 lost\n"
	"    sess:tick [enabled]\n"
	"    burst:item [disabled]\n"
	"    (no events registered yet)\n"
	"\nUntraceable processes (they map a remora arena, but no helper is connected):\n"
	"pid 16 (x): untraceable (no helper)\n";

static void test_list_types_sorted_unique(void **state)
{
	(void)state;
	struct rm_seen s = { 0 };
	rm_seen_from_list(&s, list_text);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.names[0], "burst:item");
	assert_string_equal(s.names[1], "sess:other");
	assert_string_equal(s.names[2], "sess:tick");
	rm_seen_free(&s);
	assert_int_equal(s.n, 0);
}

static void test_only_unmatched_patterns_reported(void **state)
{
	(void)state;
	struct rm_seen s = { 0 };
	rm_seen_from_list(&s, list_text);
	const char *const pats[] = { "sess:*", "sess:tck", "*:item", "burst:?tem", "myap:*", "*" };
	assert_int_equal(rm_hint_unmatched("test", pats, 6, &s, false), 2);
	const char *const good[] = { "sess:t?ck", "*" };
	assert_int_equal(rm_hint_unmatched("test", good, 2, &s, true), 0);
	rm_seen_free(&s);
}

static void test_nothing_seen_reports_every_pattern(void **state)
{
	(void)state;
	struct rm_seen s = { 0 };
	rm_seen_from_list(&s, "Traced processes (helpers connected to x):\n  none: start an app\n");
	assert_int_equal(s.n, 0);
	const char *const pats[] = { "*", "a:b" };
	assert_int_equal(rm_hint_unmatched("test", pats, 2, &s, true), 2);
	rm_seen_free(&s);
}

static void test_many_types_dedup(void **state)
{
	(void)state;
	struct rm_seen s = { 0 };
	char name[32];
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 1000; i++) {
			snprintf(name, sizeof(name), "p%03d:e", i);
			rm_seen_add(&s, name);
		}
	rm_seen_sort(&s);
	assert_int_equal(s.n, 1000);
	assert_string_equal(s.names[999], "p999:e");
	const char *const pats[] = { "p5??:e", "q*" };
	assert_int_equal(rm_hint_unmatched("test", pats, 2, &s, false), 1);
	rm_seen_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_types_sorted_unique),
		cmocka_unit_test(test_only_unmatched_patterns_reported),
		cmocka_unit_test(test_nothing_seen_reports_every_pattern),
		cmocka_unit_test(test_many_types_dedup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
