/* Private to the consumer's files: connections, sinks, traces.
 * consumer.c, consumer_conn.c and consumer_sink_api.c call
 * consumer_sink.c (and its consumer_sink_write.c, consumer_sink_life.c),
 * not the other way round; consumer_query.c only reads. */
#ifndef REMORA_CTL_CONSUMER_INT_H
#define REMORA_CTL_CONSUMER_INT_H

#include <limits.h>
#include <urcu.h>
#include <urcu/rculfhash.h>

#include "ctl/consumer/consumer.h"
#include "ctl/consumer/consumer_ctx.h"
#include "ctl/ctf/ctf_writer.h"
#include "shm/proc_maps.h"
#include "helper/proto.h"
#include "shm/arena.h"
#include "shm/clock.h"
#include "shm/reader.h"
#include "shm/filter.h"

struct rm_filter_expr;

/* A helper connection and its arena (one process tree). */
struct conn {
	struct cds_lfht_node node; /* c->procs, keyed by the app's pid (the helper's before HELLO) */
	uint32_t key;
	uint32_t serial;
	int sock;                  /* -1 once the helper hung up */
	bool attached, gone, done;
	bool helper_left;          /* said GONE while a process still maps the arena */
	struct rm_arena a;
	struct rm_arena_id id;
	struct rm_reader *r;
	struct rm_msg_hello hello;
	uint8_t *enabled;          /* per event id: the byte we last wrote (on | filter slot << 2) */
	/* The filter programs we wrote into the arena's table (slot n at n - 1)
	 * and whether an enable byte names each after the last sync
	 * (consumer_filter.c). */
	struct rm_filter_prog app_prog[RM_FILTER_SLOTS];
	uint8_t app_slot[RM_FILTER_SLOTS]; /* SLOT_* bits, consumer_filter.c */
	unsigned char *filtered;   /* packet copy without unselected records */
	/* per-event contexts (consumer_evctx.c): the perf counter of each
	 * arena slot (table index + 1, 0: free), and the buffer of packets
	 * rewritten to a trace's event.context layout */
	uint8_t perf_slot[RM_EVCTX_PERF_SLOTS];
	unsigned char *evbuf;
	size_t evbuf_cap;
	uint64_t synced_gen;
	uint32_t synced_count;
	uint32_t synced_catgen;    /* the arena's catalog_gen at that sync */
	uint32_t pids[RM_PIDS_MAX];
	uint32_t npids;
	uint64_t global_reported;  /* losses outside any slot already put in a packet */
	uint64_t catalog_reported; /* of those, for want of a catalog entry */
	uint64_t accepted_ms;      /* CLOCK_MONOTONIC at accept: HELLO is due soon after */
	uint32_t helper_parent;    /* the helper's parent in our pid namespace, at accept */
	struct rm_task_ns tns;     /* the app's ids in our namespace (consumer_ctx.c) */
	struct conn *next_dead;
};

/* A sink's trace chunks (consumer_chunks.c). */
struct sink_chunks {
	struct rm_rotation sched;
	bool on;                   /* traces go to chunk-NNNNN/ */
	bool clearing;             /* rm_sink_clear's drain: packets are dropped */
	bool reopen_failed;        /* the last rotation could not open the next chunk */
	uint32_t cur;              /* number of the chunk being written */
	uint32_t closed;           /* chunks closed so far */
	uint64_t bytes;            /* stream bytes in the current chunk */
	uint64_t total_bytes;      /* in every chunk */
	uint64_t began_ns;         /* CLOCK_MONOTONIC when the current chunk began */
	char **dirs;               /* trace directories of the current chunk (full paths) */
	char err[PATH_MAX + 128];  /* why the last trace could not be opened */
	size_t ndirs, capdirs;
};

enum sink_state { SINK_CREATED, SINK_STARTED, SINK_STOPPING, SINK_STOPPED };

#define SINK_PATTERNS_MAX 256

