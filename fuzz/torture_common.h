/* The killed-producer torture (torture.c is the parent and checker,
 * torture_worker.c the producers it kills). Shared between them: the
 * event, the payload, and the publication page where each writer says,
 * after the fact, how far it got. */
#ifndef REMORA_FUZZ_TORTURE_COMMON_H
#define REMORA_FUZZ_TORTURE_COMMON_H

#include <stdbool.h>
#include <stdint.h>
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

#endif
