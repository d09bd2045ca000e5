/* ctf_ctx_lane: which of a thread's packets count as tied with its previous
 * one (same context and tid, less than a ns of cycles apart), contexts kept
 * apart by slot and level, and a slot's next thread not mistaken for the
 * last one. The writer's use of it is checked against babeltrace2 by
 * tests/export/export_gen.sh (tieslot). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctl/ctf/ctf_ctx_lane.h"
#include "shm/layout.h"

static struct rm_packet pkt(uint32_t slot, uint32_t level, uint32_t tid)
{
	return (struct rm_packet){ .pid = 1, .tid = tid, .slot = slot, .level = level };
}

static void tie_window(void **state)
{
	(void)state;
	struct ctf_ctx_lanes c = { 0 };
	struct rm_packet p = pkt(7, 0, 70);
	assert_int_equal(ctf_ctx_lane_tied(&c, &p, 100, 1), -1); /* nothing noted yet */
	ctf_ctx_lane_note(&c, &p, 3, 100);
	/* 1 GHz clock: only the same cycle is the same ns */
	assert_int_equal(ctf_ctx_lane_tied(&c, &p, 100, 1), 3);
	assert_int_equal(ctf_ctx_lane_tied(&c, &p, 101, 1), -1);
	/* a 2.5 GHz TSC: 3 cycles per ns rounded up, 0..2 cycles apart may be one ns */
	assert_int_equal(ctf_ctx_lane_tied(&c, &p, 102, 3), 3);
	assert_int_equal(ctf_ctx_lane_tied(&c, &p, 103, 3), -1);
	/* a packet that would begin before the previous end is tied too */
	assert_int_equal(ctf_ctx_lane_tied(&c, &p, 90, 1), 3);
	ctf_ctx_lanes_free(&c);
}

static void contexts_apart(void **state)
{
	(void)state;
	struct ctf_ctx_lanes c = { 0 };
	struct rm_packet a = pkt(0, 0, 10), a1 = pkt(0, 1, 10), b = pkt(1, 0, 11);
	struct rm_packet next = pkt(0, 0, 12); /* slot 0's next thread */
	ctf_ctx_lane_note(&c, &a, 0, 500);
	ctf_ctx_lane_note(&c, &b, 1, 500);
	assert_int_equal(ctf_ctx_lane_tied(&c, &a, 500, 1), 0);
	assert_int_equal(ctf_ctx_lane_tied(&c, &b, 500, 1), 1);
	assert_int_equal(ctf_ctx_lane_tied(&c, &a1, 500, 1), -1); /* level 1: its own context */
	assert_int_equal(ctf_ctx_lane_tied(&c, &next, 500, 1), -1);
	ctf_ctx_lane_note(&c, &a1, 2, 500);
	assert_int_equal(ctf_ctx_lane_tied(&c, &a1, 500, 1), 2);
	assert_int_equal(ctf_ctx_lane_tied(&c, &a, 500, 1), 0);
	/* the table grows to a high slot and keeps the low ones */
	struct rm_packet far = pkt(100000, 3, 99);
	ctf_ctx_lane_note(&c, &far, 4, 9);
	assert_int_equal(ctf_ctx_lane_tied(&c, &far, 9, 1), 4);
	assert_int_equal(ctf_ctx_lane_tied(&c, &b, 500, 1), 1);
	/* out of the arena's bounds: not tracked */
	struct rm_packet bad = pkt(0, RM_LEVELS, 10);
	ctf_ctx_lane_note(&c, &bad, 5, 9);
	assert_int_equal(ctf_ctx_lane_tied(&c, &bad, 9, 1), -1);
	ctf_ctx_lanes_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tie_window),
		cmocka_unit_test(contexts_apart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
