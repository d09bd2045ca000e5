#include <stdlib.h>

#include "ctl/export/slice_stack.h"

struct rmx_thread *rmx_thread_get(struct rmx_threads *t, uint32_t pid, uint32_t tid)
{
	uint64_t key = (uint64_t)pid << 32 | tid;
	uint64_t at = u64_map_get(&t->index, key);
	if (at)
		return &t->v[at - 1];
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct rmx_thread *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	if (u64_map_put(&t->index, key, t->n + 1))
		return NULL;
	t->v[t->n] = (struct rmx_thread){ .pid = pid, .tid = tid };
	return &t->v[t->n++];
}

static int push(struct rmx_thread *th, uint64_t key)
{
	if (th->depth == th->cap) {
		uint32_t cap = th->cap ? th->cap * 2 : 16;
		if (cap > SLICE_DEPTH_MAX)
			return -1;
		uint64_t *s = realloc(th->stack, cap * sizeof(*s));
		if (!s)
			return -1;
		th->stack = s;
		th->cap = cap;
	}
	th->stack[th->depth++] = key;
	return 0;
}

enum rmx_kind rmx_slice_step(struct rmx_thread *th, const struct rmx_class *k)
{
	switch (k->kind) {
	case RMX_BEGIN:
		if (th->overflow || push(th, k->slice_key)) {
			th->overflow++;
			return RMX_INSTANT;
		}
		return RMX_BEGIN;
	case RMX_END:
		if (th->overflow) {
			th->overflow--;
			return RMX_INSTANT;
		}
		if (th->depth && th->stack[th->depth - 1] == k->slice_key) {
			th->depth--;
			return RMX_END;
		}
		return RMX_INSTANT;
	default:
		return (enum rmx_kind)k->kind;
	}
}

void rmx_threads_free(struct rmx_threads *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].stack);
	free(t->v);
	u64_map_free(&t->index);
	t->v = NULL;
	t->n = t->cap = 0;
}
