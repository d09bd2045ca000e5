/* Power-of-two size classes from 16 B to 64 KiB, each a lock-free stack
 * whose head carries a 16-bit tag against ABA (user addresses fit in 48
 * bits); larger blocks are their own mappings. Blocks are carved from
 * 1 MiB regions with a compare-and-swap bump pointer. Nothing is ever
 * returned to the kernel but the large blocks: the stub's needs are small
 * (one registry entry per shared object) and bounded. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "shm/alloc.h"
#include "shm/rsys.h"

#define MIN_SHIFT 4
#define MAX_SHIFT 16
#define REGION (1u << 20)
#define PTR_MASK ((1ull << 48) - 1)

static uint64_t free_head[MAX_SHIFT + 1];

/* A region describes itself in its first bytes; `current` is swapped by
 * CAS, so a reader always sees one region's cur and end together. */
struct region {
	uintptr_t cur;
	uintptr_t end;
};
static struct region *current;

static int class_of(size_t n)
{
	int c = MIN_SHIFT;
	while (((size_t)1 << c) < n)
		c++;
	return c;
}

static void *map(size_t n)
{
	long p = rsys(SYS_mmap, 0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return (p < 0 && p > -4096) ? NULL : (void *)p;
}

static void *bump(size_t n)
{
	for (;;) {
		struct region *r = __atomic_load_n(&current, __ATOMIC_ACQUIRE);
		if (r) {
			uintptr_t cur = __atomic_load_n(&r->cur, __ATOMIC_RELAXED);
			if (cur + n <= r->end) {
				if (__atomic_compare_exchange_n(&r->cur, &cur, cur + n, false,
								__ATOMIC_RELAXED, __ATOMIC_RELAXED))
					return (void *)cur;
				continue;
			}
		}
		struct region *fresh = map(REGION);
		if (!fresh)
			return NULL;
		fresh->cur = (uintptr_t)fresh + 64;
		fresh->end = (uintptr_t)fresh + REGION;
		if (!__atomic_compare_exchange_n(&current, &r, fresh, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			rsys(SYS_munmap, fresh, REGION); /* another thread won */
	}
}

void *rm_alloc(size_t n)
{
	if (n == 0)
		n = 1;
	if (n > ((size_t)1 << MAX_SHIFT))
		return map(n);
	int c = class_of(n);
	uint64_t head = __atomic_load_n(&free_head[c], __ATOMIC_ACQUIRE);
	while (head & PTR_MASK) {
		void **blk = (void **)(uintptr_t)(head & PTR_MASK);
		uint64_t next = ((uint64_t)(uintptr_t)*blk & PTR_MASK) | ((head >> 48) + 1) << 48;
		if (__atomic_compare_exchange_n(&free_head[c], &head, next, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			memset(blk, 0, (size_t)1 << c);
			return blk;
		}
	}
	return bump((size_t)1 << c); /* fresh mmap memory is already zero */
}

void rm_free(void *p, size_t n)
{
	if (!p)
		return;
	if (n == 0)
		n = 1;
	if (n > ((size_t)1 << MAX_SHIFT)) {
		rsys(SYS_munmap, p, n);
		return;
	}
	int c = class_of(n);
	uint64_t head = __atomic_load_n(&free_head[c], __ATOMIC_ACQUIRE);
	uint64_t mine;
	do {
		*(void **)p = (void *)(uintptr_t)(head & PTR_MASK);
		mine = (uint64_t)(uintptr_t)p | ((head >> 48) + 1) << 48;
	} while (!__atomic_compare_exchange_n(&free_head[c], &head, mine, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
}
