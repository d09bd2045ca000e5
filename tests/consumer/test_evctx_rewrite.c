/* The consumer's rewrite of records into a trace's event.context layout
 * (ctl/consumer/consumer_evctx.c): values kept where both masks have them,
 * 0 where the record lacks one, dropped where the trace does not declare
 * it; the payload and timestamp unchanged; the word's size and mask right;
 * padding zeroed. And the names users give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "ctl/consumer/consumer_evctx.h"
#include "ctl/ctf/ctf_packet.h"

/* A record of id 7, ts 99, contexts of mask m (ip 0x1111, cpu 3, slot s
 * value 0x100 + s), payload "abcde". Returns its aligned size. */
static size_t make(unsigned char *b, uint32_t m)
{
	memset(b, 0xee, 256);
	size_t o = RM_RECORD_HDR;
	if (m & RM_EVCTX_IP) {
		uint64_t v = 0x1111;
		memcpy(b + o, &v, 8);
		o += 8;
	}
	if (m & RM_EVCTX_CPU) {
		uint32_t v = 3;
		memcpy(b + o, &v, 4);
		o += 4;
	}
	for (uint32_t s = 0; s < RM_EVCTX_PERF_SLOTS; s++)
		if (m & RM_EVCTX_PERF0 << s) {
			uint64_t v = 0x100 + s;
			memcpy(b + o, &v, 8);
			o += 8;
		}
	memcpy(b + o, "abcde", 5);
	o += 5;
	uint64_t word = (uint64_t)7 << 32 | (uint64_t)m << 24 | o, ts = 99;
	memcpy(b, &word, 8);
	memcpy(b + 8, &ts, 8);
	return (o + 7) & ~(size_t)7;
}

static void check(uint32_t from, uint32_t to)
{
	unsigned char src[256], dst[512];
	make(src, from);
	memset(dst, 0xaa, sizeof(dst));
	size_t n = evctx_rewrite(dst, (const struct rm_record *)src, to);
	uint64_t word, ts;
	memcpy(&word, dst, 8);
	memcpy(&ts, dst + 8, 8);
	size_t size = RM_RECORD_HDR + rm_evctx_size(to) + 5;
	assert_int_equal(RM_REC_SIZE(word), size);
	assert_int_equal(RM_REC_CTX(word), to);
	assert_int_equal(RM_REC_ID(word), 7);
	assert_int_equal(ts, 99);
	assert_int_equal(n, (size + 7) & ~(size_t)7);
	size_t o = RM_RECORD_HDR;
	if (to & RM_EVCTX_IP) {
		uint64_t v;
		memcpy(&v, dst + o, 8);
		assert_int_equal(v, from & RM_EVCTX_IP ? 0x1111 : 0);
		o += 8;
	}
	if (to & RM_EVCTX_CPU) {
		uint32_t v;
		memcpy(&v, dst + o, 4);
		assert_int_equal(v, from & RM_EVCTX_CPU ? 3 : 0);
		o += 4;
	}
	for (uint32_t s = 0; s < RM_EVCTX_PERF_SLOTS; s++)
		if (to & RM_EVCTX_PERF0 << s) {
			uint64_t v;
			memcpy(&v, dst + o, 8);
			assert_int_equal(v, from & RM_EVCTX_PERF0 << s ? 0x100 + s : 0);
			o += 8;
		}
	assert_memory_equal(dst + o, "abcde", 5);
	for (size_t i = size; i < n; i++)
		assert_int_equal(dst[i], 0);
	assert_int_equal(dst[n], 0xaa); /* nothing written past it */
}

static void test_every_pair(void **state)
{
	(void)state;
	for (uint32_t from = 0; from < 256; from++)
		for (uint32_t to = 0; to < 256; to += 5)
			check(from, to);
}

static void test_clear_words(void **state)
{
	(void)state;
	unsigned char b[512];
	size_t n1 = make(b, 0xff);
	unsigned char second[256];
	size_t n2 = make(second, RM_EVCTX_IP);
	memcpy(b + n1, second, n2);
	evctx_clear_words(b, n1 + n2);
	uint64_t word;
	memcpy(&word, b, 8);
	assert_int_equal(RM_REC_CTX(word), 0);
	assert_int_equal(RM_REC_SIZE(word), RM_RECORD_HDR + rm_evctx_size(0xff) + 5);
	memcpy(&word, b + n1, 8);
	assert_int_equal(RM_REC_CTX(word), 0);
	assert_int_equal(RM_REC_SIZE(word), RM_RECORD_HDR + 8 + 5);
}

static void test_names(void **state)
{
	(void)state;
	char err[256];
	uint32_t bit = 0;
	assert_int_equal(rm_evctx_parse("ip", &bit, err, sizeof(err)), 1);
	assert_int_equal(bit, CTF_CTX_IP);
	assert_int_equal(rm_evctx_parse("cpu_id", &bit, err, sizeof(err)), 1);
	assert_int_equal(bit, CTF_CTX_CPU);
	assert_int_equal(rm_evctx_parse("perf:thread:page-faults", &bit, err, sizeof(err)), 1);
	assert_true(bit & CTF_CTX_EVENT);
	assert_int_equal(bit & CTF_CTX_PACKET, 0);
	assert_int_equal(rm_evctx_parse("perf:thread:nosuch", &bit, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'nosuch'"));
	assert_int_equal(rm_evctx_parse("vtid", &bit, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_pair),
		cmocka_unit_test(test_clear_words),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
