/* Allocator: the program replaces malloc, free, calloc, realloc (and the
 * aligned variants glibc may use) with its own allocator, which records an
 * event inside every call while holding its own non-recursive lock. A
 * tracer that allocated, or took a lock the allocator holds, would recurse
 * or deadlock here: both are detected (owner tid / depth) and abort. Four
 * threads and main allocate; counts of recorded calls go to a file.
 * Usage: allocator COUNTFILE */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hostile.h"

REMORA_EVENT(myalloc, malloc, (uint64_t, size), (uint64_t, ptr));
REMORA_EVENT(myalloc, free, (uint64_t, ptr));

/* ---- the allocator: power-of-two classes from 32 B to 1 MiB, free lists,
 * bump allocation from one reserved region; a header before each block
 * holds its class and the offset back to the block's start (alignment). */
#define REGION (1ul << 30)
#define CLASSES 16 /* 32 B << 15 = 1 MiB */
struct hdr {
	uint32_t cls;
	uint32_t back; /* bytes from the block start to this header */
	uint64_t pad;
};
static char *region, *bump;
static void *freelist[CLASSES];
static volatile int lock_owner; /* tid, 0 when free */
static __thread int depth;
static volatile int recording;
static uint64_t n_malloc, n_free; /* recorded calls, under the lock */

static void die(const char *msg)
{
	(void)!write(2, msg, strlen(msg));
	abort();
}

static void lock(void)
{
	int me = (int)syscall(SYS_gettid), free_ = 0;
	if (__atomic_load_n(&lock_owner, __ATOMIC_RELAXED) == me)
		die("allocator: re-entered while holding its own lock (deadlock)\n");
	while (!__atomic_compare_exchange_n(&lock_owner, &free_, me, 0, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED))
		free_ = 0;
}

static void unlock(void)
{
	__atomic_store_n(&lock_owner, 0, __ATOMIC_RELEASE);
}

static void enter(void)
{
	if (depth++)
		die("allocator: recursive call (malloc called from inside malloc/free)\n");
}

static void *alloc_locked(size_t size, size_t align)
{
	size_t need = size + sizeof(struct hdr) + (align > 16 ? align : 0);
	uint32_t cls = 0;
	while (cls < CLASSES && (32ul << cls) < need)
		cls++;
	if (cls == CLASSES)
		return NULL; /* nothing here needs more than 1 MiB */
	char *block = freelist[cls];
	if (block) {
		freelist[cls] = *(void **)block;
	} else {
		if (!region) {
			region = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
			if (region == MAP_FAILED)
				die("allocator: mmap failed\n");
			bump = region;
		}
		if (bump + (32ul << cls) > region + REGION)
			return NULL;
		block = bump;
		bump += 32ul << cls;
	}
	uintptr_t p = (uintptr_t)block + sizeof(struct hdr);
	if (align > 16)
		p = (p + align - 1) & ~(uintptr_t)(align - 1);
	struct hdr *h = (struct hdr *)p - 1;
	h->cls = cls;
	h->back = (uint32_t)((char *)h - block);
	return (void *)p;
}

static void *my_alloc(size_t size, size_t align)
{
	enter();
	lock();
	void *p = alloc_locked(size, align);
	if (recording) {
		n_malloc++;
		remora_trace(myalloc, malloc, size, (uint64_t)(uintptr_t)p);
	}
	unlock();
	depth--;
	if (!p)
		errno = ENOMEM;
	return p;
}

static size_t usable(void *p)
{
	struct hdr *h = (struct hdr *)p - 1;
	return (32ul << h->cls) - h->back - sizeof(struct hdr);
}

void *malloc(size_t size)
{
	return my_alloc(size, 16);
}

void free(void *p)
{
	if (!p)
		return;
	enter();
	lock();
	struct hdr *h = (struct hdr *)p - 1;
	uint32_t cls = h->cls; /* the link below overwrites the header */
	char *block = (char *)h - h->back;
	*(void **)block = freelist[cls];
	freelist[cls] = block;
	if (recording) {
		n_free++;
		remora_trace(myalloc, free, (uint64_t)(uintptr_t)p);
	}
	unlock();
	depth--;
}

void *calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = my_alloc(n * size, 16);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *old, size_t size)
{
	if (!old)
		return malloc(size);
	if (!size) {
		free(old);
		return NULL;
	}
	size_t have = usable(old);
	if (size <= have)
		return old;
	void *p = malloc(size);
	if (p) {
		memcpy(p, old, have);
		free(old);
	}
	return p;
}

void *memalign(size_t align, size_t size)
{
	return my_alloc(size, align);
}

void *aligned_alloc(size_t align, size_t size)
{
	return my_alloc(size, align);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	void *p = my_alloc(size, align);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *valloc(size_t size)
{
	return my_alloc(size, 4096);
}

void *pvalloc(size_t size)
{
	return my_alloc((size + 4095) & ~(size_t)4095, 4096);
}

size_t malloc_usable_size(void *p)
{
	return p ? usable(p) : 0;
}

/* ---- the workload ---- */
static void *work(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	uint64_t sum = 0;
	char *keep[64] = { 0 };
	for (int i = 0; i < 5000; i++) {
		int k = (int)(rand_r(&seed) % 64);
		size_t sz = 1 + rand_r(&seed) % 3000;
		if (keep[k] && i % 3 == 0) {
			keep[k] = realloc(keep[k], sz);
		} else {
			free(keep[k]);
			keep[k] = i % 5 ? malloc(sz) : calloc(1, sz);
		}
		if (!keep[k])
			die("allocator: out of memory\n");
		memset(keep[k], (int)(i & 0xff), sz);
		sum += (uint8_t)keep[k][sz - 1];
	}
	for (int k = 0; k < 64; k++)
		free(keep[k]);
	return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	recording = 1;
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, work, (void *)(uintptr_t)(i + 1));
	uint64_t total = (uint64_t)(uintptr_t)work((void *)(uintptr_t)99);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(th[i], &r);
		total += (uint64_t)(uintptr_t)r;
	}
	char *s = strdup("stdio and strdup go through this allocator too");
	printf("checksum %llu, %s\n", (unsigned long long)total, s);
	fflush(stdout);
	free(s);
	lock();
	recording = 0;
	uint64_t m = n_malloc, f = n_free;
	unlock();
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%llu %llu\n", (unsigned long long)m, (unsigned long long)f);
	FILE *cf = fopen(argv[1], "w");
	if (!cf || fwrite(buf, 1, (size_t)n, cf) != (size_t)n || fclose(cf))
		return 1;
	return 0;
}
