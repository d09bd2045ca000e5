/* The torture's checker: every packet the reader hands over is taken
 * apart record by record (each one intact, seen once, in order per writer
 * and level) and goes to the CTF trace (on_packet); the consumer's attach,
 * its drains (none may take a second) and its restarts in the middle of
 * one (reader_open, reader_close, drain); and at the end of a round, the
 * account per thread of what its writers attempted, what was received and
 * what was reported lost (check_round). Apart from torture.c, which spawns,
 * stops and kills the producers and runs the rounds, because this is what
 * the torture proves: the list of checks at the top of torture.c. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctl/ctf/ctf_writer.h"
#include "shm/reader.h"
#include "torture_common.h"

struct check_state ck;

static uint64_t *lost_slot(uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	for (uint32_t i = 0; i < LOST_SLOTS; i++) {
		struct lostent *e = &ck.lost[(h + i) % LOST_SLOTS];
		if (e->key == key || e->key == 0) {
			e->key = key;
			return &e->lost;
		}
	}
	FAILF("lost table full");
}

static int on_packet(void *arg, const struct rm_packet *p)
{
	struct rdr *d = arg;
	ck.packets++;
	if (p->corrupt)
		ck.corrupt++;
	if (p->lost) {
		ck.lost_total += p->lost;
		*lost_slot((uint64_t)p->pid << 32 | p->tid) += p->lost;
	}
	size_t off = 0;
	while (off + RM_RECORD_HDR <= p->len) {
		const struct rm_record *r = (const void *)(p->data + off);
		uint32_t size = RM_REC_SIZE(r->word);
		unsigned char want[20 + T_PAD_MAX];
		uint64_t seq;
		uint32_t writer;
		memcpy(&seq, r->payload, 8);
		memcpy(&writer, r->payload + 8, 4);
		if (writer >= T_MAXW || seq >= T_MAX_SEQ ||
		    size != RM_RECORD_HDR + t_payload(want, writer, seq) ||
		    memcmp(r->payload, want, size - RM_RECORD_HDR)) {
			ck.bad++;
			if (verbose)
				fprintf(stderr, "bad record: writer %u seq %llu size %u\n", writer,
					(unsigned long long)seq, size);
			break;
		}
		struct wstate *w = &ck.w[writer];
		if (!w->seen && !(w->seen = calloc(T_MAX_SEQ / 8, 1)))
			FAILF("out of memory");
		if (w->seen[seq / 8] >> (seq % 8) & 1) {
			ck.dup++;
		} else {
			w->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
			w->count++;
			ck.records++;
		}
		if (seq + 1 <= w->last[p->level])
			ck.order++;
		else
			w->last[p->level] = seq + 1;
		off += RM_ALIGN8(size);
	}
	/* into the trace, as `remora record` would */
	for (uint32_t id = 0; round_to_ctf && id < rm_reader_event_count(d->r); id++) {
		const struct rm_event_info *e = rm_reader_event(d->r, id);
		if (e && ctf_writer_event_class(ctf, e, ctf_err, sizeof(ctf_err)))
			FAILF("ctf: %s", ctf_err);
	}
	if (!round_to_ctf)
		goto out;
	if (ctf_writer_packet(ctf, p, ctf_err, sizeof(ctf_err)))
		FAILF("ctf writer refused a packet the reader handed over: %s", ctf_err);
	ctf_events += p->nrecords;
out:
	if (abort_after > 0 && --abort_after == 0)
		return 1; /* the consumer "dies" right after this packet */
	return 0;
}

/* Attaches the arena as the production consumer does: its own mapping of
 * the fd, the fd closed before the reader exists. */
void reader_open(struct rdr *d, int arena_fd)
{
	char err[256];
	int fd = dup(arena_fd);
	if (rm_arena_attach(fd, &d->a, err, sizeof(err)) < 0)
		FAILF("attach: %s", err);
	close(fd);
	d->a.fd = -1;
	d->r = rm_reader_new(&d->a);
	if (!d->r)
		FAILF("rm_reader_new");
}

void reader_close(struct rdr *d)
{
	rm_reader_free(d->r);
	rm_arena_unmap(&d->a);
	d->r = NULL;
}

