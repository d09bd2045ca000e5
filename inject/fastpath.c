/* The entry points the remora_trace() and remora_printf() macros call once
 * an event is enabled. The protocol itself is shm/producer.h; this file
 * only supplies the thread's writer and the process's arena. */
#include <remora/remora.h>

#include "shm/producer.h"
#include "inject/evctx.h"
#include "inject/stub.h"

#if defined(__has_feature)
#define REMORA__HAS_TSAN __has_feature(thread_sanitizer)
#else
#define REMORA__HAS_TSAN 0
#endif

static __thread struct rm_writer writer __attribute__((tls_model("initial-exec")));

/* remora_wr is an rm_wr whose third word, which rm_reserve_nw() leaves
 * alone, the stub fills with the writer's depth: the macro's
 * REMORA__COMMIT is then rm_commit_w() */
_Static_assert(sizeof(struct remora_wr) >= sizeof(struct rm_wr), "remora_wr holds an rm_wr");
_Static_assert(offsetof(struct remora_wr, word_at) == offsetof(struct rm_wr, rec) &&
		       offsetof(struct rm_record, word) == 0, "word_at is the record's word");
_Static_assert(offsetof(struct remora_wr, word) == offsetof(struct rm_wr, word), "remora_wr word");
_Static_assert(offsetof(struct remora_wr, depth_at) == offsetof(struct rm_wr, w), "remora_wr depth_at");
_Static_assert(offsetof(struct remora_wr, depth) == offsetof(struct rm_wr, depth), "remora_wr depth");

__attribute__((visibility("default"))) unsigned char *remora_reserve(struct remora_event *ev, size_t payload, struct remora_wr *wr)
{
	/* Pairs with the registry's release store of `enabled` after `id`:
	 * the macro's relaxed load of `enabled` (remora.h, REMORA__BYTE),
	 * sequenced before this fence, makes it an acquire (C11 7.17.4),
	 * without a second load (on x86 the fence is no instruction).
	 * ThreadSanitizer does not model fences (gcc refuses them under
	 * -fsanitize=thread): there, the acquire load the fence stands for. */
#if defined(__SANITIZE_THREAD__) || REMORA__HAS_TSAN
	(void)__atomic_load_n(&ev->enabled, __ATOMIC_ACQUIRE);
#else
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
#endif
	uint32_t id = ev->id;
	if (__builtin_expect(id == RM_ID_UNREGISTERED, 0)) {
		__atomic_fetch_add(&rm_stub.arena.hdr->lost_catalog, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	/* per-event contexts (add-context -t ip|cpu_id|perf:...): one
	 * predicted branch while no session asks for any */
	uint32_t ctx = __atomic_load_n(&rm_stub.arena.hdr->evctx, __ATOMIC_RELAXED);
	wr->depth_at = &writer.depth; /* for the macro's commit (REMORA__COMMIT) */
	if (__builtin_expect(ctx != 0, 0))
		return rm_reserve_evctx(&rm_stub.arena, &writer, (struct rm_wr *)wr, id, payload,
					ctx, __builtin_return_address(0));
	return rm_reserve_nw(&rm_stub.arena, &writer, (struct rm_wr *)wr, id, payload);
}

__attribute__((visibility("default"))) void remora_commit(struct remora_wr *wr)
{
	/* a macro of version 1 or 2; the writer is this thread's: reserve
	 * and commit run in one context */
	rm_commit_w(&writer, (struct rm_wr *)wr);
}

/* Cold: a record cut to fit a chunk (remora.h, REMORA__RECORD). */
__attribute__((visibility("default"))) void remora_count_truncated(void)
{
	if (rm_stub.arena.hdr)
		__atomic_fetch_add(&rm_stub.arena.hdr->truncated, 1, __ATOMIC_RELAXED);
}
