/* Provider libc_malloc: the malloc family, with the caller's address.
 *
 * Bootstrap: every real_* pointer starts at a boot_* function. The first
 * call resolves them all with dlsym(RTLD_NEXT); allocations made while that
 * runs (dlsym may allocate, and then it would call this very malloc) come
 * from a static buffer. Those blocks are never handed to libc's free:
 * free() ignores them and realloc() moves them out. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <remora/remora.h>

#include "preload.h"

REMORA_EVENT(libc_malloc, malloc, (size_t, size), (void *, ptr), (void *, caller));
REMORA_EVENT(libc_malloc, calloc, (size_t, nmemb), (size_t, size), (void *, ptr), (void *, caller));
REMORA_EVENT(libc_malloc, realloc, (void *, in_ptr), (size_t, size), (void *, ptr), (void *, caller));
REMORA_EVENT(libc_malloc, free, (void *, ptr), (void *, caller));
REMORA_EVENT(libc_malloc, memalign, (size_t, alignment), (size_t, size), (void *, ptr), (void *, caller));
REMORA_EVENT(libc_malloc, aligned_alloc, (size_t, alignment), (size_t, size), (void *, ptr), (void *, caller));
REMORA_EVENT(libc_malloc, posix_memalign, (size_t, alignment), (size_t, size), (void *, ptr), (int, result),
	     (void *, caller));

/* ---- bootstrap ---- */

#define BOOT_SIZE (64 * 1024)
static unsigned char boot_buf[BOOT_SIZE] __attribute__((aligned(64)));
static size_t boot_used; /* atomic bump */
static int resolving;

struct boot_hdr { size_t size; size_t pad; }; /* keeps blocks 16-aligned */

static bool in_boot(const void *p)
{
	return (uintptr_t)p - (uintptr_t)boot_buf < BOOT_SIZE;
}

