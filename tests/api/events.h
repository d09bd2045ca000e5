/* Events of the API tests; included by two translation units
 * (test_api.c and second_tu.c) as an application header would be. */
#ifndef REMORA_TESTS_API_EVENTS_H
#define REMORA_TESTS_API_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <remora/remora.h>

REMORA_EVENT(myapp, request, (uint64_t, id), (uint32_t, len), (const char *, path));
REMORA_EVENT(t, empty);
REMORA_EVENT(t, ints, (uint8_t, u8), (uint16_t, u16), (uint32_t, u32), (uint64_t, u64),
	     (int8_t, s8), (int16_t, s16), (int32_t, s32), (int64_t, s64));
REMORA_EVENT(t, ctypes, (char, c), (signed char, sc), (unsigned char, uc), (short, s),
	     (unsigned short, us), (int, i), (unsigned, u), (long, l), (unsigned long, ul),
	     (long long, ll), (unsigned long long, ull), (size_t, sz), (ssize_t, ssz), (bool, b));
REMORA_EVENT(t, reals, (float, f), (double, d));
REMORA_EVENT(t, flags, (bool, a), (bool, b));
REMORA_EVENT(t, strings, (const char *, a), (char *, b));
REMORA_EVENT(t, blobs, (remora_bytes, a), (uint8_t, sep), (remora_bytes, b));
REMORA_EVENT(t, addr, (const void *, p));
REMORA_EVENT(t, sixteen, (uint8_t, f1), (int16_t, f2), (uint32_t, f3), (int64_t, f4),
	     (bool, f5), (float, f6), (double, f7), (const char *, f8), (remora_bytes, f9),
	     (int8_t, f10), (uint16_t, f11), (int32_t, f12), (uint64_t, f13), (char *, f14),
	     (size_t, f15), (long, f16));

/* second_tu.c */
void second_tu_trace(uint64_t id, uint32_t len, const char *path);
struct remora_event *second_tu_request_event(void);

#endif
