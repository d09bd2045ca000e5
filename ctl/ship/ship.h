/* Shipping traces to NATS JetStream, and collecting them back.
 *
 * The unit shipped is a byte range of a trace file that the consumer has
 * finished (complete CTF packets of a stream file, up to SHIP_CHUNK_MAX
 * bytes per message), or a whole `metadata` file. Each message carries in
 * its headers the host, the session, the trace directory, the file name
 * and the offset, and has a message id made of the same five things, so
 * JetStream's de-duplication window drops a resend the stream already
 * holds, and a collector rebuilds every file byte for byte by writing each
 * range at its offset (a repeat writes the same bytes again: harmless).
 *
 * The shipper (ship_sender.c) runs in a thread of its own: the consumer
 * only tells it, through struct rm_sink_hook, how far each file is final;
 * the thread reads the bytes back from the local files and publishes them
 * asynchronously with at most SHIP_WINDOW messages unacknowledged. Memory
 * is bounded by the window, whatever the network does; on a disconnect the
 * consumer keeps writing locally and the thread resends, from the files,
 * every message that was not acknowledged once a server is back. */
#ifndef REMORA_CTL_SHIP_H
#define REMORA_CTL_SHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nats/nats.h>

#include "ctl/consumer/consumer.h"

#define SHIP_SUBJECT_DEFAULT "remora.traces"
#define SHIP_CHUNK_MAX (256 * 1024)  /* payload bytes per message, below the 1 MiB max_payload */
#define SHIP_WINDOW 16               /* messages published and not yet acknowledged */

/* Message headers (ship_msg.c writes them, ship_collect.c checks them). */
#define SHIP_H_HOST "Remora-Host"
#define SHIP_H_SESSION "Remora-Session"
#define SHIP_H_TRACE "Remora-Trace"
#define SHIP_H_FILE "Remora-File"
#define SHIP_H_OFFSET "Remora-Offset"

struct ship_opts {
	const char *urls;     /* "nats://H:P[,H:P...]" or tls://; required */
	const char *subject;  /* subject prefix; NULL: SHIP_SUBJECT_DEFAULT */
	const char *creds;    /* NATS credentials file (JWT + NKey), or NULL */
	const char *host;     /* NULL: gethostname() */
	const char *session;  /* the session (record: the output directory's name) */
	const char *root;     /* the session's directory: a trace is named by its path
				 under it ("COMM-PID", "COMM-PID/chunk-00001"); NULL:
				 by its last component */
	const char *who;      /* prefix of messages on stderr ("remora") */
};

/* --- ship_url.c: the server list --- */

#define SHIP_URLS_MAX 16
struct ship_urls {
	char *url[SHIP_URLS_MAX];    /* each with a scheme: nats://H:P or tls://H:P */
	int n;
	bool tls;
};
/* Parses a comma-separated list; -1 with err naming the bad element. */
int ship_urls_parse(const char *list, struct ship_urls *u, char *err, size_t errlen);
void ship_urls_free(struct ship_urls *u);
/* Checks subject prefix (tokens of [A-Za-z0-9_-] separated by '.'). */
int ship_subject_check(const char *subject, char *err, size_t errlen);
/* A subject token or a path element from a name: anything but [A-Za-z0-9_-]
 * becomes '_'. */
void ship_token(char *dst, size_t size, const char *src);
/* The JetStream stream of a subject prefix: "remora.traces" -> "REMORA_TRACES". */
void ship_stream_name(char *dst, size_t size, const char *subject);

/* --- the shipper (ship_sender.c) --- */

struct ship_stats {
	uint64_t messages, bytes;   /* acknowledged: messages and payload bytes */
	uint64_t header_bytes;      /* header bytes of the acknowledged messages */
	uint64_t resent;            /* messages published again after a failure */
	uint64_t unacked_bytes;     /* final bytes never acknowledged (at rm_ship_finish) */
};

struct rm_ship;

/* Checks the options (URL, subject, credentials file) and prepares a
 * shipper; nothing touches the network yet. NULL with err on bad options. */
struct rm_ship *rm_ship_new(const struct ship_opts *o, char *err, size_t errlen);
/* The hook to give the consumer's sink (ctx: the shipper). */
extern const struct rm_sink_hook rm_ship_hook;
/* Starts the thread that connects and publishes (after any fork). */
int rm_ship_start(struct rm_ship *sh, char *err, size_t errlen);
/* Once the consumer has closed its traces: publishes what is left and waits
 * up to wait_ms for its acknowledgments, then stops and frees everything.
 * Returns 0 when every byte was acknowledged. */
int rm_ship_finish(struct rm_ship *sh, int wait_ms, struct ship_stats *out);

/* --- shared by both sides (ship_nats.c) --- */

/* Before a process that used libnats exits, after every connection and
 * subscription of it is destroyed: waits (bounded) until libnats's own
 * threads have unwound. They outlive natsConnection_Destroy(), and one
 * still running at exit raced OpenSSL's atexit clean-up of its locks
 * (ThreadSanitizer in ship_tls). Never in remorad while sessions ship. */
void ship_lib_close(void);
/* The last error libnats recorded, or the status's text. */
const char *ship_errtext(natsStatus s);
/* natsOptions for the URLs and credentials; NULL with err. */
natsOptions *ship_nats_options(const struct ship_urls *u, const char *creds, char *err,
				      size_t errlen);
/* Makes sure the stream of `subject` exists: creates it (file storage,
 * 3 replicas when the cluster has 3 nodes or more, else 1) when missing.
 * 0, 1 when it was created, -1 with err. */
int ship_stream_ensure(jsCtx *js, const char *subject, char *err, size_t errlen);

/* --- the collector (ship_collect.c) --- */

struct collect_opts {
	const char *urls, *subject, *creds, *out_dir, *durable;
	bool follow;
	bool verbose;
};
/* Returns the exit status of `remora collect`. */
int rm_collect_run(const struct collect_opts *o);

#endif
