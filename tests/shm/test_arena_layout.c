/* The fork-storm layout (layout.h, issue 18): what a new process's first
 * event touches lies in few fault-around windows, and a forked child's
 * registration takes the syscalls it can do without from what it knows.
 *
 * - For several sizes: the pid table's end and the slot table's start, and
 *   the descriptor table's end and the chunks' start, each share one
 *   RM_HOT_WINDOW, and both lie in the arena's first RM_HOT_REGION (one
 *   page table) up to 64 MiB of chunks; the catalog comes last; no two
 *   regions overlap; every chunk lies inside the chunk region, none
 *   overlaps another, and the last small chunk comes first.
 * - A created arena is mapped RM_HOT_REGION-aligned; the creator's pid
 *   entry is the table's last, a thread's first chunk the last small one.
 * - A thread that recorded, then forked: in the child it records under
 *   tid == the child's pid, and the child's pid entry names the parent.
 * - The producer's clock calls the vDSO's clock_gettime directly when the
 *   kernel mapped one (not under valgrind, which hides it), and reads the
 *   same clock as libc. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/auxv.h>
#include <time.h>

#include "shm_test_util.h"
#include "shm/clock.h"
#include "shm/filter.h"

static uint64_t window_of(uint64_t off)
{
	return off / RM_HOT_WINDOW;
}

static void check_layout(const struct rm_params *p)
{
	struct rm_layout l;
	assert_int_equal(rm_layout_compute(p, &l), 0);
	uint64_t ndesc = (uint64_t)p->chunk_count + p->small_count;
	/* regions in order, none overlapping */
	assert_true(l.off_enable >= 4096);
	assert_true(l.off_filters >= l.off_enable + p->event_max);
	assert_true(l.off_pids >= l.off_filters + RM_FILTER_SLOTS * sizeof(struct rm_filter_prog));
	assert_true(l.off_slots >= l.off_pids + (uint64_t)p->pid_max * sizeof(struct rm_pid_entry));
	assert_true(l.off_descs >= l.off_slots + (uint64_t)p->slot_max * sizeof(struct rm_slot));
	assert_int_equal(l.off_chunks, l.off_descs + ndesc * sizeof(struct rm_chunk_desc));
	assert_int_equal(l.off_chunks % 4096, 0);
	assert_int_equal(l.off_slots % 64, 0);
	assert_int_equal(l.off_catalog, l.off_chunks + (uint64_t)p->chunk_count * p->chunk_size +
						 (uint64_t)p->small_count * p->small_size);
	assert_int_equal(l.arena_size,
			 l.off_catalog + (uint64_t)p->event_max * sizeof(struct rm_catalog_entry));
	/* the two junctions, each inside one window */
	uint64_t last_pid = l.off_slots - sizeof(struct rm_pid_entry);
	assert_int_equal(window_of(last_pid), window_of(l.off_slots + sizeof(struct rm_slot) - 1));
	uint64_t last_desc = l.off_chunks - sizeof(struct rm_chunk_desc);
	assert_int_equal(window_of(last_desc), window_of(l.off_chunks));
	assert_int_equal(window_of(l.off_pids + (uint64_t)(p->pid_max - 1) * sizeof(struct rm_pid_entry)),
			 window_of(l.off_slots));
	/* v9: the header's window and both junctions under one page table
	 * (the arena is mapped RM_HOT_REGION-aligned), for arenas up to 64 MiB */
	if ((uint64_t)p->chunk_count * p->chunk_size + (uint64_t)p->small_count * p->small_size <= (64u << 20))
		assert_true(l.off_chunks + p->small_size <= RM_HOT_REGION);
}

static void test_layout_junctions(void **state)
{
	(void)state;
	static const uint64_t sizes[] = { 1u << 20, 16u << 20, 64u << 20, 256u << 10 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct rm_params p;
		rm_params_default(&p);
		rm_params_set_size(&p, sizes[i]);
		check_layout(&p);
		p.small_count = 0; /* one class */
		check_layout(&p);
		p.pid_max = 7, p.slot_max = 3, p.event_max = 5;
		check_layout(&p);
	}
}

/* Every chunk inside the chunk region, none overlapping: small chunks
 * first, the last index at the start, then the large ones. */
