/* Harness (a): an arena image read by the consumer exactly as in
 * production. The image goes into a sealed memfd, rm_arena_attach checks
 * and maps it, rm_reader_new + rm_reader_drain read it (the consumer closes
 * the fd before creating the reader, as ctl/consumer/consumer_conn.c does), and every
 * packet handed over is checked against what the reader promises: records
 * 8-byte aligned inside the packet, ids of valid catalog entries, payloads
 * that decode, timestamps in order.
 *
 * Input: one byte of flags, then the image. The memfd gets the size the
 * image's header declares (up to CAP; the bytes past the image are zero,
 * so an image need not carry the empty tail of a real arena), or exactly
 * the image's length (flag EXACT, or a header that declares no valid
 * layout), which exercises the size checks.
 *
 * Flags:
 *   bits 0-1  liveness: 0 /proc as in production, 1 every owner dead,
 *             2 every owner alive, 3 alternating
 *   bit 2     the first drain is final
 *   bit 3     restart: a second reader attaches the same fd and resumes
 *             (from desc->consumed) after the first one
 *   bit 4     the packet callback stops the first drain at its first packet
 *   bit 5     EXACT size
 *   bit 6     no seals (attach must refuse)
 *   bit 7     a third drain, final, after the others */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "shm/arena.h"
#include "shm/catalog.h"
#include "shm/reader.h"

#define CAP (8u << 20)

struct ctx {
	struct rm_reader *r;
	struct rm_arena *a;
	bool stop_first;
	unsigned packets;
};

struct alive {
	int mode;
	unsigned calls;
};

static int alive_fixed(void *arg, uint32_t pid, uint32_t tid, uint64_t *start_time)
{
	(void)pid;
	(void)tid;
	(void)start_time;
	struct alive *m = arg;
	if (m->mode == 3)
		return (int)(++m->calls & 1);
	return m->mode == 2;
}

static int check_packet(void *arg, const struct rm_packet *p)
{
	struct ctx *c = arg;
	FUZZ_CHECK(p->slot < c->a->slot_max && p->level < RM_LEVELS);
	FUZZ_CHECK(p->len % 8 == 0 && p->len <= c->a->chunk_size);
	FUZZ_CHECK(p->len || p->lost || p->corrupt);
	size_t off = 0;
	uint32_t n = 0;
	uint64_t last = 0;
	while (off < p->len) {
		FUZZ_CHECK(p->len - off >= RM_RECORD_HDR);
		struct rm_record h;
		memcpy(&h, p->data + off, sizeof(h));
		uint32_t size = RM_REC_SIZE(h.word), asz = RM_ALIGN8(size);
		FUZZ_CHECK(size >= RM_RECORD_HDR && asz <= p->len - off);
		const struct rm_event_info *e = rm_reader_event(c->r, RM_REC_ID(h.word));
		FUZZ_CHECK(e && e->valid);
		FUZZ_CHECK(rm_payload_ok(e, p->data + off + RM_RECORD_HDR, size - RM_RECORD_HDR));
		FUZZ_CHECK(h.ts >= last);
		if (n == 0)
			FUZZ_CHECK(h.ts == p->ts_begin);
		last = h.ts;
		off += asz;
		n++;
	}
	FUZZ_CHECK(n == p->nrecords);
	if (n)
		FUZZ_CHECK(last == p->ts_end);
	c->packets++;
	return c->stop_first && c->packets == 1;
}

static void drain(struct rm_arena *a, struct rm_reader *r, bool final, bool stop_first)
{
	struct ctx c = { r, a, stop_first, 0 };
	int ret = rm_reader_drain(r, final, check_packet, &c);
	FUZZ_CHECK(ret == 0 || (stop_first && ret == 1));
	/* after a final drain every chunk a producer held is back (a state
	 * naming no valid slot or level is garbage the reader skips) */
	if (final && ret == 0)
		for (uint32_t i = 0; i < a->chunk_count; i++) {
			uint64_t s = __atomic_load_n(&a->descs[i].state, __ATOMIC_RELAXED);
			uint32_t k = RM_CS_KIND(s);
			if (RM_CS_SLOT(s) >= a->slot_max || RM_CS_LEVEL(s) >= RM_LEVELS)
				continue;
			FUZZ_CHECK(k != RM_CHUNK_OWNED && k != RM_CHUNK_FULL &&
				   k != RM_CHUNK_CONSUMING);
		}
}

static size_t image_size(const uint8_t *img, size_t n, bool exact)
{
	struct rm_arena_hdr h;
	if (exact || n < sizeof(h))
		return n;
	memcpy(&h, img, sizeof(h));
	struct rm_params p = {
		.chunk_size = h.chunk_size, .chunk_count = h.chunk_count,
		.small_size = h.small_size, .small_count = h.small_count, .event_max = h.event_max,
		.pid_max = h.pid_max, .slot_max = h.slot_max, .mode = h.mode, .clock = h.clock,
	};
	struct rm_layout l;
	if (rm_layout_compute(&p, &l) < 0 || l.arena_size > CAP)
		return n;
	return l.arena_size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	const uint8_t *img = data + 1;
	size_t n = size - 1, fsize = image_size(img, n, flags & 0x20);
	if (n > fsize)
		n = fsize;
	int fd = memfd_create("fuzz-arena", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(ftruncate(fd, (off_t)fsize) == 0);
	FUZZ_CHECK(pwrite(fd, img, n, 0) == (ssize_t)n);
	if (!(flags & 0x40))
		FUZZ_CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0);

	char err[256];
	struct rm_arena a;
	if (rm_arena_attach(fd, &a, err, sizeof(err)) < 0) {
		FUZZ_CHECK(err[0] != 0);
		close(fd);
		return 0;
	}
	FUZZ_CHECK(!(flags & 0x40));
	struct alive mode = { flags & 3, 0 };
	/* The consumer keeps only the mapping (ctl/consumer/consumer_conn.c on_hello). */
	a.fd = -1;
	struct rm_reader *r = rm_reader_new(&a);
	FUZZ_CHECK(r);
	if (mode.mode)
		rm_reader_set_alive(r, alive_fixed, &mode);
	drain(&a, r, flags & 4, flags & 0x10);
	drain(&a, r, false, false);
	rm_reader_free(r);

	if (flags & 8) {
		/* a restarted consumer: a new attach of the same fd, a new reader */
		struct rm_arena b;
		FUZZ_CHECK(rm_arena_attach(fd, &b, err, sizeof(err)) == 0);
		r = rm_reader_new(&b);
		FUZZ_CHECK(r);
		if (mode.mode)
			rm_reader_set_alive(r, alive_fixed, &mode);
		drain(&b, r, false, false);
		if (flags & 0x80)
			drain(&b, r, true, false);
		rm_reader_free(r);
		rm_arena_unmap(&b);
	} else if (flags & 0x80) {
		r = rm_reader_new(&a);
		FUZZ_CHECK(r);
		drain(&a, r, true, false);
		rm_reader_free(r);
	}
	rm_arena_unmap(&a);
	close(fd);
	return 0;
}
