/* The consumer core shared by `remora record` and remorad.
 *
 * Two halves:
 *  - connections (consumer.c, consumer_conn.c): accepts helpers on a Unix socket, admits
 *    peers of its own effective uid only (SO_PEERCRED), maps each process tree's
 *    arena and drains it with rm_reader_drain. Connections live in an RCU
 *    hash table keyed by the traced app's pid (the process registry).
 *  - sinks (consumer_sink.c): a sink is a set of "provider:name" globs and
 *    an output directory, i.e. a `remora record` run or a remorad session.
 *    A started sink gets one CTF trace per arena it selects events of
 *    (sub-directory COMM-PID), opened when the first selected record
 *    arrives. Traces live in a second RCU hash table keyed by (sink, arena)
 *    (the stream registry). Every drained packet goes to every started sink
 *    whose globs select its records; the arena's enable table is the union
 *    of the started sinks' selections.
 *
 * Single-threaded: every function must be called from the thread that
 * called rm_consumer_new (it registers that thread with liburcu). */
#ifndef REMORA_CTL_CONSUMER_H
#define REMORA_CTL_CONSUMER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Told about the files a sink writes, to copy them elsewhere as they grow
 * (ctl/ship/). Called from the consumer's thread: must return at once and
 * never block on anything (the network least of all). */
struct rm_sink_hook {
	/* A trace directory was opened; the result is the `trace` of the others. */
	void *(*opened)(void *ctx, const char *dir);
	/* A packet is complete in DIR/stream_<stream>, whose bytes below `size`
	 * are now final. */
	void (*written)(void *ctx, void *trace, unsigned stream, uint64_t size);
	/* The trace is closed: every file of it is final. */
	void (*closed)(void *ctx, void *trace);
};

struct rm_consumer_opts {
	const char *socket_path;
	/* `remora record`: a sink started at once with these. NULL for none. */
	const char *out_dir;
	const char *const *patterns; /* "provider:name" globs; none = every event */
	const char *const *filters;  /* NULL, or per pattern: its --filter (NULL: none) */
	uint32_t contexts;           /* --context: CTF_CTX_* bits (rm_context_parse) */
	int npatterns;
	bool flight_recorder;        /* overwrite mode: read only at the end */
	/* `remora record --snapshot-on-exit`: the sink keeps a snapshot ring
	 * (rm_sink_set_snapshot), written by rm_consumer_snapshot only */
	bool snapshot;
	/* Blocking mode: a producer with no free chunk waits this long for
	 * one before it drops the record (0: drops at once, the default). */
	uint64_t block_ns;
	bool verbose;
	const char *log_prefix;      /* "remora" when NULL */
	/* Close the trace and unmap the arena of a process tree that is over
	 * (remorad); `remora record` keeps them to the end. */
	bool reap;
	/* `remora record --ship`: the hook of its sink (NULL for none). */
	const struct rm_sink_hook *hook;
	void *hook_ctx;
};

struct rm_consumer_summary {
	uint64_t events;         /* records written to the trace */
	uint64_t lost;           /* records producers dropped or overwrote */
	uint64_t corrupt;        /* chunks cut short by malformed data */
	uint64_t refused;        /* records of refused (conflicting) events */
	uint32_t arenas;         /* process trees (one trace directory each) */
	uint32_t processes;      /* distinct pids seen */
	uint64_t unwritten;      /* records the output refused (disk full, ...) */
	uint32_t write_errors;
	/* `lost` by cause (shm/reader.h, struct rm_reader_causes), and the
	 * records kept cut to fit a chunk (not lost) */
	uint64_t lost_buffer_full, lost_too_large, lost_no_slot, lost_catalog;
	uint64_t lost_refused, lost_corrupt, lost_overwritten;
	uint64_t truncated;
	uint64_t perf_failed;    /* perf counters a thread could not open (written as 0) */
	uint64_t filter_errors;  /* events a --filter did not fit (not recorded) */
	char filter_err[512];    /* the first such error */
};

struct rm_consumer;
struct rm_sink;

