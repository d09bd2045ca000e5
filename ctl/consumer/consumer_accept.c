/* The consumer's intake: accepting helper connections without letting
 * idle ones or a shortage of fds stop it (issue 19). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/consumer/consumer_int.h"
#include "shm/clock.h"

/* Connections that have not said HELLO: any process of our uid can open
 * them, and 1,100 idle ones once took every fd of a consumer under
 * `ulimit -n 1024` (no /proc, no trace file, accept() failing at once in
 * a busy loop). Each gets HELLO_TIMEOUT_MS, and at most UNATTACHED_MAX are
 * held: a new one pushes out the oldest. A helper sends HELLO right after
 * connect, so it is read at accept and never waits in that queue. */

static void drop_conn(struct rm_consumer *c, struct conn *k)
{
	proc_del(c, k);
	free_conn(c, k);
}

int drop_idle(struct rm_consumer *c, uint64_t now, uint32_t keep)
{
	struct conn *k, *idle[UNATTACHED_MAX + 1];
	struct cds_lfht_iter it;
	uint32_t n = 0;
	int closed = 0;
	rcu_read_lock();
	EACH_CONN(c, it, k) {
		if (k->attached)
			continue;
		/* hung up, refused, too slow: dropped below */
		if (k->sock < 0 || k->done || now - k->accepted_ms >= HELLO_TIMEOUT_MS ||
		    n == UNATTACHED_MAX + 1)
			k->done = true;
		else
			idle[n++] = k;
	}
	rcu_read_unlock();
	while (n > keep) { /* the oldest goes first */
		uint32_t o = 0;
		for (uint32_t i = 1; i < n; i++)
			if (idle[i]->serial < idle[o]->serial)
				o = i;
		idle[o]->done = true;
		idle[o] = idle[--n];
	}
	struct conn *gone[64];
	do {
		int m = 0;
		rcu_read_lock();
		EACH_CONN(c, it, k)
			if (m < 64 && k->done && !k->attached)
				gone[m++] = k;
		rcu_read_unlock();
		for (int i = 0; i < m; i++)
			drop_conn(c, gone[i]);
		closed += m;
		if (m < 64)
			break;
	} while (1);
	return closed;
}

void accept_all(struct rm_consumer *c)
{
	uint64_t now = rm_clock_mono_ns() / 1000000;
	/* a bounded batch: a flood of connections must not starve the drain */
	for (int batch = 0; batch < 4 * UNATTACHED_MAX; batch++) {
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE) && drop_idle(c, now, 0) > 0)
			continue; /* fds of idle connections came back */
		if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			       errno == ENOMEM)) {
			/* poll() would report the listening socket ready at
			 * once: wait a while instead of spinning */
			c->accept_paused_until_ms = now + ACCEPT_PAUSE_MS;
			if (!c->warned_fds) {
				fprintf(stderr, "%s: cannot accept a helper connection: %s; "
						"retrying every %d ms\n", c->who, strerror(errno),
					ACCEPT_PAUSE_MS);
				c->warned_fds = true;
			}
			return;
		}
		if (fd < 0)
			return;
		struct ucred cr = { 0, (uid_t)-1, (gid_t)-1 };
		socklen_t len = sizeof(cr);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
		    cr.uid != geteuid()) {
			/* not root either: a root program's arena (a setuid one
			 * started by this user) is not this user's to read */
			fprintf(stderr, "%s: refused a helper connection from pid %d uid %d (only "
					"uid %d may register; trace it with a consumer of its own "
					"uid)\n", c->who, (int)cr.pid, (int)cr.uid, (int)geteuid());
			close(fd);
			continue;
		}
		struct conn *k = calloc(1, sizeof(*k));
		if (!k) {
			close(fd);
			return;
		}
		k->sock = fd;
		k->serial = ++c->next_serial;
		k->accepted_ms = now;
		/* the app clone()d the helper: its parent is the app, by its
		 * pid in our namespace (the app reports its own namespace's) */
		k->helper_parent = rm_task_ns_parent((uint32_t)cr.pid);
		proc_add(c, k, (uint32_t)cr.pid);
		on_message(c, k); /* a helper's HELLO is already there */
		if (!k->attached && k->sock >= 0)
			drop_idle(c, now, UNATTACHED_MAX);
	}
}

void rm_consumer_raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

