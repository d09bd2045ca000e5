/* The one glob of event patterns (shm/glob.h): what REMORA_ENABLE, `-e`
 * and enable-event accept, and what they do not treat specially. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "shm/glob.h"

static bool match(const char *pat, const char *str)
{
	return rm_glob_match(pat, strlen(pat), str);
}

static void test_glob_star_and_question(void **state)
{
	(void)state;
	assert_true(match("*", "myapp:request"));
	assert_true(match("myapp:*", "myapp:request"));
	assert_true(match("*:request", "myapp:request"));
	assert_true(match("my?pp:req*t", "myapp:request"));
	assert_true(match("m*p*:*", "myapp:x"));
	assert_false(match("myapp:*", "other:request"));
	assert_false(match("myapp:?", "myapp:ab"));
	assert_false(match("myapp", "myapp:request"));
}

static void test_glob_other_characters_are_literal(void **state)
{
	(void)state;
	assert_true(match("a[b]", "a[b]"));
	assert_false(match("a[b]", "ab"));
	assert_true(match("a\\*", "a\\x"));
}

static void test_glob_length_bounds_the_pattern(void **state)
{
	(void)state;
	/* REMORA_ENABLE's list is matched in place, one comma-separated
	 * pattern at a time */
	const char *list = "other:*,myapp:request";
	assert_false(rm_glob_match(list, 7, "myapp:request"));
	assert_true(rm_glob_match(list + 8, strlen(list + 8), "myapp:request"));
	assert_true(rm_glob_match("", 0, ""));
	assert_false(rm_glob_match("", 0, "x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob_star_and_question),
		cmocka_unit_test(test_glob_other_characters_are_literal),
		cmocka_unit_test(test_glob_length_bounds_the_pattern),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
