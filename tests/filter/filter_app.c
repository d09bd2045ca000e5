/* The traced program of the filter tests.
 *   filter_app many      100,000 ft:req, id 0..99,999, path "/a/N" (even id) or "/b/N"
 *   filter_app types     1,000 ft:types, one field of each type, from i = 0..999
 *   filter_app run FILE  ft:req every 200 us, path "/a/..." then "/b/..." in
 *                        turns of 50, until FILE exists (the mid-run change test)
 *   filter_app cycle FILE  ft:req every 100 us, id cycling 0..999, path "/a/N",
 *                        until FILE exists (the inline prefilter test) */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <remora/remora.h>

REMORA_EVENT(ft, req, (uint64_t, id), (const char *, path));
REMORA_EVENT(ft, types, (int32_t, s32), (uint16_t, u16), (uint64_t, u64), (int8_t, s8),
	     (double, f64), (float, f32), (bool, flag), (const char *, name));

int main(int argc, char **argv)
{
	char path[64];
	if (argc >= 2 && !strcmp(argv[1], "many")) {
		for (uint64_t i = 0; i < 100000; i++) {
			snprintf(path, sizeof(path), "/%c/%llu", i % 2 ? 'b' : 'a', (unsigned long long)i);
			remora_trace(ft, req, i, path);
		}
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "types")) {
		static const char *const names[] = { "alpha", "beta", "gamma", "a*b" };
		for (int i = 0; i < 1000; i++)
			remora_trace(ft, types, i - 500, (uint16_t)(i * 60), (uint64_t)i << 54,
				     (int8_t)(i - 128), i / 4.0, (float)i / 8.0f, i % 3 == 0,
				     names[i % 4]);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "run")) {
		struct timespec ts = { 0, 200000 };
		for (uint64_t i = 0; access(argv[2], F_OK) != 0 && i < 1000000; i++) {
			snprintf(path, sizeof(path), "/%c/%llu", (i / 50) % 2 ? 'b' : 'a', (unsigned long long)i);
			remora_trace(ft, req, i, path);
			nanosleep(&ts, NULL);
		}
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "cycle")) {
		struct timespec ts = { 0, 100000 };
		for (uint64_t i = 0; access(argv[2], F_OK) != 0 && i < 10000000; i++) {
			snprintf(path, sizeof(path), "/a/%llu", (unsigned long long)i);
			remora_trace(ft, req, i % 1000, path);
			if (i % 4 == 3)
				nanosleep(&ts, NULL);
		}
		return 0;
	}
	fprintf(stderr, "usage: filter_app many | types | run FILE | cycle FILE\n");
	return 2;
}
