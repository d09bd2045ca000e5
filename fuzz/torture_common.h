/* The killed-producer torture (torture.c is the parent, torture_check.c
 * its checker, torture_worker.c the producers it kills). Shared between
 * them: the event, the payload, and the publication page where each
 * writer says, after the fact, how far it got; at the end, what the
 * parent and its checker share. */
#ifndef REMORA_FUZZ_TORTURE_COMMON_H
#define REMORA_FUZZ_TORTURE_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shm/arena.h"
#include "shm/catalog_write.h"

#define T_MAXW 4096            /* writers per round */
#define T_MAX_SEQ (1u << 15)   /* records per writer, then it idles */
#define T_PAD_MAX 23           /* payload: seq, writer, check, then 0..23 bytes */

/* One writer: a thread's main loop, a signal handler on a thread, or a
 * forked child's thread. Fields are stored after the fact (release). */
struct t_writer {
	uint64_t attempts;   /* writes finished, committed or dropped */
	uint64_t committed;  /* seq + 1 of the last commit */
	uint32_t pid, tid;   /* set before the first write */
	uint32_t kind;       /* enum t_kind, for the report */
	uint32_t pad;
};

struct t_pub {
	uint32_t next;       /* writer ids handed out this round */
	uint32_t pad[15];
	struct t_writer w[T_MAXW];
};

enum t_kind { K_THREAD, K_HANDLER, K_FORKED, K_EXECER, K_KINDS };

static inline uint32_t t_check(uint64_t seq, uint32_t writer)
{
	uint64_t x = (seq + 1) * 0x9e3779b97f4a7c15ull ^ (uint64_t)writer << 17;
	return (uint32_t)(x ^ x >> 31);
}

/* The payload of (writer, seq): u64 seq, u32 writer, u32 check, then a
 * byte sequence whose length and bytes follow from them. */
static inline size_t t_payload(unsigned char *p, uint32_t writer, uint64_t seq)
{
	uint32_t chk = t_check(seq, writer), n = (uint32_t)(seq % (T_PAD_MAX + 1));
	memcpy(p, &seq, 8);
	memcpy(p + 8, &writer, 4);
	memcpy(p + 12, &chk, 4);
	memcpy(p + 16, &n, 4);
	for (uint32_t i = 0; i < n; i++)
		p[20 + i] = (unsigned char)(chk + i);
	return 20 + n;
}

static inline int64_t t_declare(struct rm_arena *a)
{
	static const char *const names[] = { "seq", "writer", "check", "pad" };
	static const uint8_t types[] = { RM_T_U64, RM_T_U32, RM_T_U32, RM_T_BYTES };
	struct rm_event_decl d = { "torture", "rec", 4, names, types };
	return rm_catalog_add(a, &d);
}

/* torture_bt.c: babeltrace2 at bt reads the trace in dir and prints
 * exactly `events` events, without an error (0); -1 with err otherwise. */
int torture_babeltrace(const char *bt, const char *dir, uint64_t events, char *err,
		       size_t errlen);

/* The parent (torture.c) and its checker (torture_check.c). torture.c:
 * the seed and round a failure names, the run's trace and totals. */
extern uint64_t seed;
extern int verbose;
extern unsigned round_no;
uint64_t now_us(void);
/* Every worker's process group, SIGKILL (a failure, a timeout). */
void kill_all_now(void);
struct ctf_writer;
extern struct ctf_writer *ctf;
extern char ctf_err[256];
extern uint64_t ctf_events, total_records, total_lost, aborts;
extern int abort_after;  /* > 0: the consumer stops after that many packets */
extern bool round_to_ctf;

/* Prints the seed and round, kills every worker, exits 1. */
#define FAILF(...)                                                                          \
	do {                                                                                \
		fprintf(stderr, "torture: seed %llu round %u: ", (unsigned long long)seed,  \
			round_no);                                                          \
		fprintf(stderr, __VA_ARGS__);                                               \
		fputc('\n', stderr);                                                        \
		kill_all_now();                                                             \
		exit(1);                                                                    \
	} while (0)

/* torture_check.c: what the checker saw this round (run_round resets it),
 * the consumer it drains with, and its calls. */
struct wstate {
	uint8_t *seen;            /* bitmap of seqs, T_MAX_SEQ bits */
	uint64_t count;
	uint64_t last[RM_LEVELS]; /* last seq + 1 per nesting level */
};

struct lostent {
	uint64_t key;             /* pid << 32 | tid; 0 free */
	uint64_t lost;
};
#define LOST_SLOTS 16384

struct check_state {
	struct wstate w[T_MAXW];
	struct lostent lost[LOST_SLOTS];
	uint64_t records, bad, dup, order, corrupt, lost_total, packets;
};
extern struct check_state ck;

struct rdr {
	struct rm_arena a;
	struct rm_reader *r;
	int arena_fd;
};

/* The consumer's attach of the arena (reader_open) and its end. */
void reader_open(struct rdr *d, int arena_fd);
void reader_close(struct rdr *d);
/* One drain (final: the round's last); a consumer stopped in the middle
 * of one is replaced by a new one. */
void drain(struct rdr *d, bool final);
/* The checks of a round, after its final drain; FAILF on the first that
 * fails. */
void check_round(struct rdr *d, struct t_pub *pub);

#endif
