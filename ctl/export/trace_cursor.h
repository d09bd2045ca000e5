/* Every event of every trace under a directory, in time order, one at a
 * time: what `remora export` and `remora stats` read.
 *
 * A trace is a directory holding a `metadata` file (found recursively, so
 * a rotated TRACE/chunk-NNNNN/ tree reads as one); its other regular files
 * are streams. All streams are merged by wall-clock ns with a heap of
 * stream cursors, ties in file order, the way `remora view` merges them.
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
};

struct rmx_stream;

struct rmx_cursor {
	const char *prog;          /* prefix of messages, e.g. "remora export" */
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
/* The next item in time order, or NULL at the end. */
const struct rmx_item *rmx_cursor_next(struct rmx_cursor *c, struct rmx_item *out);
void rmx_cursor_close(struct rmx_cursor *c);

#endif
