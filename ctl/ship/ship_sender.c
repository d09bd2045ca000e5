/* The shipper: a thread that publishes the final bytes of the trace files
 * to JetStream. The consumer's hook (on its thread) only records how far
 * each file is final, under a mutex, and returns; this thread reads the
 * bytes back from the files and publishes them asynchronously, at most
 * SHIP_WINDOW messages unacknowledged, so the consumer never waits on the
 * network and memory never grows with an outage. A message that fails, is
 * not acknowledged within ACK_WAIT_MS, or was in flight when the connection
 * dropped is published again from the file, under the same message id.
 * This file is the thread's loop, its connection and the owner's calls;
 * the slots' planning, the messages and their publish are ship_publish.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ship/ship_sender_int.h"

/* --- libnats's side: acknowledgments and connection events --- */

static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	(void)js;
	(void)pae;
	struct rm_ship *sh = closure;
	pthread_mutex_lock(&sh->mu);
	for (int i = 0; i < SHIP_WINDOW; i++) {
		struct slot *s = &sh->slots[i];
		if (s->state != SLOT_INFLIGHT || s->msg != msg)
			continue;
		s->msg = NULL;
		if (pa) {
			sh->st.messages++;
			sh->st.bytes += s->len;
			sh->st.header_bytes += s->hdr;
			if (s->f->stream == META_STREAM)
				s->f->meta_busy = false;
			s->state = SLOT_FREE;
		} else {
			s->state = SLOT_FAILED;
			s->at_ms = now_ms() + RETRY_MS;
		}
		break;
	}
	pthread_cond_signal(&sh->cv);
	pthread_mutex_unlock(&sh->mu);
	natsMsg_Destroy(msg);
}

static void on_disconnected(natsConnection *nc, void *closure)
{
	(void)nc;
	struct rm_ship *sh = closure;
	pthread_mutex_lock(&sh->mu);
	if (!sh->down && !sh->stopping)
		fprintf(stderr, "%s: ship: lost the connection to NATS; the trace goes on locally "
				"and what was not acknowledged will be sent again\n", sh->who);
	sh->down = true;
	pthread_mutex_unlock(&sh->mu);
}

static void on_closed(natsConnection *nc, void *closure)
{
	struct rm_ship *sh = closure;
	pthread_mutex_lock(&sh->mu);
	if (nc == sh->closing) {
		sh->closed = true;
		pthread_cond_signal(&sh->cv);
	}
	pthread_mutex_unlock(&sh->mu);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
	struct rm_ship *sh = closure;
	char url[256] = "?";
	natsConnection_GetConnectedUrl(nc, url, sizeof(url));
	pthread_mutex_lock(&sh->mu);
	if (sh->down)
		fprintf(stderr, "%s: ship: reconnected to %s\n", sh->who, url);
	sh->down = false;
	sh->reconnected = true;
	pthread_cond_signal(&sh->cv);
	pthread_mutex_unlock(&sh->mu);
}

/* --- the thread --- */

static int connect_once(struct rm_ship *sh)
{
	natsStatus s = natsConnection_Connect(&sh->nc, sh->opts);
	if (s != NATS_OK) {
		const char *why = nats_GetLastError(NULL);
		if (!sh->warned_connect)
			fprintf(stderr, "%s: ship: cannot reach NATS at %s: %s; the trace goes on "
					"locally, retrying every %d ms\n", sh->who, sh->urls.url[0],
				why && *why ? why : natsStatus_GetText(s), CONNECT_RETRY_MS);
		sh->warned_connect = true;
		sh->nc = NULL;
		return -1;
	}
	jsOptions jo;
	jsOptions_Init(&jo);
	jo.PublishAsync.AckHandler = on_ack;
	jo.PublishAsync.AckHandlerClosure = sh;
	/* our window is the bound; this one must never make a publish wait */
	jo.PublishAsync.MaxPending = SHIP_WINDOW * 4;
	jo.PublishAsync.StallWait = 1;
	jo.Wait = 2000; /* stream lookups: a cluster electing a leader answers late */
	s = natsConnection_JetStream(&sh->js, sh->nc, &jo);
	if (s != NATS_OK) {
		fprintf(stderr, "%s: ship: %s\n", sh->who, natsStatus_GetText(s));
		natsConnection_Destroy(sh->nc);
		sh->nc = NULL;
		return -1;
	}
	if (sh->warned_connect) {
		char url[256] = "?";
		natsConnection_GetConnectedUrl(sh->nc, url, sizeof(url));
		fprintf(stderr, "%s: ship: connected to %s\n", sh->who, url);
	}
	return 0;
}

