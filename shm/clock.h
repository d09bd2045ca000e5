/* Timestamps. CLOCK_MONOTONIC through the vDSO is the default; the TSC
 * option stores raw cycles that the consumer maps to CLOCK_MONOTONIC with a
 * CTF clock class (frequency and offset), so traces line up either way. */
#ifndef REMORA_SHM_CLOCK_H
#define REMORA_SHM_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

#include "layout.h"
#include "vdso.h"

static inline uint64_t rm_clock_ns(clockid_t id)
{
	struct timespec ts;
	rm_clock_gettime_fn(id, &ts); /* the vDSO's in the stub, else libc's */
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t rm_clock_mono_ns(void)
{
	return rm_clock_ns(CLOCK_MONOTONIC);
}

/* The POSIX clock of an RM_CLOCK_* other than the TSC. */
static inline clockid_t rm_clock_posix_id(uint32_t clock)
{
	return clock == RM_CLOCK_MONOTONIC_COARSE ? CLOCK_MONOTONIC_COARSE : CLOCK_MONOTONIC;
}

/* rm_clock_read() with the POSIX id computed beforehand (the producer's
 * fast path: struct rm_arena's clockid). */
static inline uint64_t rm_clock_read_id(uint32_t clock, clockid_t id)
{
	if (clock == RM_CLOCK_TSC)
		return __rdtsc();
	return rm_clock_ns(id);
}

static inline uint64_t rm_clock_read(uint32_t clock)
{
	return rm_clock_read_id(clock, rm_clock_posix_id(clock));
}

/* CPUID leaf 0x80000007 EDX bit 8: the TSC is invariant (constant rate,
 * runs in every C- and P-state). Without it the TSC option is refused. */
bool rm_clock_tsc_invariant(void);

/* A (tsc, monotonic ns) pair read back to back, the tightest of a few tries. */
struct rm_clock_pair {
	uint64_t tsc;
	uint64_t mono_ns;
};
struct rm_clock_pair rm_clock_pair_now(void);

/* Cycles per second from two pairs taken some time apart. */
double rm_clock_tsc_hz(struct rm_clock_pair a, struct rm_clock_pair b);

#endif
