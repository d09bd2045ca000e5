/* The stub's allocator: memory from mmap, never from libc's malloc, so it
 * is safe in a forked child, a signal handler and the clone()d helper, all
 * places where another thread may have held malloc's lock. */
#ifndef REMORA_SHM_ALLOC_H
#define REMORA_SHM_ALLOC_H

#include <stddef.h>

/* Zeroed memory of at least n bytes, or NULL. Lock-free. */
void *rm_alloc(size_t n);
/* Returns memory from rm_alloc(n) with the same n. */
void rm_free(void *p, size_t n);

#endif