static int ensure_stream(struct rm_ship *sh)
{
	char err[512];
	int r = ship_stream_ensure(sh->js, sh->subject, err, sizeof(err));
	if (r < 0) {
		if (!sh->warned_stream)
			fprintf(stderr, "%s: ship: %s; the trace goes on locally, retrying\n", sh->who,
				err);
		sh->warned_stream = true;
		return -1;
	}
	if (r == 1) {
		char name[160];
		ship_stream_name(name, sizeof(name), sh->subject);
		fprintf(stderr, "%s: ship: created the JetStream stream %s (subjects %s.>, file "
				"storage)\n", sh->who, name, sh->subject);
	}
	sh->stream_ok = true;
	return 0;
}

/* Under mu: messages that the library still holds after a reconnect are
 * taken back and sent again (their acknowledgments may never come). */
static void take_back_pending(struct rm_ship *sh)
{
	natsMsgList l = { 0 };
	/* libnats 3.4 crashes here when nothing was ever published async */
	if (!sh->published)
		return;
	/* not under mu: the library may hold its own lock while it calls
	 * on_ack, which takes mu */
	pthread_mutex_unlock(&sh->mu);
	natsStatus r = js_PublishAsyncGetPendingList(&l, sh->js);
	pthread_mutex_lock(&sh->mu);
	if (r != NATS_OK)
		return;
	for (int j = 0; j < l.Count; j++)
		for (int i = 0; i < SHIP_WINDOW; i++)
			if (sh->slots[i].state == SLOT_INFLIGHT && sh->slots[i].msg == l.Msgs[j]) {
				sh->slots[i].msg = NULL;
				sh->slots[i].state = SLOT_FAILED;
				sh->slots[i].at_ms = 0;
			}
	natsMsgList_Destroy(&l);
}

/* Under mu: everything final has been acknowledged. */
static bool all_done(struct rm_ship *sh)
{
	for (int i = 0; i < SHIP_WINDOW; i++)
		if (sh->slots[i].state != SLOT_FREE)
			return false;
	for (struct strace *t = sh->traces; t; t = t->next) {
		if (!t->closed || t->meta_due)
			return false;
		for (unsigned n = 0; n < t->nstreams; n++)
			if (t->streams[n] && t->streams[n]->final > t->streams[n]->sent)
				return false;
	}
	return true;
}

static void free_trace(struct strace *t)
{
	for (unsigned k = 0; k < t->nstreams; k++)
		if (t->streams[k]) {
			if (t->streams[k]->fd >= 0)
				close(t->streams[k]->fd);
			free(t->streams[k]);
		}
	free(t->streams);
	free(t);
}

/* Under mu: a closed trace whose every byte is acknowledged is forgotten
 * (its fds closed), so a long-running remorad session holds nothing for
 * the process trees that are over. */
static void reap_traces(struct rm_ship *sh)
{
	for (struct strace **pp = &sh->traces; *pp;) {
		struct strace *t = *pp;
		bool busy = !t->closed || t->meta_due || t->meta.meta_busy;
		for (unsigned n = 0; !busy && n < t->nstreams; n++)
			busy = t->streams[n] && t->streams[n]->final > t->streams[n]->sent;
		for (int i = 0; !busy && i < SHIP_WINDOW; i++)
			busy = sh->slots[i].state != SLOT_FREE && sh->slots[i].f->t == t;
		if (busy) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		free_trace(t);
	}
}