/* Never freed; the buffer is static, hence already zero (calloc). */
static void *boot_alloc(size_t align, size_t size)
{
	if (align < 16)
		align = 16;
	size_t old = __atomic_load_n(&boot_used, __ATOMIC_RELAXED), start, end;
	do {
		start = (old + sizeof(struct boot_hdr) + align - 1) & ~(align - 1);
		end = start + size;
		if (size > BOOT_SIZE || end > BOOT_SIZE)
			return NULL;
	} while (!__atomic_compare_exchange_n(&boot_used, &old, end, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	((struct boot_hdr *)(boot_buf + start))[-1].size = size;
	return boot_buf + start;
}

static void *boot_malloc(size_t);
static void *boot_calloc(size_t, size_t);
static void *boot_realloc(void *, size_t);
static void boot_free(void *);
static void *boot_memalign(size_t, size_t);
static void *boot_aligned_alloc(size_t, size_t);
static int boot_posix_memalign(void **, size_t, size_t);
static void *boot_valloc(size_t);
static void *boot_pvalloc(size_t);

static void *(*real_malloc)(size_t) = boot_malloc;
static void *(*real_calloc)(size_t, size_t) = boot_calloc;
static void *(*real_realloc)(void *, size_t) = boot_realloc;
static void (*real_free)(void *) = boot_free;
static void *(*real_memalign)(size_t, size_t) = boot_memalign;
static void *(*real_aligned_alloc)(size_t, size_t) = boot_aligned_alloc;
static int (*real_posix_memalign)(void **, size_t, size_t) = boot_posix_memalign;
static void *(*real_valloc)(size_t) = boot_valloc;
static void *(*real_pvalloc)(size_t) = boot_pvalloc;

#define RESOLVE(name)                                                         \
	do {                                                                  \
		void *f = dlsym(RTLD_NEXT, #name);                            \
		if (!f)                                                       \
			abort(); /* no allocator below us: cannot go on */    \
		__atomic_store_n((void **)&real_##name, f, __ATOMIC_RELEASE); \
	} while (0)

/* false while this process is inside dlsym: the caller then uses the
 * bootstrap buffer (another thread racing here does too: harmless). */
static bool resolve(void)
{
	if (__atomic_exchange_n(&resolving, 1, __ATOMIC_ACQ_REL))
		return false;
	RESOLVE(malloc); RESOLVE(calloc); RESOLVE(realloc); RESOLVE(free);
	RESOLVE(memalign); RESOLVE(aligned_alloc); RESOLVE(posix_memalign);
	RESOLVE(valloc); RESOLVE(pvalloc);
	return true;
}

static void *boot_malloc(size_t size) { return resolve() ? real_malloc(size) : boot_alloc(16, size); }
static void *boot_calloc(size_t n, size_t size)
{
	if (resolve())
		return real_calloc(n, size);
	return size && n > SIZE_MAX / size ? NULL : boot_alloc(16, n * size);
}
static void *boot_realloc(void *p, size_t size)
{
	return resolve() ? real_realloc(p, size) : p ? NULL : boot_alloc(16, size);
}
static void boot_free(void *p)
{
	if (resolve())
		real_free(p);
}
static void *boot_memalign(size_t a, size_t size) { return resolve() ? real_memalign(a, size) : boot_alloc(a, size); }
static void *boot_aligned_alloc(size_t a, size_t size)
{
	return resolve() ? real_aligned_alloc(a, size) : boot_alloc(a, size);
}
static int boot_posix_memalign(void **out, size_t a, size_t size)
{
	if (resolve())
		return real_posix_memalign(out, a, size);
	return (*out = boot_alloc(a, size)) ? 0 : ENOMEM;
}
static void *boot_valloc(size_t size) { return resolve() ? real_valloc(size) : boot_alloc(4096, size); }
static void *boot_pvalloc(size_t size) { return resolve() ? real_pvalloc(size) : boot_alloc(4096, size); }

/* ---- recording (cold) ---- */

RM_COLD static void rec_malloc(size_t size, void *p, void *caller)
{
	RM_RECORD_BEGIN
	remora_trace(libc_malloc, malloc, size, p, caller);
	RM_RECORD_END
}
RM_COLD static void rec_calloc(size_t n, size_t size, void *p, void *caller)
{
	RM_RECORD_BEGIN
	remora_trace(libc_malloc, calloc, n, size, p, caller);
	RM_RECORD_END
}
RM_COLD static void rec_realloc(void *in, size_t size, void *p, void *caller)
{
	RM_RECORD_BEGIN
	remora_trace(libc_malloc, realloc, in, size, p, caller);
	RM_RECORD_END
}
RM_COLD static void rec_free(void *p, void *caller)
{
	RM_RECORD_BEGIN
	remora_trace(libc_malloc, free, p, caller);
	RM_RECORD_END
}
RM_COLD static void rec_memalign(size_t a, size_t size, void *p, void *caller)
{
	RM_RECORD_BEGIN
	remora_trace(libc_malloc, memalign, a, size, p, caller);
	RM_RECORD_END
}
RM_COLD static void rec_aligned_alloc(size_t a, size_t size, void *p, void *caller)
{
	RM_RECORD_BEGIN
	remora_trace(libc_malloc, aligned_alloc, a, size, p, caller);
	RM_RECORD_END
}
RM_COLD static void rec_posix_memalign(size_t a, size_t size, void *p, int r, void *caller)
{
	RM_RECORD_BEGIN
	remora_trace(libc_malloc, posix_memalign, a, size, p, r, caller);
	RM_RECORD_END
}

/* ---- the wrappers: call, then one test of the enable byte ---- */

#define CALLER __builtin_return_address(0)

RM_EXPORT void *malloc(size_t size)
{
	void *p = real_malloc(size);
	if (remora_enabled(libc_malloc, malloc))
		rec_malloc(size, p, CALLER);
	return p;
}

RM_EXPORT void *calloc(size_t n, size_t size)
{
	void *p = real_calloc(n, size);
	if (remora_enabled(libc_malloc, calloc))
		rec_calloc(n, size, p, CALLER);
	return p;
}

/* A bootstrap block is moved to libc's heap (its size is in its header). */
static void *realloc_boot(void *in, size_t size)
{
	void *p = real_malloc(size);
	if (p) {
		size_t old = ((struct boot_hdr *)in)[-1].size;
		memcpy(p, in, old < size ? old : size);
	}
	return p;
}

RM_EXPORT void *realloc(void *in, size_t size)
{
	void *p = __builtin_expect(in_boot(in), 0) ? realloc_boot(in, size) : real_realloc(in, size);
	if (remora_enabled(libc_malloc, realloc))
		rec_realloc(in, size, p, CALLER);
	return p;
}

/* reallocarray() calls libc's realloc internally (not through us): record
 * it as the realloc it is. */
RM_EXPORT void *reallocarray(void *in, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = __builtin_expect(in_boot(in), 0) ? realloc_boot(in, n * size) : real_realloc(in, n * size);
	if (remora_enabled(libc_malloc, realloc))
		rec_realloc(in, n * size, p, CALLER);
	return p;
}

/* Recorded before the block goes back: once freed, another thread may get
 * the same address from malloc, and its event must come after this one. */
RM_EXPORT void free(void *p)
{
	if (__builtin_expect(in_boot(p), 0))
		return;
	if (remora_enabled(libc_malloc, free))
		rec_free(p, CALLER);
	real_free(p);
}

RM_EXPORT void *memalign(size_t a, size_t size)
{
	void *p = real_memalign(a, size);
	if (remora_enabled(libc_malloc, memalign))
		rec_memalign(a, size, p, CALLER);
	return p;
}

RM_EXPORT void *aligned_alloc(size_t a, size_t size)
{
	void *p = real_aligned_alloc(a, size);
	if (remora_enabled(libc_malloc, aligned_alloc))
		rec_aligned_alloc(a, size, p, CALLER);
	return p;
}

RM_EXPORT int posix_memalign(void **out, size_t a, size_t size)
{
	int r = real_posix_memalign(out, a, size);
	if (remora_enabled(libc_malloc, posix_memalign))
		rec_posix_memalign(a, size, r ? NULL : *out, r, CALLER);
	return r;
}

/* valloc and pvalloc are memalign(page size, ...) in libc, done without
 * calling memalign through the PLT: record them as memalign. */
RM_EXPORT void *valloc(size_t size)
{
	void *p = real_valloc(size);
	if (remora_enabled(libc_malloc, memalign))
		rec_memalign((size_t)getpagesize(), size, p, CALLER);
	return p;
}

RM_EXPORT void *pvalloc(size_t size)
{
	void *p = real_pvalloc(size);
	if (remora_enabled(libc_malloc, memalign))
		rec_memalign((size_t)getpagesize(), size, p, CALLER);
	return p;
}
