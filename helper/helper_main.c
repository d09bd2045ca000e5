/* The helper process: a raw clone() of the app that holds every socket the
 * tracer needs, so the app holds none. It locks itself down first, then
 * loops: connect to the consumer (helper_link.c), hand over the arena fd,
 * watch the process tree through pidfds, and leave once every
 * process of the tree has exited or exec'd. Raw syscalls and the stub
 * allocator only: another app thread may have held a libc lock at clone
 * time. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/un.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "helper/helper_int.h"
#include "helper/lockdown.h"
#include "shm/alloc.h"
#include "shm/proc_maps.h"

#define TICK_MS 250
#define WATCH_MAX 4096
#define EXEC_CHECKS_PER_TICK 32

static bool watching(const struct helper *h, uint32_t pid)
{
	for (uint32_t i = 0; i < h->nw; i++)
		if (h->w[i].pid == pid)
			return true;
	return false;
}

/* Returns -ESRCH when no process has that pid any more. */
static long watch_add(struct helper *h, uint32_t pid)
{
	if (pid == 0 || h->nw == WATCH_MAX || watching(h, pid))
		return 0;
	long fd = rsys(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return fd; /* already gone, or no fd to spare */
	h->w[h->nw++] = (struct watch){ pid, (int)fd };
	h->changed = true;
	return 0;
}

/* The process left: forget it and free its pid-table entry for reuse. */
static void watch_drop(struct helper *h, uint32_t i)
{
	uint32_t pid = h->w[i].pid;
	rsys(SYS_close, h->w[i].pidfd);
	if (pid == h->c->hello.pid && h->app_maps >= 0) {
		rsys(SYS_close, h->app_maps);
		h->app_maps = -1;
	}
	h->w[i] = h->w[--h->nw];
	for (uint32_t k = 0; k < h->a->pid_max; k++) {
		uint32_t expect = pid;
		if (__atomic_load_n(&h->a->pids[k].pid, __ATOMIC_RELAXED) == pid)
			__atomic_compare_exchange_n(&h->a->pids[k].pid, &expect, 0, false,
						    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
	}
	h->changed = true;
}

/* Forked children register themselves in the pid table on their first event.
 * One that already exited and was reaped before we looked (a fork storm's
 * workers live for microseconds, we look every tick) is never watched, so
 * watch_drop() would never free its entry: free it here, or the table
 * fills up after pid_max such children and every later one scans all of
 * it for nothing. The CAS only clears the entry of that dead pid; a new
 * process that reuses the number claims an entry of its own. */
static void sync_pid_table(struct helper *h)
{
	for (uint32_t k = 0; k < h->a->pid_max; k++) {
		uint32_t pid = __atomic_load_n(&h->a->pids[k].pid, __ATOMIC_ACQUIRE);
		if (pid && __atomic_load_n(&h->a->pids[k].token, __ATOMIC_ACQUIRE) &&
		    watch_add(h, pid) == -ESRCH) {
			uint32_t expect = pid;
			__atomic_compare_exchange_n(&h->a->pids[k].pid, &expect, 0, false,
						    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
		}
	}
}

/* A process that exec'd keeps its pid but no longer maps the arena. */
static void check_execs(struct helper *h)
{
	for (uint32_t n = 0; n < EXEC_CHECKS_PER_TICK && h->nw; n++) {
		uint32_t i = h->exec_cursor++ % h->nw;
		int has = h->app_maps >= 0 && h->w[i].pid == h->c->hello.pid
				  ? rm_maps_fd_has(h->app_maps, &h->c->arena_id)
				  : rm_maps_has(h->w[i].pid, &h->c->arena_id);
		if (has == 0)
			watch_drop(h, i);
	}
}

/* Every process we knew is gone: look once more for any process that
 * still maps the arena (a grandchild that has not recorded yet). */
static bool tree_gone(struct helper *h)
{
	uint32_t skip[2] = { (uint32_t)rsys(SYS_getpid), h->consumer_pid };
	uint32_t found[64];
	int n = rm_scan_mappers(&h->c->arena_id, skip, 2, found, 64);
	for (int i = 0; i < n; i++)
		watch_add(h, found[i]);
	return h->nw == 0;
}

static void wait_tick(struct helper *h)
{
	struct pollfd *p = rm_alloc((h->nw + 1) * sizeof(*p));
	if (!p) {
		struct timespec ts = { 0, TICK_MS * 1000000 };
		rsys(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, 0);
		return;
	}
	for (uint32_t i = 0; i < h->nw; i++)
		p[i] = (struct pollfd){ h->w[i].pidfd, POLLIN, 0 };
	uint32_t n = h->nw;
	if (h->sock >= 0)
		p[n++] = (struct pollfd){ h->sock, POLLIN, 0 };
	struct timespec ts = { 0, TICK_MS * 1000000 };
	if (rsys(SYS_ppoll, p, n, &ts, 0, 0) > 0) {
		if (h->sock >= 0 && p[n - 1].revents)
			helper_read_consumer(h);
		for (uint32_t i = h->nw; i-- > 0;)
			if (p[i].revents)
				watch_drop(h, i);
	}
	rm_free(p, (h->nw + 1) * sizeof(*p));
}

void rm_helper_main(struct rm_helper_ctx *c)
{
	enum rm_lockdown_step step;
	/* Without capabilities the helper may not open /proc/<app>/maps of a
	 * root app (ptrace access check): open it now, while it still can. */
	char path[32] = "/proc/";
	char *p = path + 6, digits[12];
	int nd = 0;
	for (uint32_t v = c->hello.pid; nd == 0 || v; v /= 10)
		digits[nd++] = (char)('0' + v % 10);
	while (nd)
		*p++ = digits[--nd];
	memcpy(p, "/maps", 6);
	long maps = rsys(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	int keep[2] = { c->memfd, (int)maps };
	int err = rm_lockdown(keep, maps >= 0 ? 2 : 1, &step);
	c->hello.helper_pid = (uint32_t)rsys(SYS_getpid);
	c->hello.lockdown_err = err;
	c->hello.lockdown_step = step;
	struct helper h = { .c = c, .a = &c->arena, .sock = -1, .app_maps = maps >= 0 ? (int)maps : -1 };
	if (err) {
		set_state(&h, RM_HELPER_FAILED);
		rsys(SYS_exit_group, 1);
		__builtin_unreachable();
	}
	__atomic_store_n(&h.a->hdr->helper_pid, c->hello.helper_pid, __ATOMIC_RELEASE);
	set_state(&h, RM_HELPER_WAITING);
	h.w = rm_alloc(WATCH_MAX * sizeof(*h.w));
	if (!h.w)
		rsys(SYS_exit_group, 1);
	watch_add(&h, c->hello.pid);

	for (;;) {
		sync_pid_table(&h);
		check_execs(&h);
		if (h.nw == 0 && tree_gone(&h)) {
			/* A short-lived app may be gone before the first connect:
			 * what it committed is in the arena, so hand it over to a
			 * consumer that is there now (one attempt, no waiting). */
			if (h.sock < 0) {
				h.next_connect_ms = 0;
				helper_try_connect(&h);
			}
			break;
		}
		if (h.sock < 0)
			helper_try_connect(&h);
		if (h.sock >= 0 && h.changed)
			helper_send_pids(&h);
		wait_tick(&h);
	}
	helper_say_goodbye(&h);
	rsys(SYS_exit_group, 0);
	__builtin_unreachable();
}