static void wait_ms(struct rm_ship *sh, int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += (long)ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	pthread_cond_timedwait(&sh->cv, &sh->mu, &ts);
}

static void *run(void *arg)
{
	struct rm_ship *sh = arg;
	pthread_mutex_lock(&sh->mu);
	for (;;) {
		uint64_t now = now_ms();
		if (sh->stopping && (now >= sh->deadline_ms || (sh->stream_ok && all_done(sh))))
			break;
		if (!sh->nc || !sh->stream_ok) {
			pthread_mutex_unlock(&sh->mu);
			int r = sh->nc ? ensure_stream(sh) : connect_once(sh);
			pthread_mutex_lock(&sh->mu);
			if (r < 0)
				wait_ms(sh, CONNECT_RETRY_MS);
			continue;
		}
		if (sh->reconnected) {
			sh->reconnected = false;
			take_back_pending(sh);
		}
		/* messages whose acknowledgment is overdue (the library's own
		 * timeout did not fire) go again */
		bool overdue = false;
		for (int i = 0; i < SHIP_WINDOW; i++)
			overdue = overdue || (sh->slots[i].state == SLOT_INFLIGHT &&
					      now - sh->slots[i].at_ms > ACK_WAIT_MS + 1000);
		if (overdue) {
			take_back_pending(sh);
			for (int i = 0; i < SHIP_WINDOW; i++)
				if (sh->slots[i].state == SLOT_INFLIGHT &&
				    now - sh->slots[i].at_ms > ACK_WAIT_MS + 1000) {
					sh->slots[i].msg = NULL;
					sh->slots[i].state = SLOT_FAILED;
					sh->slots[i].at_ms = 0;
				}
		}
		pthread_mutex_unlock(&sh->mu);
		bool up = natsConnection_Status(sh->nc) == NATS_CONN_STATUS_CONNECTED;
		pthread_mutex_lock(&sh->mu);
		int ready = up ? plan(sh, now) : 0;
		if (ready) {
			pthread_mutex_unlock(&sh->mu);
			publish_ready(sh);
			pthread_mutex_lock(&sh->mu);
			continue;
		}
		if (!sh->stopping)
			reap_traces(sh);
		wait_ms(sh, 50);
	}
	pthread_mutex_unlock(&sh->mu);
	return NULL;
}

/* --- the owner's side --- */

struct rm_ship *rm_ship_new(const struct ship_opts *o, char *err, size_t errlen)
{
	struct rm_ship *sh = calloc(1, sizeof(*sh));
	if (!sh) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(sh->who, sizeof(sh->who), "%s", o->who ? o->who : "remora");
	snprintf(sh->subject, sizeof(sh->subject), "%s", o->subject ? o->subject : SHIP_SUBJECT_DEFAULT);
	char e2[400];
	if (ship_urls_parse(o->urls, &sh->urls, e2, sizeof(e2)) < 0) {
		snprintf(err, errlen, "bad --ship %s: %s", o->urls ? o->urls : "", e2);
		goto fail;
	}
	if (ship_subject_check(sh->subject, e2, sizeof(e2)) < 0) {
		snprintf(err, errlen, "bad --ship-subject: %s", e2);
		goto fail;
	}
	if (o->creds && access(o->creds, R_OK) != 0) {
		snprintf(err, errlen, "cannot read the --ship-creds file %s: %s", o->creds,
			 strerror(errno));
		goto fail;
	}
	char host[256] = "";
	if (o->host)
		snprintf(host, sizeof(host), "%s", o->host);
	else if (gethostname(host, sizeof(host) - 1) < 0 || !*host)
		snprintf(host, sizeof(host), "unknown");
	ship_path_token(sh->host, sizeof(sh->host), host);
	snprintf(sh->root, sizeof(sh->root), "%s", o->root ? o->root : "");
	while (strlen(sh->root) > 1 && sh->root[strlen(sh->root) - 1] == '/')
		sh->root[strlen(sh->root) - 1] = 0;
	ship_path_token(sh->session, sizeof(sh->session), o->session && *o->session ? o->session : "session");
	char ht[256], st[256];
	ship_token(ht, sizeof(ht), sh->host);
	ship_token(st, sizeof(st), sh->session);
	snprintf(sh->pub_subject, sizeof(sh->pub_subject), "%s.%s.%s", sh->subject, ht, st);
	sh->opts = ship_nats_options(&sh->urls, o->creds, err, errlen);
	if (!sh->opts)
		goto fail;
	natsOptions_SetDisconnectedCB(sh->opts, on_disconnected, sh);
	natsOptions_SetReconnectedCB(sh->opts, on_reconnected, sh);
	natsOptions_SetClosedCB(sh->opts, on_closed, sh);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sh->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&sh->mu, NULL);
	return sh;
