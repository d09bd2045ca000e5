/* Harness (g): no silent loss (issue 19). Per (slot, level) context, the
 * records handed over plus the records counted lost equal the records the
 * producer was asked to write, whatever a hostile app scribbles on the
 * records it committed.
 *
 * From the input, a deterministic scenario: a small arena created in this
 * process (8 KiB x 8 large chunks, 4 KiB x 8 small), N records written
 * through the real producer path (rm_reserve / rm_commit with a
 * thread-local struct rm_writer) at nesting levels, sizes and string
 * lengths the input chooses. The arena is small, so chunks get sealed as
 * the writer goes past their ends, and records get dropped (counted) once
 * every chunk is taken. Then corruptions chosen by the input are applied
 * to bytes inside committed records of sealed (FULL) chunks only: record
 * words, timestamps, payload and padding bytes; never descriptors, slots
 * or the header. Then one final drain (optionally after a non-final one),
 * summing per level the records handed over and the `lost` of every
 * packet.
 *
 * Checks, per level (the one slot is the only context set):
 *   - no corruption applied: handed == committed and lost == dropped by
 *     the producer, exactly;
 *   - otherwise handed + lost >= committed + dropped (nothing vanishes:
 *     a corrupted record that still validates counts as handed), and
 *     handed + lost <= committed + dropped + extra, where extra sums, over
 *     the corrupted chunks, the chunk's length / 16 minus the records
 *     committed in it. The tighter "+ number of corruptions" does not
 *     hold: a record word whose size is scribbled smaller makes the walk
 *     read the record's own payload (and, once out of step, the records
 *     after it) as records; each 16-byte step whose word has a sane size
 *     is a record, handed or refused and counted lost, and the reader
 *     counts lost max(committed - walked, refused) for a sealed chunk
 *     (settle_chunk()), so one scribbled byte can add several. Example:
 *     string records of 21 bytes ending in a char 17..24, 48 bytes each;
 *     a size scribbled to 16 makes the walk step 16 (n = 21 as a size),
 *     24 (the last char as a size), 24, and so on: two refused "records"
 *     per real one to the chunk's end. (Random string contents make that
 *     unlikely here; 40 s of libFuzzer with the tighter check found no
 *     break, but an app chooses its payloads.) A walk
 *     never finds more records than a chunk holds 16-byte steps, hence
 *     the bound;
 *   - every packet's losses by cause (lost_by) add up to its lost;
 *   - no crash, no sanitizer report, nothing counted lost outside the
 *     slot (rm_reader_lost_global), and the descriptor's committed count
 *     of every sealed chunk is the number of records written there.
 *
 * Input (bytes past the end read as 0):
 *   u8 flags      bit 0: a non-final drain before the final one
 *   u16 nrec      % (MAX_REC + 1)
 *   u8 ncorr      % (MAX_CORR + 1)
 *   u8 seed       string contents
 *   nrec x { u8 a, u8 b }   level = a & 3; a & 4: the fixed-size event,
 *                 else a string of ((a >> 3) << 8 | b) % MAX_STR bytes
 *   ncorr x { u16 rec, u16 off, u8 val, u8 op }
 *                 rec % (records in sealed chunks), off % the record's
 *                 aligned size; op % 4: 0 set the byte to val, 1 xor it
 *                 with val | 1, 2 add (int8)val to the size in the word,
 *                 3 subtract val * 8 from the timestamp */
#define _GNU_SOURCE
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "shm/arena.h"
#include "shm/catalog_write.h"
#include "shm/producer.h"
#include "shm/reader.h"

#define MAX_REC 1024u
#define MAX_CORR 16u
#define MAX_STR 1500u

struct in {
	const uint8_t *p;
	size_t n, at;
};

static uint8_t u8(struct in *in)
{
	return in->at < in->n ? in->p[in->at++] : 0;
}

static uint16_t u16(struct in *in)
{
	uint16_t hi = u8(in);
	return (uint16_t)(hi << 8 | u8(in));
}

struct rec {
	uint32_t chunk, off, asz, level;
};

static __thread struct rm_writer tw;
static struct rec recs[MAX_REC];
static uint32_t sealed_idx[MAX_REC];

struct counts {
	uint64_t handed[RM_LEVELS], lost[RM_LEVELS];
	uint32_t slot;
	struct rm_reader *r;
};

