/* A malicious producer: random bytes over every shared region, and
 * targeted corruptions of record words, descriptors and catalog entries.
 * The consumer never crashes, hangs or reads out of bounds (run it under
 * ASan and memcheck), reports the corruption, and keeps delivering what
 * is intact elsewhere. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shm_test_util.h"

static int alive_random(void *ctx, uint32_t pid, uint32_t tid, uint64_t *st)
{
	(void)ctx, (void)pid, (void)st;
	return (int)(tid & 1);
}

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill_random(void *p, size_t n)
{
	unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)next_rand();
}

/* Writer A (slot 0) and B (slot 1) write `n` records each. */
static void write_two(struct rm_arena *a, uint32_t id, uint64_t n)
{
	struct rm_writer wa = { 0 }, wb = { 0 };
	for (uint64_t s = 0; s < n; s++) {
		assert_true(test_write(a, &wa, id, 0, s));
		assert_true(test_write(a, &wb, id, 1, s));
	}
}

/* The chunk holding writer 0's `nth` chunk (seq order). */
static uint32_t chunk_of(struct rm_arena *a, uint32_t slot, uint64_t seq)
{
	for (uint32_t i = 0; i < a->chunk_count; i++) {
		uint64_t s = a->descs[i].state;
		if ((RM_CS_KIND(s) == RM_CHUNK_OWNED || RM_CS_KIND(s) == RM_CHUNK_FULL) &&
		    RM_CS_SLOT(s) == slot && a->descs[i].seq == seq)
			return i;
	}
	fail_msg("chunk %u/%lu not found", slot, (unsigned long)seq);
	return 0;
}

static struct rm_record *record_at(struct rm_arena *a, uint32_t chunk, uint32_t idx)
{
	return (struct rm_record *)(a->chunks + (uint64_t)chunk * a->chunk_size + idx * 32u);
}

enum corruption {
	C_SIZE_SMALL, C_SIZE_HUGE, C_SIZE_ODD_PAYLOAD, C_BAD_ID, C_TS_BACKWARDS, C_STATE_SLOT,
	C_STATE_LEVEL, C_CONSUMED, C_CATALOG, C_CTX_SHORT, C_CTX_SHIFT, C_COUNT
};

/* 300 records per writer: chunks of 128 records, seq 0, 1, 2 per writer.
 * Corrupt writer 0's chunk 1 at record 50 (or its descriptor). */