static void test_chunk_addresses(void **state)
{
	(void)state;
	struct rm_params p;
	rm_params_default(&p);
	rm_params_set_size(&p, 1u << 20);
	p.event_max = 64;
	struct rm_arena a;
	assert_int_equal(rm_arena_create(&p, "remora-test", &a), 0);
	assert_true(a.chunk_count > a.large_count && a.large_count > 0);
	assert_int_equal((uintptr_t)a.base % RM_HOT_REGION, 0);
	assert_ptr_equal(rm_chunk_addr(&a, a.chunk_count - 1), a.chunks);
	assert_ptr_equal(rm_chunk_addr(&a, 0), a.chunks + (uint64_t)(a.chunk_count - a.large_count) * a.small_size);
	uint64_t total = 0;
	char *lo = a.base + a.size, *hi = a.chunks;
	for (uint32_t i = 0; i < a.chunk_count; i++) {
		char *c = rm_chunk_addr(&a, i);
		uint32_t len = rm_chunk_len(&a, i);
		assert_true(c >= a.chunks && c + len <= a.base + a.size);
		assert_int_equal((uintptr_t)c % 4096, 0);
		lo = c < lo ? c : lo;
		hi = c + len > hi ? c + len : hi;
		total += len;
		if (i + 1 < a.large_count)
			assert_ptr_equal(rm_chunk_addr(&a, i + 1), c + len);
		if (i >= a.large_count && i > a.large_count)
			assert_ptr_equal(rm_chunk_addr(&a, i - 1), c + len);
	}
	/* contiguous, no overlap: the union spans exactly the sum */
	assert_ptr_equal(lo, a.chunks);
	assert_int_equal((uint64_t)(hi - lo), total);
	assert_int_equal(total, a.chunk_bytes);
	rm_arena_unmap(&a);
}

struct shared {
	uint32_t child_pid;
	int ok_tid, ok_ppid, ok_entry_last;
	uint32_t recorded;
};

/* The creator's pid entry is the last one; a thread's first chunk is the
 * last small chunk; after a fork, the thread that recorded in the parent
 * records in the child under the child's pid as tid, and the child's pid
 * entry names the parent. */
static void test_claim_order_and_fork_registration(void **state)
{
	(void)state;
	struct rm_params p;
	rm_params_default(&p);
	rm_params_set_size(&p, 1u << 20);
	p.event_max = 64;
	p.pid_max = 16;
	struct rm_arena a;
	assert_int_equal(rm_arena_create(&p, "remora-test", &a), 0);
	assert_int_equal(rm_arena_producer_init(&a), 0);
	assert_int_equal(a.pids[p.pid_max - 1].pid, (uint32_t)getpid());
	static const char *const names[] = { "seq", "writer", "check" };
	static const uint8_t types[] = { RM_T_U64, RM_T_U32, RM_T_U32 };
	struct rm_event_decl d = { "test", "rec", 3, names, types };
	int64_t id = rm_catalog_add(&a, &d);
	assert_true(id >= 0);
	a.enable[id] = 1;

	struct rm_writer w = { 0 };
	assert_true(test_write(&a, &w, (uint32_t)id, 0, 0));
	assert_int_equal(w.lv[0].chunk, a.chunk_count - 1);
	assert_int_equal(w.tid, (uint32_t)gettid());

	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(sh, MAP_FAILED);
	pid_t parent = getpid(), c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		uint32_t me = (uint32_t)getpid();
		sh->recorded = test_write(&a, &w, (uint32_t)id, 1, 1);
		sh->child_pid = me;
		sh->ok_tid = w.tid == me && a.slots[w.slot1 - 1].owner == ((uint64_t)me << 32 | me);
		uint32_t e = a.proc->pid_entry;
		sh->ok_entry_last = e == p.pid_max - 2; /* the parent holds the last */
		sh->ok_ppid = e < p.pid_max && a.pids[e].pid == me && a.pids[e].ppid == (uint32_t)parent;
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(c, &st, 0), c);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(sh->recorded, 1);
	assert_int_equal(sh->child_pid, (uint32_t)c);
	assert_true(sh->ok_tid);
	assert_true(sh->ok_entry_last);
	assert_true(sh->ok_ppid);
	munmap(sh, sizeof(*sh));
	rm_arena_unmap(&a);
}

static uint64_t libc_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void test_vdso_clock(void **state)
{
	(void)state;
	bool have_vdso = getauxval(AT_SYSINFO_EHDR) != 0;
	rm_vdso_init();
	assert_int_equal(rm_vdso_clock_gettime != NULL, have_vdso);
	assert_null(rm_vdso_sym("__vdso_no_such_function"));
	assert_null(rm_vdso_sym("LINUX_2.6")); /* a version name, not a function */
	for (int i = 0; i < 1000; i++) {
		uint64_t t0 = libc_mono_ns();
		uint64_t t1 = rm_clock_read(RM_CLOCK_MONOTONIC);
		uint64_t t2 = libc_mono_ns();
		assert_true(t0 <= t1 && t1 <= t2);
	}
	uint64_t c = rm_clock_read(RM_CLOCK_MONOTONIC_COARSE), m = libc_mono_ns();
	assert_true(c <= m && m - c < 1000000000u); /* within a tick, far under a second */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_junctions),
		cmocka_unit_test(test_chunk_addresses),
		cmocka_unit_test(test_claim_order_and_fork_registration),
		cmocka_unit_test(test_vdso_clock),
	};
	alarm(60);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
