#include <string.h>

#include "shm_test_util.h"

uint32_t test_arena(struct rm_arena *a, uint32_t chunk_size, uint32_t chunk_count, uint32_t mode)
{
	struct rm_params p;
	rm_params_default(&p);
	p.chunk_size = chunk_size;
	p.chunk_count = chunk_count;
	p.mode = mode;
	if (rm_arena_create(&p, "remora-test", a) || rm_arena_producer_init(a))
		return UINT32_MAX;
	static const char *const names[] = { "seq", "writer", "check" };
	static const uint8_t types[] = { RM_T_U64, RM_T_U32, RM_T_U32 };
	struct rm_event_decl d = { "test", "rec", 3, names, types };
	int64_t id = rm_catalog_add(a, &d);
	a->enable[id] = 1;
	return (uint32_t)id;
}

bool test_write(struct rm_arena *a, struct rm_writer *w, uint32_t id, uint32_t writer,
		uint64_t seq)
{
	struct rm_wr wr;
	unsigned char *p = rm_reserve(a, w, &wr, id, sizeof(struct test_payload));
	if (!p)
		return false;
	struct test_payload t = { seq, writer, test_check(seq, writer) };
	memcpy(p, &t, 8);
	RM_TP(RM_TP_MID_PAYLOAD);
	memcpy(p + 8, (char *)&t + 8, sizeof(t) - 8);
	rm_commit(&wr);
	return true;
}

int collect(void *ctx, const struct rm_packet *p)
{
	struct collector *c = ctx;
	c->packets++;
	if (p->corrupt)
		c->corrupt_packets++;
	c->lost += p->lost;
	size_t off = 0;
	while (off < p->len) {
		const struct rm_record *r = (const void *)(p->data + off);
		struct test_payload t;
		memcpy(&t, r->payload, sizeof(t));
		if (RM_REC_SIZE(r->word) != RM_RECORD_HDR + sizeof(t) || t.writer >= TEST_MAX_WRITERS ||
		    t.check != test_check(t.seq, t.writer)) {
			c->bad++;
		} else {
			uint64_t *next = &c->next[t.writer];
			if (t.seq < *next)
				c->dup++;
			else if (t.seq > *next)
				c->gaps += t.seq - *next;
			*next = t.seq + 1;
			c->records++;
		}
		off += RM_ALIGN8(RM_REC_SIZE(r->word));
	}
	return 0;
}