void drain(struct rdr *d, bool final)
{
	uint64_t t0 = now_us();
	int ret = rm_reader_drain(d->r, final, on_packet, d);
	uint64_t dt = now_us() - t0;
	if (dt > 1000000)
		FAILF("a drain took %llu ms", (unsigned long long)dt / 1000);
	if (ret) {
		/* stopped mid-drain: a new consumer takes over */
		aborts++;
		reader_close(d);
		reader_open(d, d->arena_fd);
	}
}

void check_round(struct rdr *d, struct t_pub *pub)
{
	if (ck.bad || ck.dup || ck.order || ck.corrupt)
		FAILF("bad %llu dup %llu order %llu corrupt %llu (last corruption: %s)",
		      (unsigned long long)ck.bad, (unsigned long long)ck.dup,
		      (unsigned long long)ck.order, (unsigned long long)ck.corrupt,
		      rm_reader_stats(d->r)->last_corrupt ? rm_reader_stats(d->r)->last_corrupt
							   : "none recorded");
	/* Drops outside any thread's slot (a handler that interrupted its
	 * thread's setup, a full slot table, nesting too deep) are counted
	 * globally: each thread may fall short by them, and the shortfalls must
	 * add up to the global count (up to one write in flight per writer). */
	uint64_t global = rm_reader_lost_global(d->r), shortfall = 0, writers = 0;
	for (uint32_t i = 0; i < d->a.chunk_count; i++)
		if (RM_CS_KIND(d->a.descs[i].state) != RM_CHUNK_FREE)
			FAILF("chunk %u not free after the final drain (state 0x%llx)", i,
			      (unsigned long long)d->a.descs[i].state);
	uint32_t nw = pub->next < T_MAXW ? pub->next : T_MAXW;
	/* per thread: sum over its writers (main loop and handlers) */
	uint64_t attributed = 0;
	for (uint32_t i = 0; i < nw; i++) {
		struct t_writer *wi = &pub->w[i];
		if (!wi->pid || wi->kind == UINT32_MAX)
			continue;
		uint64_t key = (uint64_t)wi->pid << 32 | wi->tid;
		uint64_t attempts = 0, got = 0, missing = 0, nwr = 0;
		for (uint32_t j = i; j < nw; j++) {
			struct t_writer *wj = &pub->w[j];
			if (((uint64_t)wj->pid << 32 | wj->tid) != key || wj->kind == UINT32_MAX)
				continue;
			struct wstate *s = &ck.w[j];
			uint64_t beyond = 0;
			for (uint64_t q = 0; q < T_MAX_SEQ && s->seen; q++) {
				bool has = s->seen[q / 8] >> (q % 8) & 1;
				if (q < wj->committed)
					missing += !has;
				else
					beyond += has;
			}
			if (!s->seen)
				missing += wj->committed;
			if (beyond > 1)
				FAILF("writer %u (pid %u tid %u): %llu records past its last published "
				      "commit %llu", j, wj->pid, wj->tid, (unsigned long long)beyond,
				      (unsigned long long)wj->committed);
			attempts += wj->attempts;
			got += s->count;
			nwr++;
			wj->kind = UINT32_MAX; /* done */
		}
		uint64_t lost = *lost_slot(key);
		attributed += lost;
		/* what this thread lost outside its slot: attempts + the writes in
		 * flight (committed, not yet published: 0..nwr) - got - lost */
		uint64_t short_by = got + lost < attempts ? attempts - got - lost : 0;
		uint64_t outside = short_by + nwr < global ? short_by + nwr : global;
		shortfall += short_by;
		writers += nwr;
		if (missing > lost + outside || short_by > global || got + lost > attempts + nwr)
			FAILF("thread %u/%u (%llu writers): attempts %llu, received %llu, lost %llu, "
			      "missing %llu (lost outside any thread: %llu)", wi->pid, wi->tid,
			      (unsigned long long)nwr, (unsigned long long)attempts,
			      (unsigned long long)got, (unsigned long long)lost,
			      (unsigned long long)missing, (unsigned long long)global);
	}
	if (shortfall > global || global > shortfall + writers)
		FAILF("threads fall short by %llu records, %llu were lost outside any thread",
		      (unsigned long long)shortfall, (unsigned long long)global);
	if (attributed != ck.lost_total)
		FAILF("%llu lost records reported for threads that never wrote",
		      (unsigned long long)(ck.lost_total - attributed));
	total_records += ck.records;
	total_lost += ck.lost_total;
}
