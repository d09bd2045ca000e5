/* `remora collect`: pulls the shipped ranges from the JetStream stream and
 * rebuilds every trace under DIR/HOST/SESSION/TRACE/, each range written at
 * its offset (a repeat writes the same bytes), the metadata replaced
 * atomically by a version at least as long (a trace's metadata only grows,
 * so a late resend of an older one is ignored). A message is acknowledged
 * only once its bytes are on disk (fsync of the file, and of the directory
 * for a new file); a crash before that gets it delivered again. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/ship/ship.h"

#define BATCH 32
#define FETCH_WAIT_MS 1000
#define OFFSET_MAX (1ull << 42)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct out_file {
	char path[PATH_MAX + 32];
	int fd;
};

struct batch {
	struct out_file f[BATCH];
	int nf;
	char dirs[BATCH][PATH_MAX]; /* directories that got a new entry */
	int nd;
};

struct totals {
	uint64_t messages, bytes, bad;
};

/* [A-Za-z0-9_.-]+, not starting with '.', shorter than 256. */
static bool name_ok(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		char ch = s[n];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '-' || (ch == '.' && n)))
			return false;
	}
	return n > 0 && n < 256;
}

/* A trace: 1 to 4 names separated by '/' ("COMM-PID", "COMM-PID/chunk-00001"). */
static bool trace_ok(const char *s)
{
	char buf[512];
	if (strlen(s) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", s);
	int n = 0;
	for (char *save = NULL, *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save))
		if (!name_ok(c) || ++n > 4)
			return false;
	return n > 0 && s[0] != '/' && s[strlen(s) - 1] != '/' && !strstr(s, "//");
}

static bool file_ok(const char *s)
{
	if (!strcmp(s, "metadata"))
		return true;
	if (strncmp(s, "stream_", 7) || !s[7] || strlen(s) > 16)
		return false;
	for (const char *p = s + 7; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static void note_dir(struct batch *b, const char *dir)
{
	for (int i = 0; i < b->nd; i++)
		if (!strcmp(b->dirs[i], dir))
			return;
	if (b->nd < BATCH)
		snprintf(b->dirs[b->nd++], PATH_MAX, "%s", dir);
}

/* mkdir -p, 0700; notes each directory that got a new entry. */
static int make_dirs(struct batch *b, char *path)
{
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char save = *p;
		*p = 0;
		if (mkdir(path, 0700) == 0) {
			char *slash = strrchr(path, '/');
			if (slash && slash != path) {
				*slash = 0;
				note_dir(b, path);
				*slash = '/';
			}
		} else if (errno != EEXIST) {
			*p = save;
			return -1;
		}
		*p = save;
		if (!save)
			return 0;
	}
}

static int get_fd(struct batch *b, const char *dir, const char *file, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	for (int i = 0; i < b->nf; i++)
		if (!strcmp(b->f[i].path, path))
			return b->f[i].fd;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			note_dir(b, dir);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(b->f[b->nf].path, sizeof(b->f[b->nf].path), "%s", path);
	b->f[b->nf++].fd = fd;
	return fd;
}

static int write_all(int fd, const char *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* The metadata: replaced when this version is at least as long as the one
 * on disk (a temp file, fsync, rename; the directory is synced after). */
static int put_metadata(struct batch *b, const char *dir, const char *data, size_t len, char *err,
			size_t errlen)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 32];
	struct stat st;
	snprintf(path, sizeof(path), "%s/metadata", dir);
	if (stat(path, &st) == 0 && (uint64_t)st.st_size > len)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s/.metadata.collect", dir);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, data, len, 0) < 0 || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return -1;
	}
	note_dir(b, dir);
	return 0;
}

/* Writes one message; 1 when it is not ours to write (bad headers): it is
 * terminated, not acknowledged; -1 on a write error. */
