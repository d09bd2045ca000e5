/* Harness (d), streams: a trace's metadata and one stream file through the
 * reader of `remora view` (ctfr_meta_parse, then ctfr_stream_next over
 * memory until the end). Input: u32 metadata length (little-endian), the
 * metadata text, the stream bytes (the seeds are real traces written by
 * ctl/ctf/ctf_writer.c). Checks: the stream ends, having yielded at most one
 * item per smallest record (6 bytes with compact event headers, 16 with the
 * older ones: so it never loops without consuming input); every
 * event names a declared class and its values of that class's types; every
 * string or byte sequence points inside the stream; offsets move forward. */
#include <string.h>

#include "ctl/ctf/ctf_event_hdr.h"
#include "ctl/ctf/ctf_reader.h"
#include "fuzz.h"

static void on_error(void *ctx, uint64_t offset, const char *what)
{
	(void)offset;
	FUZZ_CHECK(what && what[0]);
	(*(uint64_t *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	uint32_t mlen;
	memcpy(&mlen, data, 4);
	data += 4, size -= 4;
	if (mlen > size)
		mlen = (uint32_t)size;
	struct ctfr_meta m;
	char err[256];
	if (ctfr_meta_parse((const char *)data, mlen, &m, err, sizeof(err)) < 0)
		return 0;
	const unsigned char *st = data + mlen;
	struct ctfr_mem mem = { st, size - mlen };
	struct ctfr_stream s;
	uint64_t errors = 0;
	ctfr_stream_init(&s, &m, ctfr_mem_source(&mem), on_error, &errors);
	struct ctfr_item it;
	uint64_t items = 0, last_off = 0;
	enum ctfr_kind k;
	while ((k = ctfr_stream_next(&s, &it)) != CTFR_END) {
		FUZZ_CHECK(k == CTFR_EVENT || k == CTFR_LOST);
		FUZZ_CHECK(++items <= mem.len / (m.compact ? CTF_HDR_COMPACT : RM_RECORD_HDR) + 2);
		FUZZ_CHECK(it.offset < mem.len);
		FUZZ_CHECK(items == 1 || it.offset >= last_off);
		last_off = it.offset;
		if (k == CTFR_LOST) {
			FUZZ_CHECK(it.lost > 0);
			continue;
		}
		FUZZ_CHECK(it.ev && ctfr_meta_event(&m, it.ev->id) == it.ev);
		for (uint32_t f = 0; f < it.ev->nfields; f++) {
			const struct ctfr_value *v = &it.v[f];
			FUZZ_CHECK(v->type == it.ev->fields[f].type);
			if (v->type == RM_T_STRING || v->type == RM_T_BYTES) {
				FUZZ_CHECK(v->b.p >= st && v->b.n <= mem.len &&
					   (size_t)(v->b.p - st) <= mem.len - v->b.n);
				if (v->type == RM_T_STRING)
					FUZZ_CHECK(memchr(v->b.p, 0, v->b.n) == NULL);
			}
		}
	}
	/* at the end it stays at the end */
	FUZZ_CHECK(ctfr_stream_next(&s, &it) == CTFR_END);
	FUZZ_CHECK(errors == s.errors);
	ctfr_meta_free(&m);
	return 0;
}
