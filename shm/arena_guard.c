/* The fork guard (issue 18, item 4): lets fork copy the page-table entries
 * of the arena's hot part into a child, so its first event does not fault
 * on the header, enable byte, pid entry, slot and descriptor.
 *
 * fork(2) copies no page table of a shared file mapping (mm/memory.c,
 * vma_needs_copy(): only a vma with an anon_vma, or PFNMAP/MIXEDMAP/UFFD_WP
 * ones); the child faults on every arena page it touches, and each fault
 * maps a fault-around window (16 PTEs) that its exit tears down again.
 * Since Linux 6.15 MADV_GUARD_INSTALL works on shared file mappings and
 * gives the vma an anon_vma "so that fork copies page tables"
 * (mm/madvise.c). So the creator
 *   1. splits its mapping at hot_end: MADV_DONTDUMP on the bulk (the large
 *      chunks and the catalog) gives it other vm_flags than the hot part,
 *      so the two never merge again (and core dumps leave out the bulk);
 *   2. installs a guard on the page at off_guard, which no table covers
 *      (layout.h): only the hot vma gets an anon_vma;
 *   3. populates the three fault-around windows a new process touches
 *      (header and enable bytes; pid table end and slot table start;
 *      descriptor table end and first small chunks): 48 pages, copied at
 *      each fork, torn down at each child's exit.
 * On an older kernel (EINVAL from the guard) or any other error, it undoes
 * the split and maps as before: nothing depends on it. Runs once, in the
 * creator's constructor (never on the fast path); forked children inherit
 * the split, the guard and the copied entries. Raw syscalls only. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>

#include "arena.h"
#include "env.h"
#include "rsys.h"

#ifndef MADV_DONTDUMP
#define MADV_DONTDUMP 16
#endif
#ifndef MADV_DODUMP
#define MADV_DODUMP 17
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 (anonymous), 6.15 (file-backed, shared) */
#endif

static uint64_t window_of(uint64_t off)
{
	return off & ~(uint64_t)(RM_HOT_WINDOW - 1);
}

int rm_arena_guard(char *base, const struct rm_layout *l)
{
	const char *knob = rm_getenv("REMORA_FORK_GUARD");
	if (knob && knob[0] == '0')
		return -1; /* off: the mapping as before v10 (A/B measurements) */
	if (l->hot_end <= l->off_chunks || l->hot_end >= l->arena_size)
		return -1; /* an arena too small to split: leave it whole */
	char *bulk = base + l->hot_end;
	uint64_t bulk_len = l->arena_size - l->hot_end;
	if (rsys(SYS_madvise, bulk, bulk_len, MADV_DONTDUMP) < 0)
		return -1;
	if (rsys(SYS_madvise, base + l->off_guard, 4096, MADV_GUARD_INSTALL) < 0) {
		rsys(SYS_madvise, bulk, bulk_len, MADV_DODUMP); /* merges back */
		return -1;
	}
	if (knob && knob[0] == 'n')
		return 0; /* XXX experiment: no populate */
	if (knob && knob[0] == 'p') { /* XXX experiment: the pages a child touches only */
		uint64_t pg[][2] = { { 0, 4096 }, { l->off_enable, 4096 },
				     { (l->off_slots - 4096) & ~4095ull, 4096 },
				     { l->off_slots & ~4095ull, 8192 },
				     { (l->off_chunks - 8192), 8192 },
				     { l->off_chunks, 32768 } };
		for (unsigned i = 0; i < sizeof(pg) / sizeof(pg[0]); i++)
			rsys(SYS_madvise, base + pg[i][0], pg[i][1], MADV_POPULATE_WRITE);
		return 0;
	}
	/* Failure here only costs the child its faults, as before. */
	uint64_t win[3] = { 0, window_of(l->off_slots), window_of(l->off_chunks) };
	for (int i = 0; i < 3; i++) {
		if (i && win[i] == win[i - 1])
			continue;
		uint64_t end = win[i] + RM_HOT_WINDOW;
		uint64_t from = win[i];
		/* never the guard page: populating it would fail (and must not) */
		if (from <= l->off_guard && l->off_guard < end) {
			if (l->off_guard > from)
				rsys(SYS_madvise, base + from, l->off_guard - from, MADV_POPULATE_WRITE);
			from = l->off_guard + 4096;
		}
		rsys(SYS_madvise, base + from, end - from, MADV_POPULATE_WRITE);
	}
	return 0;
}
