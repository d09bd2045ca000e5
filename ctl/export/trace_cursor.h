/* Every event of every trace under a directory, in time order, one at a
 * time: what `remora export` and `remora stats` read.
 *
 * A trace is a directory holding a `metadata` file (found recursively, so
 * a rotated TRACE/chunk-NNNNN/ tree reads as one); its other regular files
 * are streams. All streams are merged by wall-clock ns with a heap of
 * stream cursors (rmx_merge_before: equal times within a trace in packet
 * start order, then file order); `remora view`, `export` and `stats` all
 * read through it, and `view --follow` merges its rounds the same way.
 * Memory is one packet buffer per stream file plus the metadata: bounded by
 * the trace's shape, never by its number of events.
 *
 * The strict reader (ctl/ctf/ctf_reader.h) checks every byte; corruption is
 * reported on stderr as "PROG: FILE at byte N: what" and counted, and the
 * other packets and files are still read. */
#ifndef REMORA_CTL_EXPORT_TRACE_CURSOR_H
#define REMORA_CTL_EXPORT_TRACE_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl/ctf/ctf_reader.h"

struct rmx_trace {
	char *dir;
	struct ctfr_meta meta;
};

/* One thing the cursor yields; valid until the next rmx_cursor_next(). */
struct rmx_item {
	const struct ctfr_item *it; /* kind, pid, tid, lost, ev, values */
	__int128 ns;                /* ns since the Unix epoch */
	uint32_t trace;             /* index into rmx_cursor.traces */
	uint32_t ev_index;          /* EVENT: index of it->ev in the trace's meta.events */
	uint32_t stream;            /* index of its stream file: rmx_cursor_stream_path() */
};

struct rmx_stream;

struct rmx_cursor {
	const char *prog;          /* prefix of messages, e.g. "remora export" */
	void (*put_path)(FILE *, const char *); /* prints a path in a message */
	struct rmx_trace *traces;
	size_t ntraces;
	struct rmx_stream **streams, **heap;
	size_t nstreams, nheap;
	uint64_t errors;           /* files and packets that could not be read */
	int started;
};

/* Finds and opens every trace under dir. Returns 0, or -1 after a message
 * on stderr (no directory, no trace under it); the cursor then needs only
 * rmx_cursor_close(). Raises RLIMIT_NOFILE: every stream is open at once. */
int rmx_cursor_open(struct rmx_cursor *c, const char *dir, const char *prog);
/* The same, with paths in messages printed by put_path (e.g. escaped, as
 * `remora view` does: a file name may hold terminal controls); NULL: as is. */
int rmx_cursor_open_with(struct rmx_cursor *c, const char *dir, const char *prog,
			 void (*put_path)(FILE *, const char *));
/* The path of stream file i (< c->nstreams), as rmx_item.stream names it,
 * and the index of its trace in c->traces; for lines per stream file. Valid
 * until rmx_cursor_close(). */
const char *rmx_cursor_stream_path(const struct rmx_cursor *c, uint32_t i);
uint32_t rmx_cursor_stream_trace(const struct rmx_cursor *c, uint32_t i);
/* The next item in time order, or NULL at the end. */
const struct rmx_item *rmx_cursor_next(struct rmx_cursor *c, struct rmx_item *out);
void rmx_cursor_close(struct rmx_cursor *c);

/* Reads n bytes at off from fd into *buf, grown (realloc) to *cap >= n:
 * one packet of a stream file, whole. NULL with err set on an error or a
 * file shorter than off + n. */
const unsigned char *rmx_pread_packet(int fd, unsigned char **buf, size_t *cap, uint64_t off,
				     size_t n, char *err, size_t errlen);

/* The merge order: is stream A's next item (at ns key_a, in the packet that
 * began at pkt_a cycles, stream file number idx_a) before B's? Time first;
 * in a tie within one trace (same_trace: the cycles compare), the stream
 * whose packet began first: a thread's next packet may sit in another
 * stream file (ctl/ctf/ctf_lanes.h) and begin at the very time its previous
 * one ended, and must not overtake that packet's last events (a slice end
 * before its begin); then file order. */
static inline int rmx_merge_before(__int128 key_a, uint64_t pkt_a, uint32_t idx_a,
				   __int128 key_b, uint64_t pkt_b, uint32_t idx_b,
				   int same_trace)
{
	if (key_a != key_b)
		return key_a < key_b;
	if (same_trace && pkt_a != pkt_b)
		return pkt_a < pkt_b;
	return idx_a < idx_b;
}

#endif
