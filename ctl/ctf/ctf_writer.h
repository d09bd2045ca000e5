/* The CTF 1.8 trace writer: turns validated arena packets into a trace
 * directory that babeltrace2 (and Trace Compass) read, while it is written.
 *
 * A trace directory holds `metadata` (plain-text TSDL, replaced atomically
 * whenever an event class is added, so the directory is readable at any
 * moment) and stream files `stream_<n>`. An event record is the arena
 * record copied verbatim: the event header is the record header (rec_size,
 * id, timestamp) and the payload keeps its packed little-endian encoding.
 *
 * Streams are "lanes", not threads: a packet goes to a lane whose last
 * timestamp is not after the packet's first one, so timestamps never go
 * backwards inside a stream, and 10,000 short-lived sequential threads
 * share one file. The producing pid/tid/level travel in each packet's
 * context instead.
 *
 * Reading notes (babeltrace2 2.0):
 *  - event.header.rec_size is declared mapped to the clock: babeltrace2
 *    warns on stderr about any header integer without a role; the 64-bit
 *    timestamp right after it sets the event time (see ctf_metadata.c).
 *  - events_discarded is cumulative per lane; babeltrace2 prints
 *    "WARNING: Tracer discarded N events between [t1] and [t2] in trace
 *    ..." on stderr for each increase. A lane whose first packet carries a
 *    loss starts with an empty packet, so the count is exact, not "may
 *    have discarded".
 *  - The packet context's discarded_* fields (losses by cause) come first
 *    and are declared mapped to the clock, so babeltrace2 keeps them out
 *    of every event line and does not warn; timestamp_begin, right after,
 *    sets the clock (ctf_packet.h).
 *  - Field names are written with a leading '_' (as LTTng does) and shown
 *    without it; a BYTES field x is shown as `_x_len = n, x = [ ... ]`.
 *  - Files: `metadata`, `stream_<n>`; `.metadata.tmp` only during a rewrite.
 *
 * One writer per trace; not thread-safe; no global state. Every function
 * that can fail returns nonzero and writes one line into err (when err is
 * not NULL), saying what failed, on which file, and what was kept. */
#ifndef REMORA_CTL_CTF_WRITER_H
#define REMORA_CTL_CTF_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "shm/catalog.h"
#include "shm/clock.h"
#include "shm/layout.h"
#include "shm/reader.h"

struct ctf_trace_info {
	const char *hostname;        /* env.hostname */
	const char *procname;        /* env.procname: the traced program's name */
	uint32_t clock;              /* RM_CLOCK_MONOTONIC or RM_CLOCK_TSC */
	double tsc_hz;               /* RM_CLOCK_TSC: cycles per second */
	struct rm_clock_pair calib;  /* RM_CLOCK_TSC: a (tsc, monotonic ns) pair */
	int64_t real_minus_mono_ns;  /* CLOCK_REALTIME - CLOCK_MONOTONIC at trace start */
	uint32_t contexts;           /* CTF_CTX_* (ctf_packet.h): packet context fields */
	/* Per-event context (shm/evctx.h): the RM_EVCTX_* mask every record
	 * of the trace carries between its header and its payload (the
	 * record word's own context bits are 0 in a trace), declared as the
	 * stream's event.context; evctx_perf[s]: the field name of perf slot
	 * s (e.g. "perf_thread_page_faults"), for each slot bit of evctx. */
	uint32_t evctx;
	const char *evctx_perf[RM_EVCTX_PERF_SLOTS];
};

/* The values of the context fields of one packet (those the trace has). */
struct ctf_packet_ctx {
	uint32_t vpid, vtid;
	char procname[16];           /* NUL padded; 16 bytes, no NUL needed */
};

struct ctf_writer;

/* Creates `dir` (mode 0700, parents too) or takes an existing empty one,
 * and writes the first metadata. Refuses a directory that is not empty. */
struct ctf_writer *ctf_writer_open(const char *dir, const struct ctf_trace_info *info,
				   char *err, size_t errlen);

/* Declares event `e->id` as "provider:name". Idempotent for the same id
 * and layout. Refuses an invalid entry, an id already declared with another
 * name or layout, and a provider:name already declared with another layout
 * (the consumer refuses such conflicting declarations). Returns 0 or -1.
 * The metadata file is rewritten once before the next packet (or at close),
 * not per declaration; a failure to write it fails that packet. */
int ctf_writer_event_class(struct ctf_writer *w, const struct rm_event_info *e, char *err,
			   size_t errlen);

/* Appends one packet. Every record must have a declared id, a payload that
 * matches its layout, and a timestamp not before the previous record's; a
 * packet that breaks this is refused whole. len == 0 with lost > 0 writes
 * an empty packet that only grows events_discarded; len == 0 and lost == 0
 * writes nothing. On a write error (ENOSPC, EFBIG, EIO...) the stream file
 * is truncated back to its last complete packet and -1 is returned; the
 * writer stays usable. */
int ctf_writer_packet(struct ctf_writer *w, const struct rm_packet *p, char *err, size_t errlen);

/* The same, with the values of the trace's context fields (NULL: zeros). */
int ctf_writer_packet_ctx(struct ctf_writer *w, const struct rm_packet *p,
			  const struct ctf_packet_ctx *ctx, char *err, size_t errlen);

/* The stream file the last successful ctf_writer_packet() wrote to
 * (stream_<*stream>) and its size after that packet: every byte below it is
 * final. -1 before any packet. For whoever copies the files as they grow
 * (ctl/ship/). */
int ctf_writer_last_packet(const struct ctf_writer *w, unsigned *stream, uint64_t *size);

struct ctf_writer_stats {
	uint64_t events;     /* records written */
	uint64_t packets;    /* packets written, empty ones included */
	uint64_t discarded;  /* sum of rm_packet.lost written as events_discarded */
	uint64_t bytes;      /* bytes of stream files (packets with their padding) */
	uint32_t streams;    /* stream files (lanes) */
};

/* Bytes of stream files written so far (stats.bytes): what a sink's
 * --rotate-size counts. */
uint64_t ctf_writer_bytes(const struct ctf_writer *w);

/* Flushes (fdatasync) and closes every file and frees the writer, even on
 * error. `out` may be NULL. Returns 0 or -1. ctf_writer_close(NULL, ...)
 * returns 0. */
int ctf_writer_close(struct ctf_writer *w, struct ctf_writer_stats *out, char *err, size_t errlen);

#endif
