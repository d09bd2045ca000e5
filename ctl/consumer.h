/* The consumer core shared by `remora record` and remorad: it accepts
 * helper connections on a Unix socket, admits same-uid (or root) peers
 * only, maps each process tree's arena, enables the selected events, and
 * drains committed records into one CTF trace per arena under out_dir. */
#ifndef REMORA_CTL_CONSUMER_H
#define REMORA_CTL_CONSUMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rm_consumer_opts {
	const char *socket_path;
	const char *out_dir;
	const char *const *patterns; /* "provider:name" globs; none = every event */
	int npatterns;
	bool flight_recorder;        /* overwrite mode: read only at the end */
	bool verbose;
};

struct rm_consumer_summary {
	uint64_t events;         /* records written to the trace */
	uint64_t lost;           /* records producers dropped or overwrote */
	uint64_t corrupt;        /* chunks cut short by malformed data */
	uint64_t refused;        /* records of refused (conflicting) events */
	uint32_t arenas;         /* process trees (one trace directory each) */
	uint32_t processes;      /* distinct pids seen */
	uint32_t write_errors;
};

struct rm_consumer;

/* Binds the socket (replacing a stale one). NULL on failure, with err. */
struct rm_consumer *rm_consumer_new(const struct rm_consumer_opts *o, char *err, size_t errlen);

/* Waits up to timeout_ms for connections and messages, then drains every
 * arena once. Returns 0, or -1 after a fatal error (reported on stderr). */
int rm_consumer_poll(struct rm_consumer *c, int timeout_ms);

/* Arenas whose process tree may still produce: connected and not GONE, or
 * disconnected with a live process. */
int rm_consumer_active(struct rm_consumer *c);

/* Final drain of every arena, closes all traces and the socket. */
void rm_consumer_finish(struct rm_consumer *c, struct rm_consumer_summary *out);

#endif
