/* What each kind of page a forked child touches costs it (issue 18), with
 * no tracer: the parent maps a 64 MiB memfd 64 KiB-aligned (resident, as
 * the arena is) and a MADV_WIPEONFORK page, then forks 2,000 children
 * that touch one kind of page each and _exit; from each child's wait4
 * rusage, minor faults and CPU time (user + system) per child.
 *
 *   fork_cost none            nothing (the baseline)
 *   fork_cost near K          K read-then-write touches, 128 KiB apart
 *                             (K fault-around windows, one page table)
 *   fork_cost far K           the same 4 MiB apart (K page tables)
 *   fork_cost wfirst K        K write-first touches, 36 KiB apart (a
 *                             write fault maps one page, no fault-around)
 *   fork_cost wipe            read, then write the wipe-on-fork page (the
 *                             stub's process token: zero page, then copy)
 *   fork_cost least           what any tracer of this design must do in a
 *                             forked child: the wipe page (read, then
 *                             write), one window of the shared mapping and
 *                             one clock read (the vDSO's, called
 *                             directly as the stub does, so no libc page
 *                             is faulted for it); no event, no library
 *                             code of its own
 *
 * Interleave runs of two modes (A B A B ...) and compare medians: CPU
 * times on a shared machine move by 10-20 % between runs. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm/vdso.h"

static uint64_t tv_us(struct timeval t)
{
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_usec;
}

typedef int (*gettime_fn)(clockid_t, struct timespec *);
static gettime_fn vdso_gettime; /* found before the forks */

static void touch(char *b, const char *mode, int k, volatile uint64_t *wipe)
{
	if (!strcmp(mode, "near") || !strcmp(mode, "far")) {
		size_t stride = !strcmp(mode, "near") ? 128u << 10 : 4u << 20;
		for (int j = 0; j < k; j++) {
			volatile char *c = b + (size_t)j * stride + 32768;
			(void)*c;
			c[8] = 2;
		}
	} else if (!strcmp(mode, "wfirst")) {
		for (int j = 0; j < k; j++) {
			volatile char *c = b + (size_t)j * 9 * 4096 + 32768;
			c[8] = 2;
		}
	} else if (!strcmp(mode, "wipe") || !strcmp(mode, "least")) {
		if (wipe[0] == 0)
			wipe[0] = 7;
		if (!strcmp(mode, "least")) {
			struct timespec ts;
			vdso_gettime(CLOCK_MONOTONIC, &ts);
			volatile char *c = b + 32768;
			(void)*c;
			c[8] = (char)ts.tv_nsec;
		}
	}
}

int main(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "none") && strcmp(argv[1], "near") && strcmp(argv[1], "far") &&
			 strcmp(argv[1], "wfirst") && strcmp(argv[1], "wipe") && strcmp(argv[1], "least"))) {
		fprintf(stderr, "usage: %s none|near K|far K|wfirst K|wipe|least\n", argv[0]);
		return 2;
	}
	const char *mode = argv[1];
	vdso_gettime = (gettime_fn)rm_vdso_sym("__vdso_clock_gettime"); /* the stub's lookup */
	if (!vdso_gettime)
		vdso_gettime = clock_gettime; /* no vDSO (valgrind) */
	int k = argc > 2 ? atoi(argv[2]) : 0, n = 2000;
	if (k < 0 || k > 12) {
		fprintf(stderr, "%s: K must be 0..12 (the mapping is 64 MiB)\n", argv[0]);
		return 2;
	}
	size_t size = 64u << 20;
	int fd = memfd_create("fork_cost", 0);
	if (fd < 0 || ftruncate(fd, (off_t)size) != 0)
		return perror("memfd"), 1;
	char *span = mmap(NULL, size + 65536, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *b = (char *)(((uintptr_t)span + 65535) & ~(uintptr_t)65535);
	if (span == MAP_FAILED || mmap(b, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		return perror("mmap"), 1;
	memset(b, 1, size);
	volatile uint64_t *wipe = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (wipe == MAP_FAILED || madvise((void *)wipe, 4096, MADV_WIPEONFORK) != 0)
		return perror("wipe page"), 1;
	wipe[0] = 5;
	uint64_t faults = 0, cpu = 0;
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			return perror("fork"), 1;
		if (p == 0) {
			touch(b, mode, k, wipe);
			_exit(0);
		}
		int st;
		struct rusage ru;
		if (wait4(p, &st, 0, &ru) != p)
			return perror("wait4"), 1;
		faults += (uint64_t)ru.ru_minflt;
		cpu += tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
	}
	printf("mode=%s %d\nclock=%s\nminflt_per_child=%.2f\nchild_cpu_us=%.1f\n", mode, k, vdso_gettime == clock_gettime ? "libc" : "vdso", (double)faults / n,
	       (double)cpu / n);
	return 0;
}
