#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "consumer.h"
#include "ctf_writer.h"
#include "helper/proc_scan.h"
#include "helper/proto.h"
#include "shm/arena.h"
#include "shm/reader.h"

enum { EV_UNDECIDED = 0, EV_DECLARED, EV_REFUSED, EV_IGNORED };

struct conn {
	int sock;                  /* -1 once the helper hung up */
	bool attached, gone, done;
	struct rm_arena a;
	struct rm_arena_id id;
	struct rm_reader *r;
	struct ctf_writer *w;
	struct rm_msg_hello hello;
	uint8_t *ev;               /* per event id: EV_* */
	unsigned char *filtered;   /* packet copy without refused records */
	uint64_t refused;
	uint32_t pids[RM_PIDS_MAX];
	uint32_t npids;
	struct conn *next;
};

struct rm_consumer {
	struct rm_consumer_opts o;
	int listen_fd;
	struct conn *conns;
	struct rm_consumer_summary sum;
	uint32_t seen_pids[4096];
	uint32_t nseen;
	char hostname[256];
};

static void note_pid(struct rm_consumer *c, uint32_t pid)
{
	for (uint32_t i = 0; i < c->nseen; i++)
		if (c->seen_pids[i] == pid)
			return;
	if (c->nseen < 4096)
		c->seen_pids[c->nseen++] = pid;
	c->sum.processes++;
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
	if (!c) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->o = *o;
	c->listen_fd = fd;
	if (gethostname(c->hostname, sizeof(c->hostname) - 1) < 0)
		strcpy(c->hostname, "unknown");
	return c;
}

static bool selected(const struct rm_consumer *c, const struct rm_event_info *e)
{
	if (c->o.npatterns == 0)
		return true;
	char full[RM_NAME_MAX + RM_EVENT_NAME_MAX + 1];
	snprintf(full, sizeof(full), "%s:%s", e->provider, e->name);
	for (int i = 0; i < c->o.npatterns; i++)
		if (fnmatch(c->o.patterns[i], full, 0) == 0)
			return true;
	return false;
}

/* Declares newly seen events in the trace and sets their enable byte. */
static void sync_events(struct rm_consumer *c, struct conn *k)
{
	uint32_t n = rm_reader_event_count(k->r);
	for (uint32_t id = 0; id < n; id++) {
		if (k->ev[id] != EV_UNDECIDED)
			continue;
		const struct rm_event_info *e = rm_reader_event(k->r, id);
		if (!e)
			continue;
		char err[256];
		if (!selected(c, e)) {
			k->ev[id] = EV_IGNORED;
		} else if (ctf_writer_event_class(k->w, e, err, sizeof(err)) < 0) {
			fprintf(stderr, "remora: event %s:%s of pid %u refused: %s\n", e->provider,
				e->name, k->hello.pid, err);
			k->ev[id] = EV_REFUSED;
		} else {
			k->ev[id] = EV_DECLARED;
		}
		__atomic_store_n(&k->a.enable[id], k->ev[id] == EV_DECLARED, __ATOMIC_RELAXED);
	}
}

struct drain_ctx {
	struct rm_consumer *c;
	struct conn *k;
};

/* Keeps only records of declared events (an event refused or not selected
 * may still have records: enabled by REMORA_ENABLE before we decided). */
static int write_packet(void *arg, const struct rm_packet *p)
{
	struct drain_ctx *d = arg;
	struct conn *k = d->k;
	struct rm_packet q = *p;
	size_t out = 0;
	q.nrecords = 0;
	for (size_t off = 0; off < p->len;) {
		const struct rm_record *rec = (const void *)(p->data + off);
		uint32_t id = RM_REC_ID(rec->word), asz = RM_ALIGN8(RM_REC_SIZE(rec->word));
		if (k->ev[id] == EV_UNDECIDED)
			sync_events(d->c, k);
		if (k->ev[id] == EV_DECLARED) {
			if (q.nrecords++ == 0)
				q.ts_begin = rec->ts;
			q.ts_end = rec->ts;
			memcpy(k->filtered + out, rec, asz);
			out += asz;
		} else {
			k->refused++;
		}
		off += asz;
	}
	q.data = k->filtered;
	q.len = out;
	note_pid(d->c, p->pid);
	char err[512];
	if (ctf_writer_packet(k->w, &q, err, sizeof(err)) < 0) {
		fprintf(stderr, "remora: %s\n", err);
		d->c->sum.write_errors++;
	}
	return 0;
}

static void drain(struct rm_consumer *c, struct conn *k, bool final)
{
	if (!k->attached || k->done)
		return;
	sync_events(c, k);
	struct drain_ctx d = { c, k };
	rm_reader_drain(k->r, final, write_packet, &d);
}

static void sanitize(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-' || *s == '.'))
			*s = '_';
}

