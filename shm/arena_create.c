/* Producer side of arena setup. Runs in the stub's constructor and in
 * forked children: raw syscalls only, no libc allocation or stdio. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <linux/memfd.h>
#include <sys/mman.h>

#include "arena.h"
#include "rsys.h"

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif

/* Maps the arena at an RM_HOT_REGION-aligned address, so the layout's
 * fault-around windows (layout.h) are the kernel's and its hot windows
 * share one page-table page: reserve a region more, map over it, give back
 * the slack. Returns the address or -errno. */
static long map_aligned(long fd, uint64_t size)
{
	uint64_t win = RM_HOT_REGION;
	long span = rsys(SYS_mmap, 0, size + win, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (span < 0 && span > -4096)
		return span;
	uint64_t lo = (uint64_t)span, at = (lo + win - 1) & ~(win - 1);
	long base = rsys(SYS_mmap, at, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	if (base < 0 && base > -4096) {
		rsys(SYS_munmap, lo, size + win);
		return base;
	}
	if (at > lo)
		rsys(SYS_munmap, lo, at - lo);
	if (lo + win > at)
		rsys(SYS_munmap, at + size, lo + win - at);
	return base;
}

int rm_arena_create(const struct rm_params *p, const char *name, struct rm_arena *a)
{
	struct rm_layout l;
	int err = rm_layout_compute(p, &l);
	if (err)
		return err;

	long fd = rsys(SYS_memfd_create, name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return (int)fd;
	long r = rsys(SYS_ftruncate, fd, l.arena_size);
	if (r == 0)
		r = rsys(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	long base = r ? r : map_aligned(fd, l.arena_size);
	if (base < 0 && base > -4096) {
		rsys(SYS_close, fd);
		return (int)base;
	}

	rm_arena_bind(a, (char *)base, p, &l);
	a->fd = (int)fd;
	a->proc = 0;

	struct rm_arena_hdr *h = a->hdr;
	h->version = RM_VERSION;
	h->hdr_size = sizeof(*h);
	h->arena_size = l.arena_size;
	h->chunk_size = p->chunk_size;
	h->chunk_count = p->chunk_count;
	h->small_size = p->small_count ? p->small_size : 0;
	h->small_count = p->small_count;
	h->event_max = p->event_max;
	h->pid_max = p->pid_max;
	h->slot_max = p->slot_max;
	h->mode = p->mode;
	h->clock = p->clock;
	h->creator_pid = (uint32_t)rsys(SYS_getpid);
	h->off_enable = l.off_enable;
	h->off_catalog = l.off_catalog;
	h->off_pids = l.off_pids;
	h->off_slots = l.off_slots;
	h->off_descs = l.off_descs;
	h->off_chunks = l.off_chunks;
	__atomic_store_n(&h->magic, RM_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

/* Claims a pid-table entry for the calling process, from the table's end:
 * next to the slot table's start, in one fault-around window (layout.h). A
 * full table is not an error: the process records all the same, the
 * helper just cannot name it. */
static uint32_t claim_pid_entry(struct rm_arena *a, uint32_t pid, uint32_t ppid, uint64_t token)
{
	for (uint32_t i = a->pid_max; i-- > 0;) {
		struct rm_pid_entry *e = &a->pids[i];
		uint32_t zero = 0;
		if (__atomic_load_n(&e->pid, __ATOMIC_RELAXED) == 0 &&
		    __atomic_compare_exchange_n(&e->pid, &zero, pid, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			e->ppid = ppid;
			__atomic_store_n(&e->token, token, __ATOMIC_RELEASE);
			return i;
		}
	}
	return UINT32_MAX;
}

/* Called by the creator, and lazily by a forked child on its first event
 * (token == 0 in the wiped page). Idempotent within one process. Returns
 * 0 when a sandbox denies getpid. Threads a forked child started before
 * its first event may register at once: each then claims a pid entry (the
 * helper watches the pid once and frees all its entries when it goes) and
 * stores the same pid and token, so *pr is written and read atomically. */
uint64_t rm_proc_register(struct rm_arena *a, uint32_t parent)
{
	struct rm_proc *pr = a->proc;
	uint64_t known = __atomic_load_n(&pr->token, __ATOMIC_ACQUIRE); /* then pid is set */
	if (known)
		return known;
	long spid = rsys(SYS_getpid);
	if (spid <= 0)
		return 0; /* a sandbox denies getpid: the process cannot be named */
	/* The parent, when the caller knows it: the forking thread's token
	 * from before the fork names the process it last recorded in (the
	 * parent, or an older ancestor when the parent never recorded; the
	 * entry's ppid is informational, nothing reads it). A forked child's
	 * first event then spends no getppid. Not kept in `a`, which fork
	 * copies: a write to it in the child costs a copy-on-write fault,
	 * dearer than the syscall. */
	long sppid = parent ? (long)parent : rsys(SYS_getppid);
	uint32_t pid = (uint32_t)spid, ppid = sppid > 0 ? (uint32_t)sppid : 0;
	uint64_t token = (uint64_t)pid << 32 | 1u;
	__atomic_store_n(&pr->pid, pid, __ATOMIC_RELAXED);
	__atomic_store_n(&pr->pid_entry, claim_pid_entry(a, pid, ppid, token), __ATOMIC_RELAXED);
	/* release: pid before token, for other threads and for a signal
	 * handler that finds the token set */
	__atomic_store_n(&pr->token, token, __ATOMIC_RELEASE);
	return token;
}

int rm_arena_producer_init(struct rm_arena *a)
{
	long page = rsys(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page < 0 && page > -4096)
		return (int)page;
	long r = rsys(SYS_madvise, page, 4096, MADV_WIPEONFORK);
	if (r < 0) {
		rsys(SYS_munmap, page, 4096);
		return (int)r;
	}
	a->proc = (struct rm_proc *)page;
	rm_proc_register(a, 0);
	return 0;
}
