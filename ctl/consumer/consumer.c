/* The consumer core: creating it (its listening socket, the tables, the
 * recording sink), the poll loop that accepts, reads helper messages and
 * drains at the producers' cadence, and the finish that drains a last time
 * and sums up. What one connection does is consumer_conn.c; the rm_sink_*
 * calls that drain first are consumer_sink_api.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/consumer/consumer_int.h"
#include "shm/clock.h"

#define BUSY_WAIT_MS 1 /* drain cadence while producers keep it busy */
#define FLAT_OUT_RECORDS 8192 /* moved by one drain: drain again without a wait */
#define REAP_EVERY_MS 100

struct rm_consumer *rm_consumer_new(const struct rm_consumer_opts *o, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(o->socket_path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long (%zu bytes, at most %zu): %s",
			 strlen(o->socket_path), sizeof(sa.sun_path) - 1, o->socket_path);
		return NULL;
	}
	strcpy(sa.sun_path, o->socket_path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NULL;
	}
	/* A socket file nobody listens on is stale: replace it. */
	int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(probe);
		close(fd);
		snprintf(err, errlen, "another consumer already listens on %s", o->socket_path);
		return NULL;
	}
	if (probe >= 0)
		close(probe);
	unlink(o->socket_path);
	mode_t old = umask(0077);
	int b = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (b < 0 || listen(fd, 64) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", o->socket_path, strerror(errno));
		close(fd);
		return NULL;
	}
	struct rm_consumer *c = calloc(1, sizeof(*c));
	rcu_register_thread();
	if (c) {
		/* Fixed bucket count, no auto-resize: no worker thread (remorad's
		 * seccomp filter has no clone), and a per-user daemon holds
		 * hundreds of entries, not millions. */
		c->procs = cds_lfht_new(256, 256, 256, 0, NULL);
		c->streams = cds_lfht_new(256, 256, 256, 0, NULL);
	}
	if (!c || !c->procs || !c->streams) {
		if (c && c->procs)
			cds_lfht_destroy(c->procs, NULL);
		free(c);
		rcu_unregister_thread();
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->o = *o;
	c->tsc_start = rm_clock_pair_now();
	c->who = o->log_prefix ? o->log_prefix : "remora";
	c->wait_ms = BUSY_WAIT_MS;
	c->listen_fd = fd;
	if (gethostname(c->hostname, sizeof(c->hostname) - 1) < 0)
		strcpy(c->hostname, "unknown");
	if (o->out_dir) {
		c->rec = rm_sink_new(c, o->out_dir, false);
		if (!c->rec) {
			snprintf(err, errlen, "out of memory");
			rm_consumer_finish(c, NULL);
			return NULL;
		}
		/* snapshot mode writes nothing until rm_consumer_snapshot */
		if (o->snapshot)
			rm_sink_set_snapshot(c->rec, 0);
		else
			c->rec->open_on_attach = true;
		c->rec->contexts = o->contexts;
		if (o->hook)
			rm_sink_set_hook(c->rec, o->hook, o->hook_ctx);
		for (int i = 0; i < o->npatterns; i++)
			if (rm_sink_enable_filter(c->rec, o->patterns[i],
						  o->filters ? o->filters[i] : NULL, err, errlen) < 0) {
				rm_consumer_finish(c, NULL);
				return NULL;
			}
		if (o->npatterns == 0)
			rm_sink_enable(c->rec, "*");
		rm_sink_start(c->rec);
	}
	return c;
}

#define TSC_CALIB_MIN_NS 20000000ull

double consumer_tsc_hz(struct rm_consumer *c, struct rm_clock_pair now)
{
	if (!c->tsc_calibrated) {
		uint64_t ran = now.mono_ns - c->tsc_start.mono_ns;
		if (ran < TSC_CALIB_MIN_NS) {
			usleep((useconds_t)((TSC_CALIB_MIN_NS - ran) / 1000));
			now = rm_clock_pair_now();
		}
		c->tsc_calibrated = true;
	}
	/* the longer the baseline, the finer the estimate */
	return rm_clock_tsc_hz(c->tsc_start, now);
}

#define POLL_MAX 1024

/* What the readers of every arena have done so far: records handed over,
 * chunks and slots given back. A reaped tree makes the sum drop, which
 * reads as progress once: one short wait more. */
static uint64_t progress(struct rm_consumer *c, uint64_t *records)
{
	uint64_t n = 0;
	*records = 0;
	struct conn *k;
	struct cds_lfht_iter it;
	rcu_read_lock();
	EACH_CONN(c, it, k)
		if (k->r) {
			const struct rm_reader_stats *st = rm_reader_stats(k->r);
			n += st->records + st->chunks_freed + st->slots_freed;
			*records += st->records;
		}
	rcu_read_unlock();
	return n;
}

