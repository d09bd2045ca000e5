/* One thread, one process: every record comes back once, in order, intact;
 * what does not fit is counted, never silently dropped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "shm_test_util.h"

static void test_every_record_comes_back_in_order(void **state)
{
	(void)state;
	struct rm_arena a;
	uint32_t id = test_arena(&a, 4096, 8, RM_MODE_DISCARD);
	assert_int_not_equal(id, UINT32_MAX);
	struct rm_reader *r = rm_reader_new(&a);
	assert_non_null(r);
	static struct collector c;
	memset(&c, 0, sizeof(c));
	struct rm_writer w = { 0 };
	uint64_t written = 0;
	for (uint64_t seq = 0; seq < 100000; seq++) {
		written += test_write(&a, &w, id, 0, seq);
		if (seq % 500 == 0)
			assert_int_equal(rm_reader_drain(r, false, collect, &c), 0);
	}
	assert_int_equal(rm_reader_drain(r, true, collect, &c), 0);
	assert_int_equal(c.bad, 0);
	assert_int_equal(c.dup, 0);
	assert_int_equal(c.records, written);
	assert_int_equal(c.records + c.lost, 100000);
	assert_int_equal(c.gaps, c.lost);
	assert_int_equal(rm_reader_stats(r)->corrupt, 0);
	rm_reader_free(r);
	rm_arena_unmap(&a);
}

static void test_full_arena_drops_and_counts(void **state)
{
	(void)state;
	struct rm_arena a;
	uint32_t id = test_arena(&a, 4096, 4, RM_MODE_DISCARD);
	struct rm_reader *r = rm_reader_new(&a);
	static struct collector c;
	memset(&c, 0, sizeof(c));
	struct rm_writer w = { 0 };
	uint64_t written = 0;
	for (uint64_t seq = 0; seq < 10000; seq++)
		written += test_write(&a, &w, id, 0, seq);
	/* 4 chunks of 4096 bytes hold 4 * 128 records of 32 bytes */
	assert_int_equal(written, 4 * 128);
	assert_int_equal(rm_reader_drain(r, true, collect, &c), 0);
	assert_int_equal(c.records, written);
	assert_int_equal(c.lost, 10000 - written);
	assert_int_equal(c.gaps, 0); /* every loss is at the end */
	rm_reader_free(r);
	rm_arena_unmap(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_record_comes_back_in_order),
		cmocka_unit_test(test_full_arena_drops_and_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