/* Binds the socket (replacing a stale one). NULL on failure, with err. */
struct rm_consumer *rm_consumer_new(const struct rm_consumer_opts *o, char *err, size_t errlen);

/* Raises the soft RLIMIT_NOFILE to the hard one: a consumer holds an fd per
 * helper and per stream file, and opens /proc to tell dead threads from
 * live ones. `remora record` calls it after forking its command, which
 * keeps the limit it was given. */
void rm_consumer_raise_fd_limit(void);

/* Waits up to timeout_ms for connections and messages, then drains every
 * arena once. Returns 0, or -1 after a fatal error (reported on stderr). */
int rm_consumer_poll(struct rm_consumer *c, int timeout_ms);

/* Same, also polling the caller's fds (their revents are filled in). */
int rm_consumer_poll_with(struct rm_consumer *c, int timeout_ms, struct pollfd *extra,
			  int nextra);

/* Arenas whose process tree may still produce: connected and not GONE, or
 * disconnected with a live process. */
int rm_consumer_active(struct rm_consumer *c);

/* `remora record`'s running totals: records written and lost so far. */
void rm_consumer_progress(struct rm_consumer *c, uint64_t *events, uint64_t *lost);

/* Final drain of every arena, closes all traces and the socket. */
void rm_consumer_finish(struct rm_consumer *c, struct rm_consumer_summary *out);

/* --- sinks --- */

struct rm_sink_stats {
	uint64_t events;         /* records written */
	uint64_t discarded;      /* records lost before they reached this sink's traces
				    (producers' losses, flight-recorder evictions) */
	uint64_t refused;        /* records of events refused (conflicting layout) */
	uint64_t buffered;       /* flight recorder: records held, written at stop
				    (snapshot mode: held for the next snapshot) */
	uint64_t overwritten;    /* snapshot mode: records dropped from the rings to make
				    room for newer ones (not lost: older than the window) */
	uint32_t snapshots;      /* snapshot mode: snapshots taken */
	uint64_t unwritten;      /* records the output refused (disk full, ...) */
	uint32_t traces;         /* trace directories opened */
	uint32_t write_errors;
};

/* A sink writing under out_dir (created later, by the first trace).
 * overwrite: a flight recorder; each trace keeps only its newest packets
 * (as much as the arena holds) in memory and writes them when the sink
 * stops or the process tree ends. */
struct rm_sink *rm_sink_new(struct rm_consumer *c, const char *out_dir, bool overwrite);

/* Adds a glob (0), or -1 when it is already there or too many. */
int rm_sink_enable(struct rm_sink *s, const char *pattern);
/* Adds a glob with a filter expression (ctl/filter/filter.h), or replaces
 * the filter of a glob already there (NULL or "": no filter). 0, or -1
 * with err (a syntax error, with its column). Events are type-checked as
 * they are selected: one the filter does not fit (unknown field, a string
 * compared as a number) is reported on stderr and not recorded. */
int rm_sink_enable_filter(struct rm_sink *s, const char *pattern, const char *filter, char *err,
			  size_t errlen);
/* Type-checks filter against every event `pattern` selects in the traced
 * processes known now: 0, or -1 with err naming the event, the field and
 * the column (or the syntax error). */
int rm_consumer_check_filter(struct rm_consumer *c, const char *pattern, const char *filter,
			     char *err, size_t errlen);
/* A context type of add-context / --context: its CTF_CTX_* bit in *bit;
 * 0, or -1 with err (unknown, or not supported: say which are). */
int rm_context_parse(const char *type, uint32_t *bit, char *err, size_t errlen);
/* Adds context fields (CTF_CTX_* bits) to the sink's traces. On a started
 * sink the traces open so far are closed, and the next packets open new
 * ones (COMM-PID.1, ...) whose packet context has the fields: a CTF
 * stream's context cannot grow. Returns the bits that were new. */
