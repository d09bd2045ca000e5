/* Clock offsets. A CTF reader computes the time of value v as
 *   offset_s * 1e9 + (offset + v) * 1e9 / freq   ns since the Unix epoch.
 * We want that to equal  mono(v) + real_minus_mono  where mono(v) is v for
 * the monotonic clock and  calib.mono + (v - calib.tsc) * 1e9 / hz  for the
 * TSC. The constant part is split into whole seconds (floor, so it may be
 * negative) and a non-negative remainder in cycles. */
#include <math.h>
#include <stdio.h>

#include "ctf_clock.h"

#define NS_PER_S 1000000000LL

static void split_ns(long double ns, uint64_t freq, struct ctf_clock_class *c)
{
	long double s = floorl(ns / NS_PER_S);
	long double rem_ns = ns - s * NS_PER_S; /* [0, 1e9) */
	long double cycles = roundl(rem_ns * (long double)freq / NS_PER_S);

	if (cycles >= (long double)freq) { /* rounding reached the next second */
		cycles -= (long double)freq;
		s += 1;
	}
	c->offset_s = (int64_t)s;
	c->offset = (uint64_t)cycles;
	c->freq = freq;
}

int ctf_clock_class_compute(const struct ctf_trace_info *info, struct ctf_clock_class *c,
			    char *err, size_t errlen)
{
	if (info->clock == RM_CLOCK_MONOTONIC) {
		/* exact in integers: no float rounding on the common path */
		int64_t r = info->real_minus_mono_ns;
		int64_t s = r / NS_PER_S, ns = r % NS_PER_S;
		if (ns < 0) {
			ns += NS_PER_S;
			s -= 1;
		}
		c->freq = NS_PER_S;
		c->offset_s = s;
		c->offset = (uint64_t)ns;
		return 0;
	}
	if (info->clock != RM_CLOCK_TSC) {
		snprintf(err, errlen, "unknown clock %u (expected monotonic or TSC)", info->clock);
		return -1;
	}
	if (!isfinite(info->tsc_hz) || info->tsc_hz < 1 || info->tsc_hz > 1e15) {
		snprintf(err, errlen, "TSC frequency %g Hz is not usable", info->tsc_hz);
		return -1;
	}
	/* The reader only knows an integer freq: compute the offset with that
	 * same value, so the calibration pair itself maps exactly. */
	uint64_t freq = (uint64_t)llround(info->tsc_hz);
	long double ns = (long double)info->calib.mono_ns + (long double)info->real_minus_mono_ns -
			 (long double)info->calib.tsc * NS_PER_S / (long double)freq;
	split_ns(ns, freq, c);
	return 0;
}
