/* The consumer core, connection side: helpers connect, are admitted by
 * SO_PEERCRED, hand over their arena, report their tree's pids and say
 * GONE. Draining is here too (drain_conn, the only caller of
 * rm_reader_drain); the drained packets go to consumer_sink.c, which
 * writes them. */
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

static void note_pid(struct rm_consumer *c, uint32_t pid)
{
	for (uint32_t i = 0; i < c->nseen; i++)
		if (c->seen_pids[i] == pid)
			return;
	if (c->nseen < 4096)
		c->seen_pids[c->nseen++] = pid;
	c->sum.processes++;
}

void proc_add(struct rm_consumer *c, struct conn *k, uint32_t key)
{
	k->key = key;
	cds_lfht_node_init(&k->node);
	rcu_read_lock();
	cds_lfht_add(c->procs, hash_u64(key), &k->node);
	rcu_read_unlock();
}

void proc_del(struct rm_consumer *c, struct conn *k)
{
	rcu_read_lock();
	cds_lfht_del(c->procs, &k->node);
	rcu_read_unlock();
	synchronize_rcu();
}

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

struct drain_ctx {
	struct rm_consumer *c;
	struct conn *k;
};

/* Records dropped outside any slot (no free slot, a handler inside its
 * thread's setup, nesting too deep) belong to no stream: they ride on the
 * next packet of the tree, so the trace's events_discarded add up to the
 * summary's lost count. */
static void take_global_lost(struct conn *k, struct rm_packet *q)
{
	uint64_t g = rm_reader_lost_global(k->r), d = g > k->global_reported ? g - k->global_reported : 0;
	uint64_t cat = rm_reader_lost_catalog(k->r);
	uint64_t dc = cat > k->catalog_reported ? cat - k->catalog_reported : 0;
	dc = dc < d ? dc : d; /* the app writes both counters: bound one by the other */
	k->global_reported += d;
	k->catalog_reported += dc;
	q->lost += d;
	q->lost_by[RM_LOST_CATALOG] += dc;
	q->lost_by[RM_LOST_NO_SLOT] += d - dc;
}

static int on_packet(void *arg, const struct rm_packet *p)
{
	struct drain_ctx *d = arg;
	note_pid(d->c, p->pid);
	struct rm_packet q = *p;
	take_global_lost(d->k, &q);
	sink_packet(d->c, d->k, &q);
	return 0;
}

/* The only way records reach a trace: rm_reader_drain, then the sinks. */
static void drain_conn(struct rm_consumer *c, struct conn *k, bool final)
{
	if (!k->attached || k->done)
		return;
	sink_sync_conn(c, k);
	struct drain_ctx d = { c, k };
	rm_reader_drain(k->r, final, on_packet, &d);
	if (final) { /* what no packet took: one of its own, with no records */
		struct rm_packet p = { .pid = k->hello.pid, .tid = k->hello.pid };
		take_global_lost(k, &p);
		if (p.lost)
			sink_packet(c, k, &p);
	}
}