uint32_t rm_sink_add_contexts(struct rm_sink *s, uint32_t bits);
uint32_t rm_sink_contexts(const struct rm_sink *s);
/* The filter text of pattern i, or NULL. */
const char *rm_sink_filter(const struct rm_sink *s, int i);
/* Events a filter could not be compiled for so far, and the first error. */
uint64_t rm_sink_filter_errors(const struct rm_sink *s, const char **first);
/* Blocking mode while the sink is started: a producer with no free chunk
 * waits up to `ns` for one (the longest of every started sink's wait, and
 * of rm_consumer_opts.block_ns, applies to an arena). 0 turns it off. */
void rm_sink_set_blocking(struct rm_sink *s, uint64_t ns);
/* Calls h (with ctx) for every trace s opens from now on. */
void rm_sink_set_hook(struct rm_sink *s, const struct rm_sink_hook *h, void *ctx);
/* Removes a glob added with exactly this text (0), or -1 when absent.
 * NULL removes every glob. */
int rm_sink_disable(struct rm_sink *s, const char *pattern);
int rm_sink_npatterns(const struct rm_sink *s);
const char *rm_sink_pattern(const struct rm_sink *s, int i);

/* Starts writing what the globs select (and sets the enable bytes). */
void rm_sink_start(struct rm_sink *s);
/* Clears its enable bytes, drains every arena into it, writes a flight
 * recorder's packets, and stops writing. The traces stay readable. */
void rm_sink_stop(struct rm_sink *s);

void rm_sink_stats(struct rm_sink *s, struct rm_sink_stats *out);

/* --- snapshot mode (consumer_snapshot.c) ---
 * The consumer keeps draining every arena (a stopped, killed or sandboxed
 * producer loses nothing committed) into a ring of closed packets per
 * process tree, in memory, dropping the oldest packets past ring_bytes
 * (0: the size of that tree's arena); nothing reaches the disk until
 * rm_sink_snapshot. The ring of a tree that ended is kept (all ended trees
 * of the sink share one budget of ring_bytes), so a snapshot taken after
 * the app exited holds its last events. Call before rm_sink_start. */
void rm_sink_set_snapshot(struct rm_sink *s, size_t ring_bytes);
bool rm_sink_is_snapshot(const struct rm_sink *s);

struct rm_snapshot_result {
	char path[4096];         /* the snapshot directory */
	uint64_t events;         /* records written */
	uint64_t discarded;      /* producers' losses inside the window (events_discarded) */
	uint64_t overwritten;    /* records dropped from the rings so far, older than the window */
	uint64_t refused;        /* records of events the writer refused */
	uint32_t traces;         /* trace directories (one per process tree) */
	uint32_t write_errors;
};

/* Drains every arena, then writes what the rings hold as one CTF trace per
 * process tree under `dir`, which must be absent or empty (created 0700),
 * or, when dir is NULL, under OUT_DIR/snapshot-N-YYYYmmdd-HHMMSS. The rings
 * are left as they are: recording goes on, and a later snapshot may hold
 * some of the same events. 0, or -1 with err (nothing usable was written). */
int rm_sink_snapshot(struct rm_sink *s, const char *dir, struct rm_snapshot_result *out,
		     char *err, size_t errlen);

/* `remora record --snapshot-on-exit`: rm_sink_snapshot of its sink, after
 * a final drain of the trees that are over. */
int rm_consumer_snapshot(struct rm_consumer *c, struct rm_snapshot_result *out, char *err,
			 size_t errlen);

/* Stops the sink if needed, closes its traces and frees it. */
void rm_sink_destroy(struct rm_sink *s, struct rm_sink_stats *out);

/* --- trace chunks: rotation and clear (consumer_chunks.c) ---
 *
 * A sink that is never rotated writes OUT/COMM-PID/ as always. Chunking
 * starts with a rotation schedule or the first rotation: then every trace
 * goes to OUT/chunk-NNNNN/COMM-PID/ (NNNNN from 00000), each chunk a
 * complete CTF trace on its own; at the first rotation of an unchunked
 * sink, the traces written so far move into chunk-00000/. A rotation cuts
 * between two packets: every packet is in exactly one chunk. */

