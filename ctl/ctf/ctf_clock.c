/* Clock offsets. A CTF reader computes the time of value v as
 *   offset_s * 1e9 + (offset + v) * 1e9 / freq   ns since the Unix epoch.
 * We want that to equal  mono(v) + real_minus_mono  where mono(v) is v for
 * the monotonic clock and  calib.mono + (v - calib.tsc) * 1e9 / freq  for
 * the TSC. The constant part is split into whole seconds (floor division,
 * so it may be negative) and a remainder in cycles in [0, freq).
 *
 * All in 128-bit integers: long double is not exact everywhere (valgrind
 * runs x87 code at double precision), and a clock offset must not depend
 * on where the consumer runs. */
#include <math.h>
#include <stdio.h>

#include "ctl/ctf/ctf_clock.h"

#define NS_PER_S 1000000000LL

typedef __int128 i128;

static i128 floor_div(i128 a, i128 b, i128 *rem)
{
	i128 q = a / b, r = a % b;
	if (r < 0) {
		r += b;
		q -= 1;
	}
	*rem = r;
	return q;
}

int ctf_clock_class_compute(const struct ctf_trace_info *info, struct ctf_clock_class *c,
			    char *err, size_t errlen)
{
	i128 ns;
	if (info->clock == RM_CLOCK_MONOTONIC || info->clock == RM_CLOCK_MONOTONIC_COARSE) {
		c->freq = NS_PER_S;
		c->offset_s = (int64_t)floor_div(info->real_minus_mono_ns, NS_PER_S, &ns);
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
	/* The reader only knows an integer freq: compute with that same value,
	 * so the calibration pair itself maps to its instant. */
	i128 freq = (i128)llround(info->tsc_hz);
	i128 tsc = info->calib.tsc;
	i128 whole_s = tsc / freq, part_cycles = tsc % freq;
	/* origin = calib.mono + real - tsc / freq: whole seconds first ... */
	i128 a = (i128)info->calib.mono_ns + info->real_minus_mono_ns - whole_s * NS_PER_S;
	i128 s = floor_div(a, NS_PER_S, &ns);
	/* ... then what is left, ns - part_cycles / freq, rounded to cycles */
	i128 cycles = (ns * freq + NS_PER_S / 2) / NS_PER_S - part_cycles;
	if (cycles < 0) {
		cycles += freq;
		s -= 1;
	} else if (cycles >= freq) {
		cycles -= freq;
		s += 1;
	}
	c->freq = (uint64_t)freq;
	c->offset_s = (int64_t)s;
	c->offset = (uint64_t)cycles;
	return 0;
}
