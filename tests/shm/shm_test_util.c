#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shm_test_util.h"

uint32_t test_arena(struct rm_arena *a, uint32_t chunk_size, uint32_t chunk_count, uint32_t mode)
{
	struct rm_params p;
	rm_params_default(&p);
	p.chunk_size = chunk_size;
	p.chunk_count = chunk_count;
	p.small_count = 0; /* one class: the tests count chunks */
	/* a small catalog: the corruption test scribbles over every region,
	 * and 65,536 entries (48 MiB) made each of its rounds touch them all */
	p.event_max = 1024;
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

bool test_under_valgrind(void)
{
	const char *v = getenv("REMORA_UNDER_VALGRIND");
	return v && *v == '1';
}

uint64_t test_iters(uint64_t normal, uint64_t valgrind)
{
	return test_under_valgrind() ? valgrind : normal;
}

void tracker_init(struct tracker *t, uint32_t nwriters, uint64_t max_seq)
{
	memset(t, 0, sizeof(*t));
	t->nwriters = nwriters;
	t->max_seq = max_seq;
	t->seen = calloc(nwriters, sizeof(*t->seen));
	t->count = calloc(nwriters, sizeof(*t->count));
	t->last = calloc(nwriters, sizeof(*t->last));
	t->lost = calloc(nwriters, sizeof(*t->lost));
	t->order_w = calloc(nwriters, sizeof(*t->order_w));
	t->who = calloc(nwriters, sizeof(*t->who));
	for (uint32_t i = 0; i < nwriters; i++)
		t->seen[i] = calloc(max_seq / 8 + 1, 1);
}

void tracker_free(struct tracker *t)
{
	for (uint32_t i = 0; i < t->nwriters; i++)
		free(t->seen[i]);
	free(t->seen);
	free(t->count);
	free(t->last);
	free(t->lost);
	free(t->order_w);
	free(t->who);
	memset(t, 0, sizeof(*t));
}

bool tracker_has(const struct tracker *t, uint32_t w, uint64_t seq)
{
	return seq < t->max_seq && (t->seen[w][seq / 8] >> (seq % 8) & 1);
}

uint64_t tracker_missing(const struct tracker *t, uint32_t w, uint64_t below)
{
	uint64_t n = 0;
	for (uint64_t s = 0; s < below && s < t->max_seq; s++)
		n += !tracker_has(t, w, s);
	return n;
}

void tracker_resolve(struct tracker *t)
{
	for (uint32_t k = 0; k < t->npending;) {
		uint32_t i;
		for (i = 0; i < t->nwriters && t->who[i] != t->pending_key[k]; i++)
			;
		if (i == t->nwriters) {
			k++;
			continue;
		}
		t->lost[i] += t->pending_lost[k];
		t->lost_unknown -= t->pending_lost[k];
		t->npending--;
		t->pending_key[k] = t->pending_key[t->npending];
		t->pending_lost[k] = t->pending_lost[t->npending];
	}
}

int track(void *ctx, const struct rm_packet *p)
{
	struct tracker *t = ctx;
	tracker_resolve(t);
	t->packets++;
	if (p->corrupt)
		t->corrupt_packets++;
	if (p->lost) {
		t->lost_total += p->lost;
		uint32_t key = t->by_tid ? p->tid : p->pid, i;
		for (i = 0; i < t->nwriters && t->who[i] != key; i++)
			;
		if (i < t->nwriters && key)
			t->lost[i] += p->lost;
		else {
			t->lost_unknown += p->lost;
			if (key && t->npending < 64) {
				t->pending_key[t->npending] = key;
				t->pending_lost[t->npending++] = p->lost;
			}
		}
		if (!p->len)
			t->empty_lost_packets++;
	}
	size_t off = 0;
	while (off + RM_RECORD_HDR <= p->len) {
		const struct rm_record *r = (const void *)(p->data + off);
		struct test_payload tp;
		uint32_t size = RM_REC_SIZE(r->word);
		if (size != RM_RECORD_HDR + sizeof(tp) || size > p->len - off) {
			t->bad++;
			break;
		}
		memcpy(&tp, r->payload, sizeof(tp));
		if (tp.writer >= t->nwriters || tp.seq >= t->max_seq ||
		    tp.check != test_check(tp.seq, tp.writer)) {
			t->bad++;
		} else if (tracker_has(t, tp.writer, tp.seq)) {
			t->dup++;
		} else {
			t->seen[tp.writer][tp.seq / 8] |= (uint8_t)(1u << (tp.seq % 8));
			if (tp.seq + 1 <= t->last[tp.writer]) {
				t->order++;
				t->order_w[tp.writer]++;
			}
			else
				t->last[tp.writer] = tp.seq + 1;
			t->count[tp.writer]++;
			t->records++;
		}
		off += RM_ALIGN8(size);
	}
	return 0;
}
