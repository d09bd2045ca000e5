/* What the reader's single walk promises about a packet: the distinct ids
 * it lists are exactly those of its records (or none when there are more
 * than RM_PACKET_IDS), nrecords and ts_begin/ts_end match the records, and
 * the one-compare check of fixed-size events leaves the full decoding to
 * events with strings, byte sequences or booleans (a BOOL of 2 still ends
 * the chunk as corrupt). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "shm_test_util.h"

#define NFIXED 12

struct seen {
	uint64_t records, packets, with_ids, corrupt, lost;
	uint64_t by_id[64];
};

static int check_packet(void *ctx, const struct rm_packet *p)
{
	struct seen *s = ctx;
	bool present[64] = { false };
	uint32_t distinct = 0, n = 0;
	uint64_t first = 0, last = 0;
	for (size_t off = 0; off < p->len;) {
		const struct rm_record *r = (const void *)(p->data + off);
		uint32_t id = RM_REC_ID(r->word);
		assert_true(id < 64);
		if (!present[id]) {
			present[id] = true;
			distinct++;
		}
		if (!n++)
			first = r->ts;
		last = r->ts;
		s->by_id[id]++;
		off += RM_ALIGN8(RM_REC_SIZE(r->word));
	}
	assert_int_equal(n, p->nrecords);
	if (n) {
		assert_int_equal(first, p->ts_begin);
		assert_int_equal(last, p->ts_end);
	}
	if (p->nids) {
		s->with_ids++;
		assert_int_equal(p->nids, distinct);
		for (uint32_t i = 0; i < p->nids; i++)
			assert_true(p->ids[i] < 64 && present[p->ids[i]]);
	} else if (n) {
		assert_true(distinct > RM_PACKET_IDS);
	}
	s->records += n;
	s->packets++;
	s->corrupt += p->corrupt;
	s->lost += p->lost;
	return 0;
}

static uint32_t add_event(struct rm_arena *a, const char *name, uint32_t nfields,
			  const char *const *names, const uint8_t *types)
{
	struct rm_event_decl d = { "t", name, nfields, names, types };
	int64_t id = rm_catalog_add(a, &d);
	assert_true(id >= 0);
	a->enable[id] = 1;
	return (uint32_t)id;
}

static void put(struct rm_arena *a, struct rm_writer *w, uint32_t id, const void *payload,
		size_t len)
{
	struct rm_wr wr = { 0 };
	unsigned char *p = rm_reserve(a, w, &wr, id, len);
	assert_non_null(p);
	memcpy(p, payload, len);
	rm_commit(&wr);
}

static void test_packet_ids_and_mixed_events(void **state)
{
	(void)state;
	struct rm_arena a;
	struct rm_params prm;
	rm_params_default(&prm);
	prm.chunk_size = 4096;
	prm.chunk_count = 64;
	prm.small_count = 0;
	assert_int_equal(rm_arena_create(&prm, "remora-test", &a), 0);
	assert_int_equal(rm_arena_producer_init(&a), 0);
	static const char *const n2[] = { "a", "b" };
	static const uint8_t t2[] = { RM_T_U64, RM_T_U32 };
	static const char *const ns[] = { "s" };
	static const uint8_t ts[] = { RM_T_STRING };
	static const char *const nb[] = { "flag" };
	static const uint8_t tb[] = { RM_T_BOOL };
	uint32_t fixed[NFIXED];
	char name[16];
	for (int i = 0; i < NFIXED; i++) {
		snprintf(name, sizeof(name), "fixed%d", i);
		fixed[i] = add_event(&a, name, 2, n2, t2);
	}
	uint32_t str = add_event(&a, "str", 1, ns, ts), flag = add_event(&a, "flag", 1, nb, tb);
	struct rm_writer w = { 0 };
	unsigned char two[12] = { 1 }, yes = 1;
	/* one-id chunks, then chunks of 3 ids, then chunks of all of them */
	for (int i = 0; i < 400; i++)
		put(&a, &w, fixed[0], two, sizeof(two));
	for (int i = 0; i < 400; i++) {
		if (i % 3 == 0)
			put(&a, &w, fixed[1], two, sizeof(two));
		else if (i % 3 == 1)
			put(&a, &w, str, "hello", 6);
		else
			put(&a, &w, flag, &yes, 1);
	}
	for (int i = 0; i < 800; i++)
		put(&a, &w, fixed[i % NFIXED], two, sizeof(two));
	struct rm_reader *r = rm_reader_new(&a);
	struct seen s = { 0 };
	assert_int_equal(rm_reader_drain(r, false, check_packet, &s), 0);
	assert_int_equal(rm_reader_drain(r, true, check_packet, &s), 0);
	assert_int_equal(s.records, 1600);
	assert_int_equal(s.corrupt, 0);
	assert_true(s.with_ids > 0 && s.with_ids < s.packets);
	assert_int_equal(s.by_id[str], 133);
	assert_int_equal(s.by_id[flag], 133);
	rm_reader_free(r);

	/* a BOOL that is neither 0 nor 1 is still caught: that record alone
	 * is refused, counted lost, and the records after it are kept */
	memset(&w, 0, sizeof(w));
	unsigned char two_b = 2;
	put(&a, &w, fixed[0], two, sizeof(two));
	put(&a, &w, flag, &two_b, 1);
	put(&a, &w, fixed[0], two, sizeof(two));
	r = rm_reader_new(&a);
	memset(&s, 0, sizeof(s));
	assert_int_equal(rm_reader_drain(r, true, check_packet, &s), 0);
	assert_int_equal(s.records, 2);
	assert_int_equal(s.corrupt, 0);
	assert_int_equal(s.lost, 1);
	assert_int_equal(rm_reader_stats(r)->corrupt, 0);
	assert_int_equal(rm_reader_stats(r)->refused_records, 1);
	assert_int_equal(rm_reader_stats(r)->lost, 1);
	rm_reader_free(r);
	rm_arena_unmap(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet_ids_and_mixed_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
