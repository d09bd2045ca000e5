/* The names shipping relies on: the server list of --ship (schemes, ports,
 * the default port, the errors that name the bad element), the subject
 * prefix, the tokens made of host names, the stream of a subject. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/ship/ship.h"

static void test_urls_are_completed_and_split(void **state)
{
	(void)state;
	struct ship_urls u;
	char err[256];
	assert_int_equal(ship_urls_parse("127.0.0.1:4223,nats://h2,tls://u:p@h3:5,[::1]:7", &u,
					 err, sizeof(err)), 0);
	assert_int_equal(u.n, 4);
	assert_string_equal(u.url[0], "nats://127.0.0.1:4223");
	assert_string_equal(u.url[1], "nats://h2:4222");
	assert_string_equal(u.url[2], "tls://u:p@h3:5");
	assert_string_equal(u.url[3], "nats://[::1]:7");
	assert_true(u.tls);
	ship_urls_free(&u);
}

static void test_bad_urls_name_what_is_wrong(void **state)
{
	(void)state;
	struct ship_urls u;
	char err[256];
	static const struct { const char *in, *says; } bad[] = {
		{ "http://h:1", "unknown scheme" }, { "nats://h:0", "bad port '0'" },
		{ "nats://h:65536", "bad port '65536'" }, { "nats://:1", "no host" },
		{ "h:1,,h:2", "empty" }, { "", "no NATS server" }, { "nats://h!:1", "bad character '!'" },
		{ "nats://h:1x", "bad port '1x'" }, { "nats://[::1", "bad IPv6" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(ship_urls_parse(bad[i].in, &u, err, sizeof(err)), -1);
		if (!strstr(err, bad[i].says))
			fail_msg("'%s': '%s' does not say '%s'", bad[i].in, err, bad[i].says);
		assert_int_equal(u.n, 0);
	}
}

static void test_subjects_and_streams(void **state)
{
	(void)state;
	char err[256], buf[64];
	assert_int_equal(ship_subject_check("remora.traces", err, sizeof(err)), 0);
	assert_int_equal(ship_subject_check("a-b.c_d.e1", err, sizeof(err)), 0);
	assert_int_equal(ship_subject_check("a..b", err, sizeof(err)), -1);
	assert_int_equal(ship_subject_check("a.>", err, sizeof(err)), -1);
	assert_int_equal(ship_subject_check("a.*", err, sizeof(err)), -1);
	assert_int_equal(ship_subject_check(".a", err, sizeof(err)), -1);
	assert_int_equal(ship_subject_check("a.", err, sizeof(err)), -1);
	assert_int_equal(ship_subject_check("", err, sizeof(err)), -1);
	ship_stream_name(buf, sizeof(buf), "remora.traces");
	assert_string_equal(buf, "REMORA_TRACES");
	ship_token(buf, sizeof(buf), "web-01.example.com");
	assert_string_equal(buf, "web-01_example_com");
	ship_token(buf, sizeof(buf), "");
	assert_string_equal(buf, "_");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls_are_completed_and_split),
		cmocka_unit_test(test_bad_urls_name_what_is_wrong),
		cmocka_unit_test(test_subjects_and_streams),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