struct rm_sink {
	struct rm_consumer *c;
	char out_dir[PATH_MAX];
	char *patterns[SINK_PATTERNS_MAX];
	/* --filter of each pattern (NULL: none), its text and its parse */
	char *filters[SINK_PATTERNS_MAX];
	struct rm_filter_expr *exprs[SINK_PATTERNS_MAX];
	uint64_t filter_errors;    /* events a filter could not be compiled for */
	char filter_err[512];      /* the first such error */
	int npatterns;
	enum sink_state state;
	bool overwrite;
	/* snapshot mode (consumer_snapshot.c): an overwrite ring written only
	 * by rm_sink_snapshot, never at stop or at a tree's end */
	bool snapshot;
	size_t ring_max;           /* ring bytes per trace; 0: the arena's size */
	struct snap_kept *kept, *kept_tail; /* rings of trees that ended, oldest first */
	size_t kept_bytes;
	uint32_t nsnap;            /* snapshots taken, for snapshot-N names */
	bool open_on_attach;       /* `remora record`: a trace per arena, even an empty one */
	uint64_t block_ns;         /* blocking mode while started (0: off) */
	uint32_t contexts;         /* CTF_CTX_* packet context fields (add-context) */
	uint64_t pgen;             /* bumped when the globs change */
	struct rm_sink_stats acc;  /* of traces already closed */
	struct sink_chunks ch;     /* rotation and clear (consumer_chunks.c) */
	const struct rm_sink_hook *hook; /* NULL: none */
	void *hook_ctx;
	struct rm_sink *next;
};

/* Per-trace event state. */
enum { EV_UNDECIDED = 0, EV_SELECTED, EV_DECLARED, EV_REFUSED, EV_IGNORED };

struct ring_pkt {
	struct ring_pkt *next;
	struct rm_packet p;
	size_t size;
	unsigned char data[];
};

/* One CTF trace: what a sink writes of one arena. */
struct trace {
	struct cds_lfht_node node; /* c->streams, keyed by (sink, conn) */
	struct rm_sink *s;
	struct conn *k;
	struct ctf_writer *w;      /* NULL until the first selected record */
	uint32_t evmask;           /* RM_EVCTX_* of its event.context (set at open) */
	uint8_t *st;               /* per event id: EV_* */
	struct rm_filter_prog **prog; /* per event id: its filter, or NULL; the
				       * array itself only once one has a filter */
	uint64_t pgen;
	uint64_t refused;
	struct ring_pkt *head, *tail; /* flight recorder: oldest first */
	size_t ring_bytes, ring_max;
	uint64_t ring_records;
	uint64_t evicted;          /* records dropped from the ring, not yet reported */
	uint64_t overwritten;      /* snapshot mode: records dropped from the ring (not lost) */
	uint64_t events, discarded;/* written so far */
	uint64_t unwritten;        /* records of packets the disk refused */
	/* what refused packets held (records and losses), by cause, for the
	 * next packet written to carry in its events_discarded */
	uint64_t carry_lost, carry_by[RM_LOST_CAUSES];
	uint32_t write_errors;
	bool any;                  /* some event is selected */
	bool opened, failed;       /* the writer was opened / could not be */
	void *hooked;              /* the sink hook's handle of this trace */
};

struct rm_consumer {
	struct rm_consumer_opts o;
	const char *who;
	int listen_fd;
	struct cds_lfht *procs;    /* struct conn */
	struct cds_lfht *streams;  /* struct trace */
	struct rm_sink *sinks;
	struct rm_sink *rec;       /* `remora record`'s sink */
	uint64_t gen;              /* bumped on sink start/stop/glob change */
	uint32_t next_serial;
	struct rm_consumer_summary sum;
	uint32_t seen_pids[4096];
	uint32_t nseen;
	char hostname[256];
	int wait_ms;               /* the next poll's wait, see rm_consumer_poll_with */
	uint64_t progress;         /* progress() after the last poll */
	uint64_t records;          /* records handed over, after the last poll */
	uint64_t reaped_ms;        /* CLOCK_MONOTONIC of the last reap */
	uint64_t idle_checked_ms;  /* of the last look for connections without HELLO */
	uint64_t accept_paused_until_ms; /* accept() ran out of fds: not before this */
	bool warned_fds;           /* said so once per shortage */
	struct rm_clock_pair tsc_start; /* (TSC, monotonic) when the consumer started */
	bool tsc_calibrated;       /* tsc_start is at least TSC_CALIB_MIN_NS old */
};

