/* What the shipper's two sides share: the consumer's hook (ship_hook.c,
 * on the consumer's thread) records how far each trace file is final;
 * the sender (ship_sender.c and ship_publish.c, its own thread) publishes
 * those bytes. All of it under rm_ship.mu where a field says so. */
#ifndef REMORA_CTL_SHIP_SENDER_INT_H
#define REMORA_CTL_SHIP_SENDER_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ctl/ship/ship.h"

#define ACK_WAIT_MS 5000      /* an acknowledgment later than this: publish again */
#define RETRY_MS 250          /* after a failed publish */
#define CONNECT_RETRY_MS 1000
#define META_CHECK_MS 200     /* a trace's metadata is looked at this often while it grows */
#define META_STREAM UINT_MAX

struct sfile {
	struct strace *t;
	unsigned stream;          /* stream_<n>, or META_STREAM */
	int fd;                   /* -1 until first read */
	uint64_t final;           /* bytes the consumer says are final (under mu) */
	uint64_t sent;            /* bytes given a slot (sender thread) */
	/* metadata: the version last given a slot */
	uint64_t meta_size;
	int64_t meta_mtime_ns;
	bool meta_busy;           /* a slot holds it */
};

struct strace {
	char dir[PATH_MAX];
	char name[256];           /* the directory's last component */
	struct sfile meta;
	struct sfile **streams;   /* by stream number; NULL for unseen ones */
	unsigned nstreams;
	bool closed;              /* the consumer closed it (under mu) */
	bool meta_due;            /* look at the metadata again (under mu) */
	uint64_t meta_checked_ms;
	struct strace *next;
};

enum { SLOT_FREE, SLOT_READY, SLOT_INFLIGHT, SLOT_FAILED };

struct slot {
	int state;
	natsMsg *msg;             /* while in flight: to match the acknowledgment */
	struct sfile *f;
	uint64_t off;
	uint32_t len, hdr;        /* payload bytes, estimated header bytes */
	uint64_t at_ms;           /* published at / retry not before */
	bool resend;
};

struct rm_ship {
	struct ship_urls urls;
	char subject[160], pub_subject[700], host[256], session[256], who[64];
	char root[PATH_MAX];
	natsOptions *opts;
	natsConnection *nc;
	jsCtx *js;
	bool stream_ok, warned_connect, warned_stream, down;
	bool published;           /* js_PublishMsgAsync was called once */
	pthread_t th;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	struct strace *traces;
	struct slot slots[SHIP_WINDOW];
	bool stopping, reconnected;
	/* rm_ship_finish waits for the closed callback of the connection it
	 * closes: libnats queues the disconnected and closed callbacks on its
	 * own thread, and they must not run once sh is freed */
	natsConnection *closing;
	bool closed;
	uint64_t deadline_ms;
	struct ship_stats st;
};

static inline uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ship_publish.c, for the sender thread's loop (ship_sender.c). */
/* Under mu: gives free slots to what is final and not yet sent, and
 * failed ones whose time has come back to publishing. Returns how many
 * slots are ready. */
int plan(struct rm_ship *sh, uint64_t now);
/* Publishes the ready slots; mu not held (ship_publish.c says why). */
void publish_ready(struct rm_ship *sh);

/* A path element from a name: [A-Za-z0-9_.-], not starting with '.'. */
void ship_path_token(char *dst, size_t size, const char *src);

#endif