int rm_consumer_poll_with(struct rm_consumer *c, int timeout_ms, struct pollfd *extra, int nextra)
{
	static struct pollfd p[POLL_MAX];
	static struct conn *who[POLL_MAX];
	int n = 0;
	struct conn *k;
	struct cds_lfht_iter it;
	uint64_t start_ms = rm_clock_mono_ns() / 1000000;
	if (start_ms - c->idle_checked_ms >= HELLO_TIMEOUT_MS / 4) {
		c->idle_checked_ms = start_ms;
		drop_idle(c, start_ms, UNATTACHED_MAX);
	}
	/* a paused listening socket is polled as fd -1 (ignored) */
	bool paused = start_ms < c->accept_paused_until_ms;
	if (!paused)
		c->warned_fds = false;
	p[n++] = (struct pollfd){ paused ? -1 : c->listen_fd, POLLIN, 0 };
	for (int i = 0; i < nextra && n < POLL_MAX; i++)
		p[n++] = extra[i];
	int first = n;
	rcu_read_lock();
	EACH_CONN(c, it, k)
		if (k->sock >= 0 && n < POLL_MAX) {
			who[n] = k;
			p[n++] = (struct pollfd){ k->sock, POLLIN, 0 };
		}
	rcu_read_unlock();
	/* Producers cannot wake us (no syscall on their side), so the wait is
	 * the drain cadence: 1 ms while the last drain moved something, then
	 * doubling up to the caller's timeout when idle. A fixed 50 ms let
	 * 5,000 threads/s of churn exhaust the arena between two drains:
	 * 92 % of the events lost instead of 3-4 %. */
	int wait = c->wait_ms < timeout_ms ? c->wait_ms : timeout_ms;
	if (paused && (int)(c->accept_paused_until_ms - start_ms) < wait)
		wait = (int)(c->accept_paused_until_ms - start_ms);
	int r = poll(p, (nfds_t)n, wait);
	if (r < 0 && errno != EINTR)
		return -1;
	for (int i = 0; i < nextra; i++)
		extra[i].revents = r < 0 ? 0 : p[1 + i].revents;
	for (int i = first; r > 0 && i < n; i++)
		if (p[i].revents)
			on_message(c, who[i]);
	/* after who[] is done with: accepting may free idle connections */
	if (r > 0 && p[0].revents && !paused)
		accept_all(c);
	rcu_read_lock();
	EACH_CONN(c, it, k)
		if (!c->o.flight_recorder && !k->gone)
			drain_conn(c, k, false);
	rcu_read_unlock();
	uint64_t records, done = progress(c, &records);
	if (done != c->progress) {
		/* A drain that moved a lot means a producer writes flat out: at
		 * 30 M records/s, 16 MiB fill in 15 ms, so drain again at once
		 * rather than sleep through a millisecond of it. */
		c->wait_ms = records - c->records >= FLAT_OUT_RECORDS ? 0 : BUSY_WAIT_MS;
		c->progress = done;
	}
	else if (c->wait_ms < timeout_ms)
		c->wait_ms = c->wait_ms == 0 ? BUSY_WAIT_MS
			   : c->wait_ms * 2 > timeout_ms ? timeout_ms : c->wait_ms * 2;
	c->records = records;
	/* not at the busy drain cadence: a tree whose helper is gone is
	 * checked in /proc (maps, or a scan of every process) */
	uint64_t now = rm_clock_mono_ns() / 1000000;
	sink_chunk_tick(c, now * 1000000);
	if (c->o.reap && now - c->reaped_ms >= REAP_EVERY_MS) {
		c->reaped_ms = now;
		rm_consumer_active(c);
		reap(c);
	}
	return 0;
}

int rm_consumer_poll(struct rm_consumer *c, int timeout_ms)
{
	return rm_consumer_poll_with(c, timeout_ms, NULL, 0);
}

void rm_consumer_finish(struct rm_consumer *c, struct rm_consumer_summary *out)
{
	struct conn *k, *all = NULL;
	struct cds_lfht_iter it;
	rcu_read_lock();
	EACH_CONN(c, it, k) {
		/* final only when nobody can write any more: a live producer's
		 * chunk must not be freed under it */
		if (k->attached && !k->done)
			drain_conn(c, k, k->gone || !tree_alive(k));
		cds_lfht_del(c->procs, &k->node);
		k->next_dead = all;
		all = k;
	}
	rcu_read_unlock();
	synchronize_rcu();
	while (all) {
		k = all;
		all = k->next_dead;
		free_conn(c, k);
	}
	while (c->sinks) {
		struct rm_sink_stats st;
		const char *ferr;
		uint64_t nf = rm_sink_filter_errors(c->sinks, &ferr);
		if (nf && !c->sum.filter_errors)
			snprintf(c->sum.filter_err, sizeof(c->sum.filter_err), "%s", ferr);
		c->sum.filter_errors += nf;
		rm_sink_destroy(c->sinks, &st); /* unlinks it */
		c->sum.events += st.events;
		c->sum.refused += st.refused;
		c->sum.write_errors += st.write_errors;
		c->sum.unwritten += st.unwritten;
	}
	cds_lfht_destroy(c->procs, NULL);
	cds_lfht_destroy(c->streams, NULL);
	close(c->listen_fd);
	unlink(c->o.socket_path);
	if (out)
		*out = c->sum;
	free(c);
	rcu_unregister_thread();
}
