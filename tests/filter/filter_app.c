/* The traced program of the filter tests.
 *   filter_app many      100,000 ft:req, id 0..99,999, path "/a/N" (even id) or "/b/N"
 *   filter_app types     1,000 ft:types, one field of each type, from i = 0..999
 *   filter_app run FILE  ft:req every 200 us, path "/a/..." then "/b/..." in
 *                        turns of 50, until FILE exists (the mid-run change test)
 *   filter_app cycle FILE  ft:req every 100 us, id cycling 0..999, path "/a/N",
 *                        until FILE exists (the inline prefilter test)
 *   filter_app v1        an event descriptor of ABI version 1 (built by hand, as
 *                        the macros of version 1 built it): waits up to 5 s for
 *                        its enable byte to name a filter, then emits ft:v1
 *                        id 0..99 as version 1's macro did (remora_filter_pass,
 *                        then reserve); prints "v1 kept N stub_private P" */
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

static int v1(void)
{
	static const struct remora_field fields[] = { { "id", REMORA_T_U64, { 0 } }, { 0, 0, { 0 } } };
	static struct remora_event ev = { sizeof(struct remora_event), 1, &remora_off, 0, 1,
					  "ft", "v1", fields, 0, 0 };
	static struct remora_event *const sect[] = { &ev };
	remora_register_events(sect, sect + 1);
	struct timespec ms = { 0, 1000000 };
	for (int i = 0; i < 5000 && *__atomic_load_n(&ev.enabled, __ATOMIC_ACQUIRE) < REMORA_ENABLE_FILTERED; i++)
		nanosleep(&ms, NULL);
	int kept = 0;
	for (uint64_t id = 0; id < 100; id++) {
		uint8_t on = *__atomic_load_n(&ev.enabled, __ATOMIC_RELAXED);
		if (!on)
			continue;
		uint64_t c = id;
		if (on >= REMORA_ENABLE_FILTERED && !remora_filter_pass(&ev, (const void *const[]){ &c, 0 }))
			continue;
		kept++;
		struct remora_wr w;
		unsigned char *p = remora_reserve(&ev, 8, &w);
		if (p) {
			memcpy(p, &id, 8);
			remora_commit(&w);
		}
	}
	printf("v1 kept %d stub_private %p\n", kept, (void *)ev.stub_private);
	remora_unregister_events(sect, sect + 1);
	return 0;
}

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
	if (argc >= 2 && !strcmp(argv[1], "v1"))
		return v1();
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
	fprintf(stderr, "usage: filter_app many | types | run FILE | cycle FILE | v1\n");
	return 2;
}
