#include "clock.h"

#include <cpuid.h>

bool rm_clock_tsc_invariant(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
		return false;
	__cpuid(0x80000007u, a, b, c, d);
	return (d >> 8) & 1;
}

struct rm_clock_pair rm_clock_pair_now(void)
{
	struct rm_clock_pair best = { 0, 0 };
	uint64_t best_gap = UINT64_MAX;
	for (int i = 0; i < 5; i++) {
		uint64_t t0 = __rdtsc();
		uint64_t ns = rm_clock_mono_ns();
		uint64_t t1 = __rdtsc();
		if (t1 - t0 < best_gap) {
			best_gap = t1 - t0;
			best.tsc = t0 + (t1 - t0) / 2;
			best.mono_ns = ns;
		}
	}
	return best;
}

double rm_clock_tsc_hz(struct rm_clock_pair a, struct rm_clock_pair b)
{
	if (b.mono_ns <= a.mono_ns || b.tsc <= a.tsc)
		return 0;
	return (double)(b.tsc - a.tsc) * 1e9 / (double)(b.mono_ns - a.mono_ns);
}