static int put(const struct collect_opts *o, struct batch *b, natsMsg *m, struct totals *tot)
{
	const char *host = NULL, *session = NULL, *trace = NULL, *file = NULL, *offs = NULL;
	natsMsgHeader_Get(m, SHIP_H_HOST, &host);
	natsMsgHeader_Get(m, SHIP_H_SESSION, &session);
	natsMsgHeader_Get(m, SHIP_H_TRACE, &trace);
	natsMsgHeader_Get(m, SHIP_H_FILE, &file);
	natsMsgHeader_Get(m, SHIP_H_OFFSET, &offs);
	char *end = NULL;
	unsigned long long off = offs ? strtoull(offs, &end, 10) : 0;
	if (!host || !session || !trace || !file || !offs || !name_ok(host) || !name_ok(session) ||
	    !trace_ok(trace) || !file_ok(file) || !*offs || *end || off > OFFSET_MAX) {
		fprintf(stderr, "remora collect: ignored a message on %s that is not a remora trace "
				"range (missing or bad %s header)\n", natsMsg_GetSubject(m),
			!host || !name_ok(host) ? SHIP_H_HOST : !session || !name_ok(session)
			? SHIP_H_SESSION : !trace || !trace_ok(trace) ? SHIP_H_TRACE
			: !file || !file_ok(file) ? SHIP_H_FILE : SHIP_H_OFFSET);
		tot->bad++;
		return 1;
	}
	char dir[PATH_MAX], err[PATH_MAX + 128];
	if (snprintf(dir, sizeof(dir), "%s/%s/%s/%s", o->out_dir, host, session, trace) >=
	    (int)sizeof(dir) - 32) {
		fprintf(stderr, "remora collect: path too long under %s\n", o->out_dir);
		return -1;
	}
	if (make_dirs(b, dir) < 0) {
		fprintf(stderr, "remora collect: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	const char *data = natsMsg_GetData(m);
	size_t len = (size_t)natsMsg_GetDataLength(m);
	if (!strcmp(file, "metadata")) {
		if (put_metadata(b, dir, data, len, err, sizeof(err)) < 0) {
			fprintf(stderr, "remora collect: %s\n", err);
			return -1;
		}
	} else {
		int fd = get_fd(b, dir, file, err, sizeof(err));
		if (fd < 0 || write_all(fd, data, len, off) < 0) {
			fprintf(stderr, "remora collect: %s\n", fd < 0 ? err : strerror(errno));
			return -1;
		}
	}
	tot->messages++;
	tot->bytes += len;
	if (o->verbose)
		fprintf(stderr, "remora collect: %s/%s/%s/%s: %zu bytes at %llu\n", host, session,
			trace, file, len, off);
	return 0;
}

/* Makes the batch durable: every file written, then every directory that
 * got a new entry. */
static int sync_batch(struct batch *b)
{
	int r = 0;
	for (int i = 0; i < b->nf; i++) {
		if (fsync(b->f[i].fd) < 0) {
			fprintf(stderr, "remora collect: cannot sync %s: %s\n", b->f[i].path,
				strerror(errno));
			r = -1;
		}
		close(b->f[i].fd);
	}
	for (int i = 0; i < b->nd; i++) {
		int fd = open(b->dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) < 0)
			r = -1;
		if (fd >= 0)
			close(fd);
	}
	b->nf = b->nd = 0;
	return r;
}

/* 1 when the consumer has nothing more to deliver right now. */
struct where {
	jsCtx *js;
	const char *stream, *durable;
};

static int drained(const struct where *w)
{
	jsConsumerInfo *ci = NULL;
	jsErrCode jerr = 0;
	/* asked by name: natsSubscription_GetConsumerInfo refuses a
	 * subscription bound to an existing consumer (libnats 3.4) */
	if (js_GetConsumerInfo(&ci, w->js, w->stream, w->durable, NULL, &jerr) != NATS_OK)
		return 0;
	int r = ci->NumPending == 0 && ci->NumAckPending == 0;
	uint64_t delivered = ci->Delivered.Stream;
	jsConsumerInfo_Destroy(ci);
	/* The consumer's leader counts what is pending from its own copy of
	 * the stream: a node restarted after a kill may still be catching up
	 * and see nothing pending while the stream holds more. Done only once
	 * the stream's leader says its last message has been delivered. */
	jsStreamInfo *si = NULL;
	if (!r || js_GetStreamInfo(&si, w->js, w->stream, NULL, &jerr) != NATS_OK)
		return 0;
	r = delivered >= si->State.LastSeq;
	jsStreamInfo_Destroy(si);
	return r;
}

/* A durable consumer per output directory: collecting again into the same
 * DIR resumes where the last run acknowledged; another DIR gets it all. */
static void durable_name(char *dst, size_t size, const char *out_dir)
{
	char real[PATH_MAX];
	const char *p = realpath(out_dir, real) ? real : out_dir;
	uint64_t h = 1469598103934665603ull;
	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	snprintf(dst, size, "remora-collect-%016llx", (unsigned long long)h);
}

static int collect_loop(const struct collect_opts *o, natsSubscription *sub, const struct where *w,
			struct totals *tot)
{
	struct batch b = { .nf = 0 };
	bool warned = false;
	while (!stop) {
		natsMsgList l = { 0 };
		jsErrCode jerr = 0;
		natsStatus s = natsSubscription_Fetch(&l, sub, BATCH, FETCH_WAIT_MS, &jerr);
		if (s == NATS_TIMEOUT || (s == NATS_OK && l.Count == 0)) {
			natsMsgList_Destroy(&l);
			if (!o->follow && drained(w))
				return 0;
			continue;
		}
		if (s != NATS_OK) {
			if (!warned)
				fprintf(stderr, "remora collect: fetching from the stream: %s; retrying\n",
					ship_errtext(s));
			warned = true;
			natsMsgList_Destroy(&l);
			usleep(500 * 1000);
			continue;
		}
		warned = false;
		int res[BATCH];
		int failed = 0;
		for (int i = 0; i < l.Count; i++)
			failed |= (res[i] = put(o, &b, l.Msgs[i], tot)) < 0;
		if (sync_batch(&b) < 0)
			failed = 1;
		if (failed) {
			/* nothing of this batch is acknowledged: it comes again */
			natsMsgList_Destroy(&l);
			fprintf(stderr, "remora collect: stopped: %s is not writable as needed; what "
					"was not written stays in the stream\n", o->out_dir);
			return 1;
		}
		for (int i = 0; i < l.Count; i++) {
			natsStatus a = res[i] == 1 ? natsMsg_Term(l.Msgs[i], NULL)
						   : natsMsg_AckSync(l.Msgs[i], NULL, &jerr);
			if (a != NATS_OK && !warned) {
				fprintf(stderr, "remora collect: an acknowledgment failed (%s); the "
						"message will come again and be written again\n",
					natsStatus_GetText(a));
				warned = true;
			}
		}
		natsMsgList_Destroy(&l);
	}
	return 0;
}

#define SETUP_TRIES 20

/* The stream (made when missing), the durable consumer (made here, then
 * bound: one the library made itself would be deleted with the
 * subscription, and the next run would start over), the subscription. */
static int bind_stream(jsCtx *js, const char *subject, const char *stream, const char *filter,
		       const char *durable, natsSubscription **sub, char *err, size_t errlen)
{
	int made = ship_stream_ensure(js, subject, err, errlen);
	if (made < 0)
		return -1;
	if (made == 1)
		fprintf(stderr, "remora collect: the stream %s did not exist: created it (nothing "
				"was shipped to it yet)\n", stream);
	jsConsumerConfig cc;
	jsConsumerConfig_Init(&cc);
	cc.Durable = durable;
	cc.FilterSubject = filter;
	cc.AckPolicy = js_AckExplicit;
	cc.DeliverPolicy = js_DeliverAll;
	cc.MaxAckPending = 4 * BATCH;
	jsConsumerInfo *ci = NULL;
	jsErrCode jerr = 0;
	natsStatus s = js_AddConsumer(&ci, js, stream, &cc, NULL, &jerr);
	jsConsumerInfo_Destroy(ci);
	if (s != NATS_OK && jerr != JSConsumerNameExistErr && jerr != JSConsumerExistingActiveErr) {
		snprintf(err, errlen, "cannot make the consumer %s on %s: %s", durable, stream,
			 ship_errtext(s));
		return -1;
	}
	jsSubOptions so;
	jsSubOptions_Init(&so);
	so.Stream = stream;
	so.Consumer = durable;
	s = js_PullSubscribe(sub, js, filter, durable, NULL, &so, &jerr);
	if (s != NATS_OK) {
		snprintf(err, errlen, "cannot subscribe to %s on %s (consumer %s): %s", filter,
			 stream, durable, ship_errtext(s));
		return -1;
	}
	return 0;
}

int rm_collect_run(const struct collect_opts *o)
{
	char err[600];
	struct ship_urls u;
	const char *subject = o->subject ? o->subject : SHIP_SUBJECT_DEFAULT;
	if (ship_urls_parse(o->urls, &u, err, sizeof(err)) < 0) {
		fprintf(stderr, "remora collect: bad server list: %s\n", err);
		return 2;
	}
	if (ship_subject_check(subject, err, sizeof(err)) < 0) {
		fprintf(stderr, "remora collect: %s\n", err);
		ship_urls_free(&u);
		return 2;
	}
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", o->out_dir);
	struct batch b0 = { .nf = 0 };
	if (make_dirs(&b0, dir) < 0 || access(dir, W_OK) != 0) {
		fprintf(stderr, "remora collect: cannot create or write %s: %s\n", o->out_dir,
			strerror(errno));
		ship_urls_free(&u);
		return 1;
	}
	natsOptions *no = ship_nats_options(&u, o->creds, err, sizeof(err));
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	natsSubscription *sub = NULL;
	int rc = 1;
	if (!no) {
		fprintf(stderr, "remora collect: %s\n", err);
		goto out;
	}
	natsStatus s = natsConnection_Connect(&nc, no);
	if (s != NATS_OK) {
		const char *why = nats_GetLastError(NULL);
		fprintf(stderr, "remora collect: cannot reach NATS at %s: %s\n", o->urls,
			why && *why ? why : natsStatus_GetText(s));
		goto out;
	}
	if (natsConnection_JetStream(&js, nc, NULL) != NATS_OK) {
		fprintf(stderr, "remora collect: no JetStream context\n");
		goto out;
	}
	char stream[160], filter[200], durable[64];
	ship_stream_name(stream, sizeof(stream), subject);
	snprintf(filter, sizeof(filter), "%s.>", subject);
	if (o->durable)
		snprintf(durable, sizeof(durable), "%s", o->durable);
	else
		durable_name(durable, sizeof(durable), o->out_dir);
	/* A cluster that just lost or regained a node answers its API late
	 * for a few seconds: try for SETUP_TRIES seconds before giving up. */
	for (int i = 0;; i++) {
		if (bind_stream(js, subject, stream, filter, durable, &sub, err, sizeof(err)) == 0)
			break;
		if (i + 1 == SETUP_TRIES || stop) {
			fprintf(stderr, "remora collect: %s\n", err);
			goto out;
		}
		if (i == 0)
			fprintf(stderr, "remora collect: %s; retrying for %d s\n", err, SETUP_TRIES);
		sleep(1);
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct totals tot = { 0 };
	struct where w = { js, stream, durable };
	rc = collect_loop(o, sub, &w, &tot);
	fprintf(stderr, "remora collect: %llu messages, %llu bytes written under %s%s\n",
		(unsigned long long)tot.messages, (unsigned long long)tot.bytes, o->out_dir,
		stop ? " (interrupted)" : "");
	if (tot.bad)
		fprintf(stderr, "remora collect: %llu messages on %s were not remora trace ranges "
				"and were dropped\n", (unsigned long long)tot.bad, filter);
out:
	natsSubscription_Destroy(sub);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	natsOptions_Destroy(no);
	ship_urls_free(&u);
	ship_lib_close();
	return rc;
}