/* The smallest --rotate-size: one packet of the largest arena chunk
 * (64 KiB) and its header, rounded up to a page. */
#define RM_ROTATE_SIZE_MIN (68u * 1024)
#define RM_ROTATE_TIMER_MAX (7u * 24 * 3600)  /* seconds */
#define RM_MAX_CHUNKS_MAX 1000000u

struct rm_rotation {
	uint64_t size;        /* close a chunk at the first packet at or past this many
				 stream bytes; 0: no size schedule */
	uint32_t timer_s;     /* close a chunk this many seconds after it began; 0: none */
	uint32_t max_chunks;  /* keep at most this many chunk directories (the one
				 being written included), deleting the oldest; 0: all */
};

/* Checks r (0, or -1 with one line in err saying which value is wrong).
 * rm_sink_set_rotation also refuses a flight-recorder sink. A schedule
 * turns chunking on at once. */
int rm_rotation_check(const struct rm_rotation *r, char *err, size_t errlen);
int rm_sink_set_rotation(struct rm_sink *s, const struct rm_rotation *r, char *err,
			 size_t errlen);
void rm_sink_rotation(const struct rm_sink *s, struct rm_rotation *out);
/* Turns chunking on without a rotation (a restored session that was
 * chunked); numbering goes on after the chunks already there. */
void rm_sink_chunked(struct rm_sink *s);

/* Drains every arena into s, closes the current chunk and opens the next
 * one for every live trace. Returns 0 with a line in msg (the closed
 * chunk's path, or that nothing was written since the last rotation), or
 * -1 with what failed in msg (the closed chunk is complete either way). */
int rm_sink_rotate(struct rm_sink *s, char *msg, size_t msglen);

/* Drops what s holds: drains every arena without writing what it drains,
 * empties a flight recorder's ring, closes and deletes every trace and
 * chunk written so far, and starts over (new chunks go on numbering).
 * 0, or -1 with what failed in msg. */
int rm_sink_clear(struct rm_sink *s, char *msg, size_t msglen);

/* Chunks closed so far, the number of the one being written (-1 when the
 * sink is not chunked), and the stream bytes written in all. */
void rm_sink_chunk_info(const struct rm_sink *s, uint32_t *closed, int64_t *current,
			uint64_t *bytes);

/* `remora record`'s sink (NULL without opts.out_dir). */
struct rm_sink *rm_consumer_record_sink(struct rm_consumer *c);

/* --- the process registry, for `remora list` --- */

struct rm_proc_info {
	uint32_t pid, ppid, uid, helper_pid;
	char comm[16];
	char exe[256];
	bool connected;          /* the helper is connected */
	bool attached;           /* the arena is mapped */
	uint32_t npids;          /* live processes of the tree */
	uint64_t lost;
};

/* Calls fn for every process tree; fn may call rm_consumer_event() for its
 * events. */
typedef void (*rm_proc_fn)(void *ctx, const struct rm_proc_info *p, uint32_t serial);
void rm_consumer_each_proc(struct rm_consumer *c, rm_proc_fn fn, void *ctx);

/* The event `id` of process tree `serial`: "provider:name" into buf, and
 * whether it is enabled. Returns -1 past the last event. */
int rm_consumer_event(struct rm_consumer *c, uint32_t serial, uint32_t id, char *buf,
		      size_t size, bool *enabled);

/* Calls fn with the "provider:name" of every event type of every attached
 * arena, process trees that are over included (consumer_types.c). */
typedef void (*rm_type_fn)(void *ctx, const char *name);
void rm_consumer_each_type(struct rm_consumer *c, rm_type_fn fn, void *ctx);

/* Whether the enable byte of event `id` of process tree `serial` names a
 * filter program the app runs (enable-event --filter, consumer_filter.c). */
bool rm_consumer_event_app_filter(struct rm_consumer *c, uint32_t serial, uint32_t id);

/* Whether an arena with this memfd inode (from /proc/PID/maps) is mapped. */
bool rm_consumer_knows_inode(struct rm_consumer *c, uint64_t ino);

#endif