/* consumer.c */
/* Cycles per second of the TSC, against CLOCK_MONOTONIC since the consumer
 * started: no wait once it has run TSC_CALIB_MIN_NS (the first TSC trace
 * of a consumer younger than that waits out the rest, once). */
double consumer_tsc_hz(struct rm_consumer *c, struct rm_clock_pair now);

/* Connections (consumer_conn.c): the table of them, a message from one. */
void proc_add(struct rm_consumer *c, struct conn *k, uint32_t key);
void proc_del(struct rm_consumer *c, struct conn *k);
void free_conn(struct rm_consumer *c, struct conn *k);
void on_message(struct rm_consumer *c, struct conn *k);
/* The only way records reach a trace: rm_reader_drain, then the sinks
 * (final: nobody writes the arena any more, take everything). */
void drain_conn(struct rm_consumer *c, struct conn *k, bool final);
/* Whether a process the helper named, or any process, still maps k's arena. */
bool tree_alive(struct conn *k);
/* remorad: forget trees that are over (their traces are complete). */
void reap(struct rm_consumer *c);

/* consumer_accept.c. A connection has HELLO_TIMEOUT_MS to say HELLO, and
 * at most UNATTACHED_MAX are held without one; accept() out of fds pauses
 * the listening socket for ACCEPT_PAUSE_MS. */
#define HELLO_TIMEOUT_MS 3000
#define UNATTACHED_MAX 256
#define ACCEPT_PAUSE_MS 100
void accept_all(struct rm_consumer *c);
/* Closes connections without HELLO past their time, then the oldest
 * beyond `keep`; returns how many it closed. */
int drop_idle(struct rm_consumer *c, uint64_t now_ms, uint32_t keep);

/* consumer_sink.c and consumer_sink_life.c, called by consumer.c,
 * consumer_conn.c and consumer_sink_api.c only (never the other way). */

/* Brings k's enable table and the sinks' per-event decisions up to date. */
void sink_sync_conn(struct rm_consumer *c, struct conn *k);
/* A drained packet of k, for every started or stopping sink. */
void sink_packet(struct rm_consumer *c, struct conn *k, const struct rm_packet *p);
void sink_conn_attached(struct rm_consumer *c, struct conn *k);
/* consumer_sink_life.c from here. The tree is over: flush and close every
 * trace of k. */
void sink_conn_closed(struct rm_consumer *c, struct conn *k);
/* rm_sink_stop in two halves around consumer_sink_api.c's last drain into s:
 * begin (false when s was not started) clears the enable bytes only s
 * wanted; end writes a flight recorder's packets and stops writing. */
bool sink_stop_begin(struct rm_sink *s);
void sink_stop_end(struct rm_sink *s);
/* consumer_snapshot.c. A snapshot sink's trace of a tree that ended:
 * keeps its ring (and copies of its events) for later snapshots. */
struct snap_kept;
void snap_keep(struct trace *t);
/* Frees every kept ring of s. */
void snap_free_kept(struct rm_sink *s);
/* Writes every ring of s (live traces and kept ones) under dir. */
int snap_write(struct rm_sink *s, const char *dir, struct rm_snapshot_result *out, char *err,
	       size_t errlen);
void ring_free(struct trace *t);
/* Adds the kept rings to a sink's stats (buffered, overwritten, snapshots). */
void snap_stats(struct rm_sink *s, struct rm_sink_stats *out);

