/* The consumer core, connection side: helpers connect, are admitted by
 * SO_PEERCRED, hand over their arena, report their tree's pids and say
 * GONE. Draining is here too (drain_conn, the only caller of
 * rm_reader_drain); the drained packets go to consumer_sink.c, which
 * writes them. Apart from consumer.c (creation, the poll loop, the
 * summary) because this is the per-connection protocol: what one helper
 * may send, and when its tree is over. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/consumer/consumer_int.h"

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
void drain_conn(struct rm_consumer *c, struct conn *k, bool final)
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
bool tree_alive(struct conn *k)
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
void reap(struct rm_consumer *c)
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