static void send_ack(struct conn *k)
{
	struct rm_msg_ack m = { { RM_PROTO_MAGIC, RM_PROTO_VERSION, RM_MSG_ACK, sizeof(m), 0 } };
	if (k->sock >= 0)
		send(k->sock, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void on_hello(struct rm_consumer *c, struct conn *k, const struct rm_msg_hello *m, int fd)
{
	char err[512];
	k->hello = *m;
	k->hello.comm[15] = 0;
	k->hello.exe[255] = 0;
	if (fd < 0 || rm_arena_attach(fd, &k->a, err, sizeof(err)) < 0 ||
	    rm_arena_id_of(fd, &k->id) < 0) {
		fprintf(stderr, "%s: pid %u: arena refused: %s\n", c->who, m->pid,
			fd < 0 ? "no fd attached" : err);
		if (fd >= 0)
			close(fd);
		k->done = true;
		return;
	}
	/* The reader learns the memfd's identity (for its exec check) from
	 * the fd; after that the mapping is enough. */
	k->r = rm_reader_new(&k->a);
	close(fd);
	k->a.fd = -1;
	k->enabled = calloc(k->a.event_max, 1);
	k->filtered = malloc(k->a.chunk_size);
	if (!k->r || !k->enabled || !k->filtered) {
		fprintf(stderr, "%s: pid %u (%s): cannot record: out of memory\n", c->who, m->pid,
			k->hello.comm);
		k->done = true;
		return;
	}
	/* The registry is keyed by the app's pid from now on. */
	proc_del(c, k);
	proc_add(c, k, m->pid);
	rm_task_ns_init(&k->tns, k->helper_parent, m->pid);
	k->attached = true;
	note_pid(c, m->pid);
	c->sum.arenas++;
	if (c->o.verbose)
		fprintf(stderr, "%s: tracing pid %u (%s)\n", c->who, m->pid, k->hello.comm);
	/* Whatever enabled events before us (REMORA_ENABLE, a consumer that
	 * died), the enable table is ours now. Start from what it holds, so
	 * sink_sync_conn() writes only what changes: an event that stays on is
	 * never switched off for an instant (its records would be skipped,
	 * not even counted as lost). */
	__atomic_store_n(&k->a.hdr->enable_written, 1, __ATOMIC_RELEASE); /* older stubs: no more EARLY */
	for (uint32_t id = 0; id < k->a.event_max; id++)
		k->enabled[id] = __atomic_load_n(&k->a.enable[id], __ATOMIC_RELAXED) != 0;
	sink_conn_attached(c, k);
	sink_sync_conn(c, k);
	send_ack(k);
}

static bool tree_alive(struct conn *k);

/* Every fd received is ours: keep the one of a single-fd SCM_RIGHTS,
 * close any other (two fds fit in the control buffer; a hostile helper
 * could otherwise leak fds into us until accept() fails). */
static int take_fd(struct msghdr *mh)
{
	int fd = -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int x;
			memcpy(&x, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (nfd == 1 && fd < 0)
				fd = x;
			else
				close(x);
		}
	}
	return fd;
}

/* A helper says GONE before it leaves; one that did not was killed (a
 * forbidden syscall is SIGSYS) or its consumer link broke. The arena
 * stays mapped: nothing committed is lost. */
static void on_hangup(struct rm_consumer *c, struct conn *k)
{
	if (k->attached && !k->gone && !k->helper_left)
		fprintf(stderr, "%s: the helper of pid %u (%s) went away without saying goodbye "
				"(killed?); still reading its arena\n", c->who, k->hello.pid,
			k->hello.comm);
	close(k->sock);
	k->sock = -1;
}

/* The helper may not see every process of its tree: a root helper without
 * capabilities cannot read a root grandchild's /proc maps. A final drain
 * would free chunks a live producer still writes, so check for ourselves;
 * if anything still maps the arena, keep reading it as for a helper that
 * went away. */
static void on_gone(struct rm_consumer *c, struct conn *k)
{
	if (tree_alive(k)) {
		drain_conn(c, k, false);
		k->helper_left = true;
	} else {
		drain_conn(c, k, true);
		k->gone = true;
	}
	send_ack(k);
}

void on_message(struct rm_consumer *c, struct conn *k)
{
	union {
		struct rm_msg_hdr h;
		struct rm_msg_hello hello;
		struct rm_msg_pids pids;
	} m;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(k->sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0)
		mh.msg_controllen = 0; /* u.buf holds stack garbage, not fds to close */
	int fd = take_fd(&mh);
	if (n <= 0) {
		if (fd >= 0)
			close(fd); /* a zero-length packet can carry one too */
		on_hangup(c, k);
		return;
	}
	bool ok = n >= (ssize_t)sizeof(m.h) && m.h.magic == RM_PROTO_MAGIC &&
		  m.h.version == RM_PROTO_VERSION && m.h.len == (uint32_t)n;
	if (ok && m.h.type == RM_MSG_HELLO && n == sizeof(m.hello) && !k->attached && !k->done) {
		on_hello(c, k, &m.hello, fd);
		return;
	}
	if (fd >= 0)
		close(fd);
	if (ok && m.h.type == RM_MSG_PIDS && n == sizeof(m.pids) && m.pids.n <= RM_PIDS_MAX) {
		k->npids = m.pids.n;
		memcpy(k->pids, m.pids.pids, m.pids.n * sizeof(uint32_t));
	} else if (ok && m.h.type == RM_MSG_GONE) {
		on_gone(c, k);
	} else {
		fprintf(stderr, "%s: malformed message (%zd bytes) from helper of pid %u: "
				"disconnecting it\n", c->who, n, k->hello.pid);
		close(k->sock);
		k->sock = -1;
	}
}

/* A helper that vanished without GONE (killed): the tree is over when no
 * process it named and no process at all maps the arena any more. A scan
 * that could not look (out of fds) is not evidence: the tree lives on. */
static bool tree_alive(struct conn *k)
{
	for (uint32_t i = 0; i < k->npids; i++)
		if (rm_maps_has(k->pids[i], &k->id) == 1)
			return true;
	uint32_t self = (uint32_t)getpid(), found;
	return rm_scan_mappers(&k->id, &self, 1, &found, 1) != 0;
}

void free_conn(struct rm_consumer *c, struct conn *k)
{
	if (k->attached) {
		sink_conn_closed(c, k);
		const struct rm_reader_stats *st = rm_reader_stats(k->r);
		c->sum.lost += st->lost + rm_reader_lost_global(k->r);
		c->sum.corrupt += st->corrupt;
		struct rm_reader_causes why;
		rm_reader_causes(k->r, &why);
		c->sum.lost_buffer_full += why.buffer_full;
		c->sum.lost_too_large += why.too_large;
		c->sum.lost_no_slot += why.no_slot;
		c->sum.lost_catalog += why.catalog_full;
		c->sum.lost_refused += why.refused;
		c->sum.lost_corrupt += why.corrupt;
		c->sum.lost_overwritten += why.overwritten;
		c->sum.truncated += why.truncated;
		c->sum.perf_failed += __atomic_load_n(&k->a.hdr->evctx_perf_failed, __ATOMIC_RELAXED);
		rm_reader_free(k->r);
		rm_arena_unmap(&k->a);
	}
	if (k->sock >= 0)
		close(k->sock);
	free(k->enabled);
	free(k->filtered);
	free(k->evbuf);
	rm_task_ns_free(&k->tns);
	free(k);
}

/* remorad: forget trees that are over (their traces are complete). */
static void reap(struct rm_consumer *c)
{
	struct conn *k, *dead[64];
	struct cds_lfht_iter it;
	int n = 0;
	rcu_read_lock();
	EACH_CONN(c, it, k)
		if (n < 64 && (k->done || k->gone)) {
			cds_lfht_del(c->procs, &k->node);
			dead[n++] = k;
		}
	rcu_read_unlock();
	if (!n)
		return;
	synchronize_rcu();
	for (int i = 0; i < n; i++)
		free_conn(c, dead[i]);
}

int rm_consumer_active(struct rm_consumer *c)
{
	int n = 0;
	struct conn *k;
	struct cds_lfht_iter it;
	rcu_read_lock();
	EACH_CONN(c, it, k) {
		if (k->done || k->gone)
			continue;
		if (k->sock < 0 && (!k->attached || !tree_alive(k))) {
			drain_conn(c, k, true);
			k->gone = true;
			continue;
		}
		n++;
	}
	rcu_read_unlock();
	return n;
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

void consumer_drain_all(struct rm_consumer *c)
{
	struct conn *k;
	struct cds_lfht_iter it;
	rcu_read_lock();
	EACH_CONN(c, it, k)
		if (!k->gone)
			drain_conn(c, k, false);
	rcu_read_unlock();
}

/* Stopping a sink drains every arena into it first: what was committed
 * before the stop is in its traces. */
void rm_sink_stop(struct rm_sink *s)
{
	if (!sink_stop_begin(s))
		return;
	consumer_drain_all(s->c);
	sink_stop_end(s);
}

/* A rotation drains first, so the closed chunk holds what was committed
 * before the request. */
int rm_sink_rotate(struct rm_sink *s, char *msg, size_t msglen)
{
	if (s->state == SINK_STARTED && !s->overwrite)
		consumer_drain_all(s->c);
	return sink_rotate(s, msg, msglen);
}

/* A clear drains without writing (ch.clearing), so what was committed
 * before the request is dropped with what was written. */
int rm_sink_clear(struct rm_sink *s, char *msg, size_t msglen)
{
	s->ch.clearing = true;
	consumer_drain_all(s->c);
	s->ch.clearing = false;
	return sink_clear_end(s, msg, msglen);
}

struct rm_sink *rm_consumer_record_sink(struct rm_consumer *c)
{
	return c->rec;
}

void rm_sink_destroy(struct rm_sink *s, struct rm_sink_stats *out)
{
	rm_sink_stop(s);
	sink_free(s, out);
}

/* What the arenas hold now reaches the rings first: a stopped producer's
 * committed prefix, a killed one's sealed chunks. */
int rm_sink_snapshot(struct rm_sink *s, const char *dir, struct rm_snapshot_result *out,
		     char *err, size_t errlen)
{
	struct rm_consumer *c = s->c;
	if (!s->snapshot) {
		snprintf(err, errlen, "not in snapshot mode");
		return -1;
	}
	struct conn *k;
	struct cds_lfht_iter it;
	rcu_read_lock();
	EACH_CONN(c, it, k)
		if (!k->gone)
			drain_conn(c, k, false);
	rcu_read_unlock();
	return snap_write(s, dir, out, err, errlen);
}

int rm_consumer_snapshot(struct rm_consumer *c, struct rm_snapshot_result *out, char *err,
			 size_t errlen)
{
	if (!c->rec) {
		snprintf(err, errlen, "no recording sink");
		return -1;
	}
	rm_consumer_active(c); /* final drain of the trees that are over */
	return rm_sink_snapshot(c->rec, NULL, out, err, errlen);
}