/* consumer_sink_life.c. rm_sink_destroy after the stop: closes s's traces,
 * unlinks and frees it. */
void sink_free(struct rm_sink *s, struct rm_sink_stats *out);

/* consumer_filter.c, called by consumer_sink.c, consumer_sink_write.c
 * (filter_pass) and consumer_sink_life.c (filter_trace_free). */
/* Sets t->prog[id] for a selected event e from the filters of the
 * patterns that select it; -1 (reported, counted) when one does not
 * compile for e: the event is then not recorded. */
int filter_decide(struct trace *t, uint32_t id, const struct rm_event_info *e);
/* Whether record rec of packet p passes t's filter of its event. */
bool filter_pass(struct trace *t, const struct rm_packet *p, const struct rm_record *rec);
/* The enable byte's filter bits for event id: the program every started
 * trace selecting it agrees on, written to a slot of k's arena table; 0
 * for none. Call filter_sync_begin first and filter_sync_end after. */
void filter_sync_begin(struct conn *k);
uint8_t filter_app_bits(struct conn *k, struct trace *const *ts, int nt, uint32_t id);
void filter_sync_end(struct conn *k);
void filter_trace_free(struct trace *t);

/* consumer_sink_api.c: drains every arena that is not gone (rm_sink_stop's drain). */
void consumer_drain_all(struct rm_consumer *c);

/* consumer_chunks.c, called by consumer_sink.c, consumer_sink_life.c,
 * consumer.c and consumer_sink_api.c. */
/* Where s's traces go now: out_dir, or out_dir/chunk-NNNNN. */
void sink_chunk_base(const struct rm_sink *s, char *buf, size_t size);
/* A trace directory was opened in the current chunk. */
void sink_chunk_note_dir(struct rm_sink *s, const char *dir);
/* A trace could not be opened: keeps err for the rotation's answer and
 * removes the directory the attempt left empty (dir may be NULL), and
 * its chunk's when that is empty too. */
void sink_chunk_open_failed(struct rm_sink *s, const char *dir, const char *err);
/* After a packet: rotates when the size schedule says so. */
void sink_chunk_after_packet(struct rm_sink *s);
/* From the poll loop: timer rotations. */
void sink_chunk_tick(struct rm_consumer *c, uint64_t now_ns);
/* Frees the chunk state of s. */
void sink_chunk_free(struct rm_sink *s);
/* The rotation itself, after the caller's drain. */
int sink_rotate(struct rm_sink *s, char *msg, size_t msglen);
int sink_clear_end(struct rm_sink *s, char *msg, size_t msglen);

/* consumer_sink.c, for consumer_chunks.c and consumer_ring.c */
int sink_open_writer(struct trace *t);
/* consumer_sink_write.c, for consumer_sink.c and consumer_ring.c */
/* p's records that t takes (its selected events, passing their filters;
 * with take_selected also those selected but not declared), in t's
 * record layout; t's scratch buffer when it had to copy. */
struct rm_packet sink_filter(struct trace *t, const struct rm_packet *p, bool take_selected);
/* Writes q to t's trace, counting what the disk refused as unwritten. */
void sink_write_packet(struct trace *t, const struct rm_packet *q);

/* consumer_ring.c: the ring of a flight recorder or snapshot trace. */
void sink_ring_push(struct trace *t, const struct rm_packet *q);
/* Writes the ring's packets, oldest first; the first one carries the
 * count of what was evicted before it, as overwritten. */
void sink_ring_flush(struct trace *t);

/* Walks of the two tables; the caller holds the RCU read lock. */
#define EACH_CONN(c, it, k) cds_lfht_for_each_entry((c)->procs, &(it), k, node)
#define EACH_TRACE(c, it, t) cds_lfht_for_each_entry((c)->streams, &(it), t, node)

static inline unsigned long hash_u64(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdull;
	v ^= v >> 33;
	return (unsigned long)v;
}

#endif