static void targeted(enum corruption k)
{
	struct rm_arena a;
	uint32_t id = test_arena(&a, 4096, 16, RM_MODE_DISCARD);
	write_two(&a, id, 300);
	uint32_t c1 = chunk_of(&a, 0, 1);
	struct rm_record *rec = record_at(&a, c1, 50);
	uint64_t expect0 = 300; /* writer 0 records that must come back */
	bool reported = true;   /* the reader must count corruption */
	uint64_t refused = 0;   /* a record of sane size refused alone, counted lost */
	switch (k) {
	case C_SIZE_SMALL: rec->word = (rec->word & ~0xffffffffull) | 3; expect0 = 128 + 50 + 44; break;
	case C_SIZE_HUGE: rec->word = (rec->word & ~0xffffffffull) | 0x7ffffff0u; expect0 = 128 + 50 + 44; break;
	case C_SIZE_ODD_PAYLOAD: rec->word -= 4; expect0 = 299; refused = 1; break;
	case C_BAD_ID: rec->word = (rec->word & 0xffffffffull) | (uint64_t)999 << 32; expect0 = 299; refused = 1; break;
	case C_TS_BACKWARDS: rec->ts = 0; expect0 = 299; refused = 1; break;
	case C_STATE_SLOT:
		a.descs[c1].state = RM_CS_MAKE(RM_CHUNK_FULL, 0, 0xfffff0u, 7);
		expect0 = 300 - 128;
		break;
	case C_STATE_LEVEL:
		a.descs[c1].state = RM_CS_MAKE(RM_CHUNK_FULL, 200, 0, 7);
		expect0 = 300 - 128;
		break;
	case C_CONSUMED:
		a.descs[c1].consumed = 4093; /* not a record boundary: read from 0 */
		reported = false;
		break;
	case C_CATALOG:
		memcpy(a.catalog[id].name, "bad name!", 10); /* not an identifier */
		expect0 = 0;
		refused = 600; /* every record of both writers, each counted lost */
		break;
	/* per-event context bits (shm/evctx.h) the record has no room for:
	 * all of them (60 bytes in a 32-byte record), or only ip, which
	 * leaves a payload of the wrong size */
	case C_CTX_SHORT: rec->word |= 0xffull << 24; expect0 = 299; refused = 1; break;
	case C_CTX_SHIFT: rec->word |= (uint64_t)RM_EVCTX_IP << 24; expect0 = 299; refused = 1; break;
	default: break;
	}
	struct rm_reader *r = rm_reader_new(&a);
	struct tracker t;
	tracker_init(&t, 2, 1000);
	DRAIN(r, false, track, &t);
	DRAIN(r, true, track, &t);
	const struct rm_reader_stats *st = rm_reader_stats(r);
	assert_int_equal(t.bad, 0);
	assert_int_equal(t.dup, 0);
	assert_int_equal(t.order, 0);
	if (k == C_CATALOG) {
		assert_int_equal(st->bad_events, 1);
		assert_int_equal(t.records, 0);
	} else {
		assert_int_equal(t.count[1], 300); /* the other writer is untouched */
		assert_int_equal(t.count[0], expect0);
	}
	assert_int_equal(st->refused_records, refused);
	if (refused)
		assert_int_equal(st->corrupt, 0);
	else if (reported)
		assert_true(st->corrupt > 0 || st->bad_events > 0);
	else
		assert_int_equal(st->corrupt, 0);
	tracker_free(&t);
	rm_reader_free(r);
	rm_arena_unmap(&a);
}

static void test_targeted_corruptions(void **state)
{
	(void)state;
	for (int k = 0; k < C_COUNT; k++) {
		print_message("corruption %d\n", k);
		targeted((enum corruption)k);
	}
}

/* Random bytes over whole regions and over single words, many rounds. */
static void test_random_bytes(void **state)
{
	(void)state;
	int rounds = (int)test_iters(400, 40);
	uint64_t corrupt = 0;
	for (int round = 0; round < rounds; round++) {
		struct rm_arena a;
		uint32_t id = test_arena(&a, 4096, 8, round & 1 ? RM_MODE_OVERWRITE : RM_MODE_DISCARD);
		write_two(&a, id, 100 + round % 200);
		struct rm_reader *r = rm_reader_new(&a);
		if (round % 3)
			rm_reader_set_alive(r, alive_random, NULL);
		struct tracker t;
		tracker_init(&t, 2, 1000);
		DRAIN(r, false, track, &t);
		for (int step = 0; step < 4; step++) {
			switch (next_rand() % 6) {
			case 0: fill_random(a.descs, a.chunk_count * sizeof(*a.descs)); break;
			case 1: fill_random(a.chunks + next_rand() % (a.chunk_count * a.chunk_size - 64), 64); break;
			case 2: fill_random(a.slots, 4 * sizeof(*a.slots)); break;
			case 3: fill_random(&a.catalog[next_rand() % 4], sizeof(*a.catalog)); break;
			case 4: fill_random(&a.hdr->next_event_id, 4); break;
			case 5: {
				uint64_t *w = (uint64_t *)(a.chunks + (next_rand() % (a.chunk_count * a.chunk_size / 8)) * 8);
				*w = next_rand() >> (next_rand() % 64);
				break;
			}
			}
			DRAIN(r, step == 3, track, &t);
		}
		corrupt += rm_reader_stats(r)->corrupt + rm_reader_stats(r)->bad_events;
		tracker_free(&t);
		rm_reader_free(r);
		rm_arena_unmap(&a);
	}
	assert_true(corrupt > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targeted_corruptions),
		cmocka_unit_test(test_random_bytes),
	};
	alarm(120);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