static int count_packet(void *arg, const struct rm_packet *p)
{
	struct counts *c = arg;
	FUZZ_CHECK(p->slot == c->slot && p->level < RM_LEVELS);
	FUZZ_CHECK(p->len % 8 == 0);
	FUZZ_CHECK(p->len || p->lost || p->corrupt);
	/* the data is what nrecords says */
	size_t off = 0;
	uint32_t n = 0;
	while (off < p->len) {
		FUZZ_CHECK(p->len - off >= RM_RECORD_HDR);
		struct rm_record h;
		memcpy(&h, p->data + off, sizeof(h));
		uint32_t size = RM_REC_SIZE(h.word);
		FUZZ_CHECK(size >= RM_RECORD_HDR && RM_ALIGN8(size) <= p->len - off);
		const struct rm_event_info *e = rm_reader_event(c->r, RM_REC_ID(h.word));
		FUZZ_CHECK(e && e->valid);
		FUZZ_CHECK(rm_payload_ok(e, p->data + off + RM_RECORD_HDR, size - RM_RECORD_HDR));
		off += RM_ALIGN8(size);
		n++;
	}
	FUZZ_CHECK(n == p->nrecords);
	/* the reader names a cause for every record it counts lost (the
	 * CTF discarded_* fields, `remora view`'s causes) */
	uint64_t by = 0;
	for (int i = 0; i < RM_LOST_CAUSES; i++)
		by += p->lost_by[i];
	FUZZ_CHECK(by == p->lost);
	c->handed[p->level] += p->nrecords;
	c->lost[p->level] += p->lost;
	return 0;
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size, 0 };
	uint8_t flags = u8(&in);
	uint32_t nrec = u16(&in) % (MAX_REC + 1);
	uint32_t ncorr = u8(&in) % (MAX_CORR + 1);
	uint64_t rng = 0x9e3779b97f4a7c15ull ^ u8(&in);

	struct rm_params prm;
	rm_params_default(&prm);
	prm.chunk_size = 8192;
	prm.chunk_count = 8;
	prm.small_size = 4096;
	prm.small_count = 8;
	prm.event_max = 8;
	prm.pid_max = 4;
	prm.slot_max = 4;
	struct rm_arena a;
	FUZZ_CHECK(rm_arena_create(&prm, "fuzz-invariant", &a) == 0);
	FUZZ_CHECK(rm_arena_producer_init(&a) == 0);
	static const char *const fix_names[] = { "seq", "v" };
	static const uint8_t fix_types[] = { RM_T_U64, RM_T_U32 };
	static const char *const str_names[] = { "n", "s" };
	static const uint8_t str_types[] = { RM_T_U32, RM_T_STRING };
	struct rm_event_decl dfix = { "fuzz", "fix", 2, fix_names, fix_types };
	struct rm_event_decl dstr = { "fuzz", "str", 2, str_names, str_types };
	int64_t id_fix = rm_catalog_add(&a, &dfix), id_str = rm_catalog_add(&a, &dstr);
	FUZZ_CHECK(id_fix >= 0 && id_str >= 0);
	a.enable[id_fix] = a.enable[id_str] = 1;

	/* write */
	memset(&tw, 0, sizeof(tw));
	uint64_t committed[RM_LEVELS] = { 0 }, dropped[RM_LEVELS] = { 0 };
	uint32_t ncommit = 0;
	for (uint32_t i = 0; i < nrec; i++) {
		uint8_t x = u8(&in), y = u8(&in);
		uint32_t level = x & 3;
		bool fix = x & 4;
		uint32_t slen = ((uint32_t)(x >> 3) << 8 | y) % MAX_STR;
		size_t payload = fix ? 12 : 4 + slen + 1;
		tw.depth = level; /* as in a handler nested that deep */
		struct rm_wr wr;
		unsigned char *p = rm_reserve(&a, &tw, &wr, (uint32_t)(fix ? id_fix : id_str), payload);
		if (!p) {
			tw.depth = 0;
			dropped[level]++;
			continue;
		}
		if (fix) {
			uint64_t seq = i;
			uint32_t v = (uint32_t)next_rand(&rng);
			memcpy(p, &seq, 8);
			memcpy(p + 8, &v, 4);
		} else {
			memcpy(p, &slen, 4);
			for (uint32_t k = 0; k < slen; k++)
				p[4 + k] = (unsigned char)(1 + next_rand(&rng) % 255);
			p[4 + slen] = 0;
		}
		char *chunk = rm_chunk_addr(&a, tw.lv[level].chunk);
		recs[ncommit++] = (struct rec){ tw.lv[level].chunk, (uint32_t)((char *)wr.rec - chunk),
						RM_ALIGN8(RM_RECORD_HDR + (uint32_t)payload), level };
		rm_commit(&wr);
		tw.depth = 0;
		committed[level]++;
	}
	FUZZ_CHECK(tw.slot1 != 0 || ncommit == 0);
	uint32_t slot = tw.slot1 ? tw.slot1 - 1 : 0;

	/* the records of sealed chunks, and each sealed chunk's count */
	uint32_t nsealed = 0;
	uint32_t per_chunk[16] = { 0 };
	for (uint32_t i = 0; i < ncommit; i++) {
		uint64_t s = a.descs[recs[i].chunk].state;
		if (RM_CS_KIND(s) == RM_CHUNK_FULL) {
			sealed_idx[nsealed++] = i;
			per_chunk[recs[i].chunk]++;
		}
	}
	for (uint32_t k = 0; k < a.chunk_count; k++)
		if (RM_CS_KIND(a.descs[k].state) == RM_CHUNK_FULL)
			FUZZ_CHECK(a.descs[k].committed == per_chunk[k]);

	/* corrupt */
	uint32_t applied = 0;
	bool hit[16] = { false };
	uint64_t extra[RM_LEVELS] = { 0 };
	for (uint32_t j = 0; j < ncorr; j++) {
		uint16_t ri = u16(&in), bo = u16(&in);
		uint8_t val = u8(&in), op = u8(&in);
		if (!nsealed)
			continue;
		const struct rec *rc = &recs[sealed_idx[ri % nsealed]];
		unsigned char *rp = (unsigned char *)rm_chunk_addr(&a, rc->chunk) + rc->off;
		unsigned char before[RM_RECORD_HDR];
		memcpy(before, rp, sizeof(before));
		unsigned char *b = rp + bo % rc->asz, old = *b;
		uint64_t v;
		switch (op % 4) {
		case 0: *b = val; break;
		case 1: *b ^= val | 1; break;
		case 2:
			memcpy(&v, rp, 8);
			v = (v & ~0xffffffffull) | (uint32_t)(RM_REC_SIZE(v) + (int8_t)val);
			memcpy(rp, &v, 8);
			break;
		default:
			memcpy(&v, rp + 8, 8);
			v -= (uint64_t)val * 8;
			memcpy(rp + 8, &v, 8);
			break;
		}
		if (*b == old && !memcmp(before, rp, sizeof(before)))
			continue; /* nothing changed */
		applied++;
		if (!hit[rc->chunk]) {
			hit[rc->chunk] = true;
			extra[rc->level] += rm_chunk_len(&a, rc->chunk) / RM_RECORD_HDR - per_chunk[rc->chunk];
		}
	}

	/* drain */
	struct rm_reader *r = rm_reader_new(&a);
	FUZZ_CHECK(r);
	struct counts c = { .slot = slot, .r = r };
	if (flags & 1)
		FUZZ_CHECK(rm_reader_drain(r, false, count_packet, &c) == 0);
	FUZZ_CHECK(rm_reader_drain(r, true, count_packet, &c) == 0);
	FUZZ_CHECK(rm_reader_lost_global(r) == 0);

	uint64_t handed = 0, lost = 0;
	for (uint32_t l = 0; l < RM_LEVELS; l++) {
		uint64_t want = committed[l] + dropped[l], got = c.handed[l] + c.lost[l];
		if (!applied) {
			FUZZ_CHECK(c.handed[l] == committed[l]);
			FUZZ_CHECK(c.lost[l] == dropped[l]);
		}
		FUZZ_CHECK(got >= want);
		FUZZ_CHECK(got <= want + extra[l]);
		handed += c.handed[l];
		lost += c.lost[l];
	}
	const struct rm_reader_stats *st = rm_reader_stats(r);
	FUZZ_CHECK(st->records == handed && st->lost == lost);
	if (!applied)
		FUZZ_CHECK(st->corrupt == 0 && st->refused_records == 0 && st->lost_corrupt == 0);

	rm_reader_free(r);
	munmap(a.proc, 4096);
	rm_arena_unmap(&a);
	close(a.fd);
	return 0;
}
