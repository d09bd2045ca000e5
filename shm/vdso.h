/* The vDSO's clock_gettime, called directly by the producer (issue 18):
 * through libc, a forked child's first event also faulted on the libc
 * page that holds clock_gettime (fork copies no page table of a file
 * mapping), a fault-around of 16 pages and their tear-down at exit. */
#ifndef REMORA_SHM_VDSO_H
#define REMORA_SHM_VDSO_H

#include <time.h>

typedef int (*rm_vdso_gettime_fn)(clockid_t, struct timespec *);

/* NULL until rm_vdso_init() found it (or when there is no vDSO, as under
 * valgrind): rm_clock_ns() then calls libc's clock_gettime. */
extern rm_vdso_gettime_fn rm_vdso_clock_gettime __attribute__((visibility("hidden")));

/* Looks up __vdso_clock_gettime in the vDSO the kernel mapped
 * (AT_SYSINFO_EHDR) through its dynamic table and DT_HASH. No allocation,
 * no syscall; idempotent. The stub's constructor calls it. */
void rm_vdso_init(void);

/* What rm_clock_ns() calls: the vDSO's clock_gettime once rm_vdso_init()
 * found it, else libc's (statically: never NULL, so the producer's clock
 * read tests nothing). */
extern rm_vdso_gettime_fn rm_clock_gettime_fn __attribute__((visibility("hidden")));

/* The address of a vDSO symbol, or NULL (exposed for the test). */
void *rm_vdso_sym(const char *name);

#endif