fail:
	ship_urls_free(&sh->urls);
	free(sh);
	return NULL;
}

int rm_ship_start(struct rm_ship *sh, char *err, size_t errlen)
{
	int e = pthread_create(&sh->th, NULL, run, sh);
	if (e) {
		snprintf(err, errlen, "cannot start the shipping thread: %s", strerror(e));
		return -1;
	}
	sh->started = true;
	return 0;
}

static uint64_t unsent_bytes(struct rm_ship *sh)
{
	uint64_t n = 0;
	for (int i = 0; i < SHIP_WINDOW; i++)
		if (sh->slots[i].state != SLOT_FREE)
			n += sh->slots[i].len;
	for (struct strace *t = sh->traces; t; t = t->next)
		for (unsigned k = 0; k < t->nstreams; k++)
			if (t->streams[k])
				n += t->streams[k]->final - t->streams[k]->sent;
	return n;
}

int rm_ship_finish(struct rm_ship *sh, int wait_ms_total, struct ship_stats *out)
{
	pthread_mutex_lock(&sh->mu);
	sh->stopping = true;
	sh->deadline_ms = now_ms() + (uint64_t)wait_ms_total;
	pthread_cond_signal(&sh->cv);
	pthread_mutex_unlock(&sh->mu);
	if (sh->started)
		pthread_join(sh->th, NULL);
	if (sh->nc) {
		/* No acknowledgment callback may run once sh is freed: take back
		 * what the library still holds (no callback comes for those),
		 * then close, which stops the delivery of the others. */
		pthread_mutex_lock(&sh->mu);
		take_back_pending(sh);
		sh->closing = sh->nc;
		pthread_mutex_unlock(&sh->mu);
		natsConnection_Close(sh->nc);
		/* the closed callback comes after the disconnected one, on the
		 * same libnats thread: once it has run, neither will touch sh */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 5;
		pthread_mutex_lock(&sh->mu);
		while (!sh->closed &&
		       pthread_cond_timedwait(&sh->cv, &sh->mu, &ts) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&sh->mu);
	}
	pthread_mutex_lock(&sh->mu);
	bool done = sh->stream_ok && all_done(sh);
	sh->st.unacked_bytes = done ? 0 : unsent_bytes(sh);
	if (!done)
		for (struct strace *t = sh->traces; t; t = t->next)
			sh->st.unacked_bytes += t->meta_due || t->meta.meta_busy;
	pthread_mutex_unlock(&sh->mu);
	if (sh->nc) {
		jsCtx_Destroy(sh->js);
		natsConnection_Destroy(sh->nc);
	}
	if (out)
		*out = sh->st;
	while (sh->traces) {
		struct strace *t = sh->traces;
		sh->traces = t->next;
		free_trace(t);
	}
	natsOptions_Destroy(sh->opts);
	ship_urls_free(&sh->urls);
	pthread_mutex_destroy(&sh->mu);
	pthread_cond_destroy(&sh->cv);
	free(sh);
	return done ? 0 : -1;
}
