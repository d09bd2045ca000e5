/* The helper's link to the consumer (helper/proto.h): connect and hand
 * over the arena fd, report the tree's pids, say GONE. A consumer is
 * trusted with nothing: only a whole, well-formed ACK counts, and the
 * helper never accepts an fd from it (it passes no control buffer). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/un.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "helper/helper_int.h"
#include "helper/proto.h"
#include "shm/alloc.h"

#define RETRY_MS 500

static int send_msg(struct helper *h, const void *msg, size_t len, int fd)
{
	struct iovec iov = { (void *)msg, len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	long r = rsys(SYS_sendmsg, h->sock, &m, MSG_NOSIGNAL);
	return r == (long)len ? 0 : -1;
}

static void disconnect(struct helper *h)
{
	if (h->sock >= 0)
		rsys(SYS_close, h->sock);
	h->sock = -1;
	h->next_connect_ms = now_ms() + RETRY_MS;
	set_state(h, RM_HELPER_WAITING);
}

void helper_send_pids(struct helper *h)
{
	struct rm_msg_pids *m = rm_alloc(sizeof(*m));
	if (!m)
		return;
	m->h = (struct rm_msg_hdr){ RM_PROTO_MAGIC, RM_PROTO_VERSION, RM_MSG_PIDS,
				    sizeof(*m), 0 };
	for (uint32_t i = 0; i < h->nw && m->n < RM_PIDS_MAX; i++)
		m->pids[m->n++] = h->w[i].pid;
	if (send_msg(h, m, sizeof(*m), -1) < 0)
		disconnect(h);
	rm_free(m, sizeof(*m));
	h->changed = false;
}

/* Nobody listens: no session can want the events the stub enabled early
 * (RM_ENABLE_EARLY), so an untraced program goes back to the disabled
 * cost. A CAS, so a byte a consumer wrote meanwhile stays as it is. Asked
 * again at every retry: the stub may register more events. */
static void clear_early(struct rm_arena *a)
{
	uint32_t n = __atomic_load_n(&a->hdr->next_event_id, __ATOMIC_RELAXED);
	for (uint32_t id = 0; id < n && id < a->event_max; id++) {
		uint8_t early = RM_ENABLE_EARLY;
		if (__atomic_load_n(&a->enable[id], __ATOMIC_RELAXED) == early)
			__atomic_compare_exchange_n(&a->enable[id], &early, 0, false,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
}

void helper_try_connect(struct helper *h)
{
	if (now_ms() < h->next_connect_ms)
		return;
	h->next_connect_ms = now_ms() + RETRY_MS;
	long s = rsys(SYS_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path, h->c->socket_path, sizeof(sa.sun_path) - 1);
	long e = rsys(SYS_connect, s, &sa, sizeof(sa));
	if (e < 0) {
		rsys(SYS_close, s);
		if (e == -ENOENT || e == -ECONNREFUSED)
			clear_early(h->a);
		return;
	}
	/* The arena holds whatever the app traced: hand it only to a consumer
	 * of the app's own effective uid. Anyone can listen at a path the
	 * environment named (a setuid program ignores it, but a program that
	 * runs as root can still be pointed at another user's socket), and a
	 * less privileged peer must not receive a more privileged memory. */
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	if (rsys(SYS_getsockopt, s, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 ||
	    cred.uid != h->c->euid) {
		rsys(SYS_close, s);
		return;
	}
	h->consumer_pid = (uint32_t)cred.pid;
	h->sock = (int)s;
	if (send_msg(h, &h->c->hello, sizeof(h->c->hello), h->c->memfd) < 0) {
		disconnect(h);
		return;
	}
	set_state(h, RM_HELPER_CONNECTED);
	h->changed = true;
}

/* Reads whatever the consumer sent; returns 1 for an ACK. */
int helper_read_consumer(struct helper *h)
{
	struct rm_msg_ack m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	long n = rsys(SYS_recvmsg, h->sock, &mh, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && n != -EAGAIN)) {
		disconnect(h);
		return 0;
	}
	return n == (long)sizeof(m) && m.h.magic == RM_PROTO_MAGIC && m.h.type == RM_MSG_ACK;
}

/* Tell the consumer, wait up to a second for its ACK (it drains first). */
void helper_say_goodbye(struct helper *h)
{
	static const struct rm_msg_hdr gone = { RM_PROTO_MAGIC, RM_PROTO_VERSION, RM_MSG_GONE,
						sizeof(struct rm_msg_hdr), 0 };
	if (h->sock < 0 || send_msg(h, &gone, sizeof(gone), -1) < 0)
		return;
	uint64_t deadline = now_ms() + 1000;
	while (h->sock >= 0 && now_ms() < deadline) {
		struct pollfd p = { h->sock, POLLIN, 0 };
		struct timespec ts = { 0, 100 * 1000000 };
		if (rsys(SYS_ppoll, &p, 1, &ts, 0, 0) > 0 && helper_read_consumer(h))
			return;
	}
}

