/* Per-event contexts written by the app (shm/evctx.h): the call site, the
 * cpu and per-thread perf counters, in front of the payload of a record
 * while a consumer asks for them. Reached from remora_reserve() only when
 * the arena's evctx word is not zero; an event without contexts never
 * comes here.
 *
 * cpu_id: glibc's rseq area (one load, 0.3-0.6 ns); where rseq is not
 * registered (valgrind, old kernels), sched_getcpu(), which is the vDSO's
 * getcpu on x86-64 (6 ns here; RDTSCP's aux word took 40 ns and is not
 * on every CPU). No syscall either way.
 *
 * perf counters: at the thread's first read of a slot (and again after a
 * fork), perf_event_open() for this thread, mmap() of the counter's user
 * page, close() of the fd at once: the mapping keeps the counter alive and
 * the app's fd table keeps nothing. Each read is then the page's seqlock
 * plus `rdpmc` when the page allows it (cap_user_rdpmc); when it does not
 * (software counters, or no PMU as in most VMs), the page's `offset`,
 * which the kernel brings up to date whenever the thread is switched out:
 * the value as of the thread's last context switch, still monotone, no
 * syscall. A counter that cannot be opened (no such counter, seccomp,
 * perf_event_paranoid) is written as 0, and counted once per thread and
 * slot in the arena (evctx_perf_failed, in the record summary). The page
 * of a thread that exits stays mapped (one page per counter per thread
 * that read it). */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/rseq.h>

#include "inject/evctx.h"
#include "shm/evctx.h"
#include "shm/rsys.h"

struct perf_tls {
	uint64_t token;                                  /* rm_proc.token of pg[] */
	uint32_t tried;                                  /* slots opened or refused */
	const volatile struct perf_event_mmap_page *pg[RM_EVCTX_PERF_SLOTS];
};

static __thread struct perf_tls perf __attribute__((tls_model("initial-exec")));

static uint32_t cpu_now(void)
{
	const volatile struct rseq *rs =
		(const volatile struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
	int32_t c = __rseq_size >= 8 ? (int32_t)rs->cpu_id : -1;
	if (__builtin_expect(c >= 0, 1))
		return (uint32_t)c;
	c = sched_getcpu();
	return c >= 0 ? (uint32_t)c : 0;
}

static const volatile struct perf_event_mmap_page *perf_open(struct rm_arena *a, uint32_t s)
{
	struct perf_event_attr at;
	memset(&at, 0, sizeof(at));
	at.size = sizeof(at);
	at.type = __atomic_load_n(&a->hdr->evctx_perf[s].type, __ATOMIC_RELAXED);
	at.config = __atomic_load_n(&a->hdr->evctx_perf[s].config, __ATOMIC_RELAXED);
	at.exclude_kernel = 1; /* what perf_event_paranoid 2 allows for one's own thread */
	at.exclude_hv = 1;
	long fd = rsys(SYS_perf_event_open, &at, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return NULL;
	long pg = rsys(SYS_mmap, 0, 4096, PROT_READ, MAP_SHARED, fd, 0);
	rsys(SYS_close, fd);
	if (pg < 0 && pg > -4096)
		return NULL;
	return (const volatile struct perf_event_mmap_page *)pg;
}

static uint64_t perf_read(const volatile struct perf_event_mmap_page *pg)
{
	uint64_t v = 0;
	for (int tries = 0; tries < 16; tries++) { /* bounded: never spins */
		uint32_t seq = pg->lock;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		uint32_t idx = pg->index;
		v = (uint64_t)pg->offset;
		if (pg->cap_user_rdpmc && idx) {
			uint32_t lo, hi;
			__asm__ volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(idx - 1));
			uint32_t width = pg->pmc_width;
			int64_t pmc = (int64_t)((uint64_t)hi << 32 | lo);
			if (width > 0 && width < 64) {
				pmc <<= 64 - width;
				pmc >>= 64 - width;
			}
			v += (uint64_t)pmc;
		}
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		if (pg->lock == seq)
			break;
	}
	return v;
}

static uint64_t perf_value(struct rm_arena *a, uint32_t s)
{
	uint64_t token = a->proc->token;
	if (__builtin_expect(perf.token != token, 0)) {
		/* first read of this thread, or a forked child: the parent's
		 * pages are not inherited (perf mappings are VM_DONTCOPY) */
		memset((void *)perf.pg, 0, sizeof(perf.pg));
		perf.tried = 0;
		perf.token = token;
	}
	if (__builtin_expect(!(perf.tried & 1u << s), 0)) {
		perf.tried |= 1u << s; /* before the open: a handler nested here gives up */
		perf.pg[s] = perf_open(a, s);
		if (!perf.pg[s])
			__atomic_fetch_add(&a->hdr->evctx_perf_failed, 1, __ATOMIC_RELAXED);
	}
	return perf.pg[s] ? perf_read(perf.pg[s]) : 0;
}

unsigned char *rm_reserve_evctx(struct rm_arena *a, struct rm_writer *w, struct rm_wr *wr,
				uint32_t id, size_t payload, uint32_t m, const void *ip)
{
	m &= RM_EVCTX_BITS;
	size_t cs = rm_evctx_size(m);
	if (payload + cs > REMORA_PAYLOAD_MAX_ARENA) { /* no room: the record goes without */
		m = 0;
		cs = 0;
	}
	unsigned char *p = rm_reserve_nw(a, w, wr, id, payload + cs);
	if (!p)
		return NULL;
	wr->word |= (uint64_t)m << 24;
	if (m & RM_EVCTX_IP) {
		uint64_t v = (uint64_t)(uintptr_t)ip;
		memcpy(p, &v, 8);
		p += 8;
	}
	if (m & RM_EVCTX_CPU) {
		uint32_t c = cpu_now();
		memcpy(p, &c, 4);
		p += 4;
	}
	for (uint32_t slots = m >> 2; slots; slots &= slots - 1) { /* each perf slot set */
		uint64_t v = perf_value(a, (uint32_t)__builtin_ctz(slots));
		memcpy(p, &v, 8);
		p += 8;
	}
	return p;
}
