/* Private to the helper's files: its state, shared by the loop
 * (helper_main.c: the process tree) and the consumer link (helper_link.c:
 * the socket). fuzz/fuzz_helper_proto.c drives the link through it. */
#ifndef REMORA_HELPER_INT_H
#define REMORA_HELPER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "helper/helper_main.h"
#include "shm/rsys.h"

struct watch {
	uint32_t pid;
	int pidfd;
};

struct helper {
	struct rm_helper_ctx *c;
	int app_maps;  /* /proc/<app>/maps, opened before the lockdown, or -1 */
	struct rm_arena *a;
	struct watch *w;
	uint32_t nw;
	int sock;
	uint32_t consumer_pid;
	uint32_t exec_cursor;
	bool changed;
	uint64_t next_connect_ms;
};

static inline uint64_t now_ms(void)
{
	struct timespec ts;
	rsys(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void set_state(struct helper *h, uint32_t st)
{
	__atomic_store_n(&h->a->hdr->helper_state, st, __ATOMIC_RELEASE);
}

/* helper_link.c: the consumer side of the protocol (helper/proto.h). */

/* Connects (at most every RETRY_MS) and sends HELLO with the memfd. */
void helper_try_connect(struct helper *h);
/* Sends the watched pids (PIDS). */
void helper_send_pids(struct helper *h);
/* Reads whatever the consumer sent; returns 1 for an ACK. Hangs up on
 * end of stream or an error. */
int helper_read_consumer(struct helper *h);
/* Says GONE and waits up to a second for the consumer's ACK. */
void helper_say_goodbye(struct helper *h);

#endif
