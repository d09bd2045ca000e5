#include <errno.h>

#include "arena.h"
#include "clock.h"
#include "filter.h"

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* The first offset at or after `off`, aligned to `align`, that lies half
 * way into an RM_HOT_WINDOW: what a new process touches on both sides of
 * it is mapped by one page fault. Before it 2,048 pid entries or 512 chunk
 * descriptors, after it 186 slots or 8 small chunks. (An eighth, for 14
 * chunks, measured worse: under a fork storm the chunks exited processes
 * still hold until the consumer drains them push a new claim past either
 * window, and the descriptor scan then crosses into the previous one.) */
static uint64_t hot_junction(uint64_t off, uint64_t align)
{
	uint64_t mid = RM_HOT_WINDOW / 2, w = off & ~(uint64_t)(RM_HOT_WINDOW - 1);
	uint64_t j = w + mid >= off ? w + mid : w + RM_HOT_WINDOW + mid;
	return align_up(j, align);
}

void rm_params_default(struct rm_params *p)
{
	p->chunk_size = 64 * 1024;
	p->small_size = 4096;
	rm_params_set_size(p, 16u << 20);
	/* 65,536 entries of 752 bytes: 48 MiB of address space, but a memfd
	 * page costs memory only once touched, and the catalog is written
	 * front to back, one entry per event type the app registers (10,000
	 * types: 7.2 MiB). Events past it are counted (lost_catalog). */
	p->event_max = 65536;
	p->pid_max = 4096;
	p->slot_max = 4096;
	p->mode = RM_MODE_DISCARD;
	p->clock = RM_CLOCK_MONOTONIC;
}

void rm_params_set_size(struct rm_params *p, uint64_t bytes)
{
	uint64_t small = p->small_size ? bytes * 3 / 8 / p->small_size : 0;
	if (small > (1u << 19))
		small = 1u << 19;
	uint64_t large = (bytes - small * p->small_size) / p->chunk_size;
	p->small_count = (uint32_t)small;
	p->chunk_count = large < 2 ? 2 : large > (1u << 19) ? (1u << 19) : (uint32_t)large;
}

int rm_layout_compute(const struct rm_params *p, struct rm_layout *l)
{
	if (p->chunk_size < 4096 || p->chunk_size > (16u << 20) ||
	    (p->chunk_size & (p->chunk_size - 1)))
		return -EINVAL;
	if (p->chunk_count < 2 || p->chunk_count > (1u << 20))
		return -EINVAL;
	if (p->small_count > (1u << 20) - p->chunk_count)
		return -EINVAL;
	if (p->small_count && (p->small_size < 4096 || p->small_size > p->chunk_size ||
			       (p->small_size & (p->small_size - 1))))
		return -EINVAL; /* small_size means nothing when small_count is 0 */
	if (p->event_max < 1 || p->event_max > 65536)
		return -EINVAL;
	if (p->pid_max < 1 || p->pid_max > 65536)
		return -EINVAL;
	if (p->slot_max < 1 || p->slot_max > (1u << 20))
		return -EINVAL;
	if (p->mode > RM_MODE_OVERWRITE || p->clock > RM_CLOCK_MONOTONIC_COARSE)
		return -EINVAL;

	uint64_t off = 4096;
	l->off_enable = off;
	off = align_up(off + p->event_max, 64);
	/* The filter programs sit before the pid table, not between the
	 * descriptors and the chunks, whose junction is a hot window. */
	l->off_filters = off;
	off = align_up(off + RM_FILTER_SLOTS * sizeof(struct rm_filter_prog), 64);
	/* Two junctions sit in the middle of a fault-around window (see
	 * RM_HOT_WINDOW): pid table's end | slot table's start, and descriptor
	 * table's end | chunks' start. */
	uint64_t pid_bytes = align_up((uint64_t)p->pid_max * sizeof(struct rm_pid_entry), 64);
	off = hot_junction(off + pid_bytes, 64);
	l->off_pids = off - pid_bytes;
	l->off_slots = off;
	off = align_up(off + (uint64_t)p->slot_max * sizeof(struct rm_slot), 64);
	uint64_t ndesc = (uint64_t)p->chunk_count + p->small_count;
	off = hot_junction(off + ndesc * sizeof(struct rm_chunk_desc), 4096);
	l->off_descs = off - ndesc * sizeof(struct rm_chunk_desc);
	l->off_chunks = off;
	off += (uint64_t)p->chunk_count * p->chunk_size + (uint64_t)p->small_count * p->small_size;
	/* The catalog last (v9): a forked child never touches it, and before
	 * the pid table its 48 MiB put the hot windows two page tables apart. */
	l->off_catalog = off;
	off += (uint64_t)p->event_max * sizeof(struct rm_catalog_entry);
	if (off > (64ull << 30))
		return -EINVAL;
	l->arena_size = off;
	return 0;
}

void rm_arena_bind(struct rm_arena *a, char *base, const struct rm_params *p,
		   const struct rm_layout *l)
{
	a->base = base;
	a->hdr = (struct rm_arena_hdr *)base;
	a->enable = (uint8_t *)(base + l->off_enable);
	a->catalog = (struct rm_catalog_entry *)(base + l->off_catalog);
	a->pids = (struct rm_pid_entry *)(base + l->off_pids);
	a->slots = (struct rm_slot *)(base + l->off_slots);
	a->descs = (struct rm_chunk_desc *)(base + l->off_descs);
	a->chunks = base + l->off_chunks;
	a->filters = (struct rm_filter_prog *)(base + l->off_filters);
	a->size = l->arena_size;
	a->chunk_bytes = l->off_catalog - l->off_chunks;
	a->chunk_size = p->chunk_size;
	a->chunk_count = p->chunk_count + p->small_count;
	a->large_count = p->chunk_count;
	a->small_size = p->small_count ? p->small_size : p->chunk_size;
	a->event_max = p->event_max;
	a->pid_max = p->pid_max;
	a->slot_max = p->slot_max;
	a->mode = p->mode;
	a->clock = p->clock;
	a->clockid = rm_clock_posix_id(p->clock);
}