static int open_trace(struct rm_consumer *c, struct conn *k, char *err, size_t errlen)
{
	char comm[17], dir[PATH_MAX];
	memcpy(comm, k->hello.comm, 16);
	comm[16] = 0;
	sanitize(comm);
	struct timespec mono, real;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	struct ctf_trace_info info = {
		.hostname = c->hostname, .procname = comm, .clock = k->a.clock,
		.real_minus_mono_ns = (real.tv_sec - mono.tv_sec) * 1000000000ll +
				      (real.tv_nsec - mono.tv_nsec),
	};
	if (k->a.clock == RM_CLOCK_TSC) {
		struct rm_clock_pair p0 = rm_clock_pair_now();
		usleep(20000);
		info.calib = rm_clock_pair_now();
		info.tsc_hz = rm_clock_tsc_hz(p0, info.calib);
	}
	for (int n = 0; n < 1000; n++) {
		if (n == 0)
			snprintf(dir, sizeof(dir), "%s/%s-%u", c->o.out_dir, comm, k->hello.pid);
		else
			snprintf(dir, sizeof(dir), "%s/%s-%u.%d", c->o.out_dir, comm, k->hello.pid, n);
		if (access(dir, F_OK) == 0)
			continue;
		k->w = ctf_writer_open(dir, &info, err, errlen);
		return k->w ? 0 : -1;
	}
	snprintf(err, errlen, "no free trace directory name under %s", c->o.out_dir);
	return -1;
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
		fprintf(stderr, "remora: pid %u: arena refused: %s\n", m->pid,
			fd < 0 ? "no fd attached" : err);
		if (fd >= 0)
			close(fd);
		k->done = true;
		return;
	}
	close(fd); /* the mapping is enough */
	k->a.fd = -1;
	k->r = rm_reader_new(&k->a);
	k->ev = calloc(k->a.event_max, 1);
	k->filtered = malloc(k->a.chunk_size);
	if (!k->r || !k->ev || !k->filtered || open_trace(c, k, err, sizeof(err)) < 0) {
		fprintf(stderr, "remora: pid %u (%s): cannot record: %s\n", m->pid, k->hello.comm,
			k->r ? err : "out of memory");
		k->done = true;
		return;
	}
	k->attached = true;
	note_pid(c, m->pid);
	c->sum.arenas++;
	if (c->o.verbose)
		fprintf(stderr, "remora: tracing pid %u (%s)\n", m->pid, k->hello.comm);
	sync_events(c, k);
	send_ack(k);
}

static void on_message(struct rm_consumer *c, struct conn *k)
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
	int fd = -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (n <= 0) {
		close(k->sock);
		k->sock = -1;
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
		drain(c, k, true);
		k->gone = true;
		send_ack(k);
	} else {
		fprintf(stderr, "remora: malformed message (%zd bytes) from helper of pid %u: "
				"disconnecting it\n", n, k->hello.pid);
		close(k->sock);
		k->sock = -1;
	}
}

static void accept_all(struct rm_consumer *c)
{
	for (;;) {
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		struct ucred cr;
		socklen_t len = sizeof(cr);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
		    (cr.uid != getuid() && cr.uid != 0)) {
			fprintf(stderr, "remora: refused a connection from pid %d uid %d (only uid %d "
					"or root may register)\n", (int)cr.pid, (int)cr.uid, (int)getuid());
			close(fd);
			continue;
		}
		struct conn *k = calloc(1, sizeof(*k));
		if (!k) {
			close(fd);
			return;
		}
		k->sock = fd;
		k->next = c->conns;
		c->conns = k;
	}
}

/* A helper that vanished without GONE (killed): the tree is over when no
 * process it named and no process at all maps the arena any more. */
static bool tree_alive(struct conn *k)
{
	for (uint32_t i = 0; i < k->npids; i++)
		if (rm_maps_has(k->pids[i], &k->id) == 1)
			return true;
	uint32_t self = (uint32_t)getpid(), found;
	return rm_scan_mappers(&k->id, &self, 1, &found, 1) > 0;
}

int rm_consumer_active(struct rm_consumer *c)
{
	int n = 0;
	for (struct conn *k = c->conns; k; k = k->next) {
		if (k->done || k->gone)
			continue;
		if (k->sock < 0 && (!k->attached || !tree_alive(k))) {
			drain(c, k, true);
			k->gone = true;
			continue;
		}
		n++;
	}
	return n;
}

int rm_consumer_poll(struct rm_consumer *c, int timeout_ms)
{
	struct pollfd p[256];
	struct conn *who[256];
	int n = 0;
	p[n++] = (struct pollfd){ c->listen_fd, POLLIN, 0 };
	for (struct conn *k = c->conns; k && n < 256; k = k->next)
		if (k->sock >= 0) {
			who[n] = k;
			p[n++] = (struct pollfd){ k->sock, POLLIN, 0 };
		}
	if (poll(p, (nfds_t)n, timeout_ms) < 0 && errno != EINTR)
		return -1;
	if (p[0].revents)
		accept_all(c);
	for (int i = 1; i < n; i++)
		if (p[i].revents)
			on_message(c, who[i]);
	for (struct conn *k = c->conns; k; k = k->next)
		if (!c->o.flight_recorder && !k->gone)
			drain(c, k, false);
	return 0;
}

void rm_consumer_finish(struct rm_consumer *c, struct rm_consumer_summary *out)
{
	while (c->conns) {
		struct conn *k = c->conns;
		c->conns = k->next;
		/* final only when nobody can write any more: a live producer's
		 * chunk must not be freed under it */
		if (k->attached && !k->done)
			drain(c, k, k->gone || !tree_alive(k));
		if (k->attached) {
			const struct rm_reader_stats *st = rm_reader_stats(k->r);
			struct ctf_writer_stats ws;
			char err[512];
			if (ctf_writer_close(k->w, &ws, err, sizeof(err)) < 0) {
				fprintf(stderr, "remora: %s\n", err);
				c->sum.write_errors++;
			}
			c->sum.events += ws.events;
			c->sum.lost += st->lost + rm_reader_lost_global(k->r);
			c->sum.corrupt += st->corrupt;
			c->sum.refused += k->refused;
			rm_reader_free(k->r);
			rm_arena_unmap(&k->a);
		}
		if (k->sock >= 0)
			close(k->sock);
		free(k->ev);
		free(k->filtered);
		free(k);
	}
	close(c->listen_fd);
	unlink(c->o.socket_path);
	if (out)
		*out = c->sum;
	free(c);
}
