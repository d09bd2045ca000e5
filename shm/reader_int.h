/* The consumer side of the arena, private to shm/reader*.c: the reader's
 * state and the functions its files share. reader.c scans the chunks and
 * puts them in order, reader_chunk.c drains one of them, reader_walk.c
 * copies and validates one chunk's records, reader_slots.c follows
 * producer threads (liveness, losses, retirement). Pairs (A)..(F) refer
 * to the comment at the top of layout.h. */
#ifndef REMORA_SHM_READER_INT_H
#define REMORA_SHM_READER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "reader.h"

#define RM_ALIVE_RECHECK_MS 200
#define RM_ALIVE_RECHECK_SHORT_MS 10 /* when chunks or slots run short */
/* Step 4 looks at every slot at most this often (and at every drain while
 * slots run short, or a final one); in between, at the slots up to the
 * highest one in use it last saw, plus RM_SLOT_SCAN_MARGIN for threads
 * that claimed since (first fit from index 0, so they land there). */
#define RM_SLOT_FULL_SCAN_MS 10
#define RM_SLOT_SCAN_MARGIN 64

enum { CAT_UNKNOWN = 0, CAT_VALID = 1, CAT_REFUSED = 2 };

struct chunk_view {
	uint32_t gen;      /* incarnation rpos refers to */
	uint32_t rpos;     /* bytes of that incarnation already handed over */
	bool seen;         /* gen/rpos are meaningful */
	bool broken;       /* malformed data: skip the rest of this incarnation */
	bool first_done;   /* the first packet of this incarnation went out */
	uint64_t scanned;  /* state word seen by the current drain's scan */
	uint32_t cvalue;   /* desc->consumed as we last saw or set it, (F) */
	/* The check against the owner's count (desc->committed, once sealed):
	 * records of this incarnation handed over or counted lost, and those
	 * refused since the chunk was sealed, whose count the check settles. */
	uint32_t taken;
	uint32_t held_refused;
};

struct slot_view {
	uint64_t owner;    /* owner word the fields below belong to */
	uint64_t start_time;
	uint32_t live;     /* chunks OWNED/FULL in this drain */
	bool retire;       /* tend_slots: seen dead, no chunk seen naming it since */
	int8_t alive;      /* -1 unknown, 0 dead (for good), 1 alive when checked */
	uint64_t checked_ms; /* when `alive` was last asked of /proc */
	uint64_t lost_seen[RM_LEVELS];
	uint64_t over_seen[RM_LEVELS];
	uint32_t toolarge_seen; /* of the slot's toolarge, what packets took */
};

/* A chunk to drain, as the scan saw it. seq and slot_gen are written by
 * the owner after its claim and ordered only by its first commit (A): they
 * are trusted for a FULL chunk, or an OWNED one whose first record was
 * committed when we looked (`empty` otherwise). */
struct cand {
	uint32_t chunk, slot, level, slot_gen;
	uint32_t gen;      /* incarnation seen by the scan */
	bool empty;        /* OWNED without a committed record at scan time */
	bool skip;         /* its context's order is unknown in this drain */
	uint64_t seq;
};

struct rm_reader {
	struct rm_arena *a;
	struct rm_event_info *events;
	uint8_t *cat;
	uint32_t *rec_size;       /* per valid id: rm_fixed_record_size, or 0 */
	struct chunk_view *chunks;
	struct slot_view *slots;
	struct cand *cands;
	uint32_t *dead;           /* tend_slots: slots seen dead in this drain */
	uint32_t live_hi;         /* 1 + the highest slot a chunk named in the last scan */
	uint32_t slot_hi;         /* 1 + the highest slot in use tend_slots saw */
	uint64_t slots_full_ms;   /* when tend_slots last looked at every slot */
	unsigned char *buf;
	rm_alive_fn alive;
	void *alive_ctx;
	uint64_t now_ms;          /* CLOCK_MONOTONIC at the start of the drain */
	uint32_t *live_slots;     /* slots whose `live` the last scan set (<= chunk_count) */
	uint32_t nlive;
	bool tended;              /* tend_slots ran, at tended_ms */
	uint64_t tended_ms;
	bool short_of_chunks;     /* under a quarter free at the last scan */
	bool short_of_slots;      /* under a quarter free at the last drain */
	dev_t dev;
	ino_t ino;
	struct rm_reader_stats st;
};

/* What a walk over a chunk's records found: the valid records are
 * r->buf[0, off), copied from the chunk at the position the walk began. */
struct walk {
	uint32_t off;
	uint32_t nrec;
	uint64_t ts_begin, ts_end;
	uint32_t last_id;
	uint64_t fixed_word; /* last record word valid by its size alone, or 0 */
	uint32_t nids;     /* distinct ids so far, see rm_packet.ids */
	bool many_ids;     /* more than RM_PACKET_IDS */
	uint32_t ctx_any;  /* OR of the records' per-event context masks */
	uint32_t ids[RM_PACKET_IDS];
	const char *why;   /* set when malformed data ended the walk */
	uint32_t skip;     /* with why: the bad record's aligned size, when its size
			    * was sane, so the records after it can be found */
};

/* reader_chunk.c: step 3 for one candidate (rm_reader_drain, reader.c),
 * 0 or the sink's nonzero value; and a chunk given back to FREE. */
int drain_chunk(struct rm_reader *r, const struct cand *k, bool final, rm_packet_fn fn,
		void *ctx);
void rd_release_chunk(struct rm_reader *r, uint32_t idx, uint32_t gen);
void rd_free_chunk(struct rm_reader *r, uint32_t idx, uint64_t s);

/* reader_walk.c: copy the committed records of a chunk from `pos` into
 * r->buf and validate the copy; a chunk the consumer holds (CONSUMING),
 * or one its owner may still write (OWNED). */
void rd_take_held(struct rm_reader *r, const char *c, uint32_t clen, uint32_t pos,
		  struct walk *w);
void rd_take_owned(struct rm_reader *r, const char *c, uint32_t clen, uint32_t pos,
		   struct walk *w);
/* Records in [0, upto) of a chunk, by their sizes alone (a consumer that
 * resumes where a previous one stopped counts what that one handed over). */
uint32_t rd_count_before(const char *c, uint32_t clen, uint32_t upto);

/* reader_slots.c */
struct slot_view *rd_slot_view(struct rm_reader *r, uint32_t slot, uint64_t *owner);
bool rd_slot_dead(struct rm_reader *r, uint32_t slot, bool final);
uint64_t rd_lost_delta(struct rm_reader *r, uint32_t slot, uint32_t level, uint64_t lost_now,
		       uint64_t by[RM_LOST_CAUSES]);
int rd_emit_lost_only(struct rm_reader *r, uint32_t slot, uint32_t level, uint64_t owner,
		      uint64_t lost, const uint64_t by[RM_LOST_CAUSES], rm_packet_fn fn,
		      void *ctx);
int rd_report_lost(struct rm_reader *r, uint32_t i, rm_packet_fn fn, void *ctx);
int rd_retire_slot(struct rm_reader *r, uint32_t i, rm_packet_fn fn, void *ctx);

#endif
