/* Trace strings to JSON and protobuf text (ctl/export/text_clean.c): valid
 * UTF-8 passes, every control byte is escaped, each maximal ill-formed
 * subsequence becomes one U+FFFD (as Python's decode('utf-8', 'replace')). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl/export/out_buf.h"
#include "ctl/export/text_clean.h"

/* json_escaped(in) through a real out_buf on a memfd, read back. */
static char *json_of(const char *in, size_t n)
{
	struct out_buf o;
	char path[] = "/tmp/remora-text-clean-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(out_open(&o, path), 0);
	json_escaped(&o, (const unsigned char *)in, n);
	assert_int_equal(out_close(&o), 0);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = calloc(1, 4096);
	assert_non_null(buf);
	size_t got = fread(buf, 1, 4095, f);
	buf[got] = 0;
	fclose(f);
	unlink(path);
	return buf;
}

#define JSON_IS(in, want)                                                                    \
	do {                                                                                 \
		char *got_ = json_of((in), sizeof(in) - 1);                                  \
		assert_string_equal(got_, (want));                                           \
		free(got_);                                                                  \
	} while (0)

static void test_json_escapes_controls_quotes_and_separators(void **state)
{
	(void)state;
	JSON_IS("plain text", "plain text");
	JSON_IS("q\"b\\s", "q\\\"b\\\\s");
	JSON_IS("n\nt\tr\r", "n\\nt\\tr\\r");
	JSON_IS("\x1b[31m\x07\x7f", "\\u001b[31m\\u0007\\u007f");
	JSON_IS("nul\x00x", "nul\\u0000x");
	JSON_IS("sep\xe2\x80\xa8\xe2\x80\xa9", "sep\\u2028\\u2029");
	JSON_IS("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9f", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9f");
}

static void test_json_replaces_each_maximal_ill_formed_subsequence(void **state)
{
	(void)state;
	/* Unicode's Table 3-8 examples, as Python decodes them */
	JSON_IS("\xff", "\xef\xbf\xbd");
	JSON_IS("a\xe2\x82", "a\xef\xbf\xbd");                 /* truncated 3-byte: one */
	JSON_IS("\xe2\x82x", "\xef\xbf\xbdx");
	JSON_IS("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");       /* overlong: two */
	JSON_IS("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate: three */
	JSON_IS("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	JSON_IS("\xf0\x9f\x90", "\xef\xbf\xbd");
	JSON_IS("\xc3", "\xef\xbf\xbd");
}

static void test_utf8_clean_truncates_at_a_character(void **state)
{
	(void)state;
	char out[8];
	const unsigned char in[] = "ab\xe2\x82\xac\xff";
	assert_int_equal(utf8_clean(out, sizeof(out), in, sizeof(in) - 1), 5);
	assert_string_equal(out, "ab\xe2\x82\xac");
	char big[32];
	assert_int_equal(utf8_clean(big, sizeof(big), in, sizeof(in) - 1), 8);
	assert_string_equal(big, "ab\xe2\x82\xac\xef\xbf\xbd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escapes_controls_quotes_and_separators),
		cmocka_unit_test(test_json_replaces_each_maximal_ill_formed_subsequence),
		cmocka_unit_test(test_utf8_clean_truncates_at_a_character),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
