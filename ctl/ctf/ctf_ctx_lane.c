/* The last lane of each producer context (ctf_ctx_lane.h). */
#include <stdlib.h>

#include "ctl/ctf/ctf_ctx_lane.h"
#include "shm/layout.h"

/* Index of p's context, or SIZE_MAX for one outside the arena's bounds. */
static size_t ctx_index(const struct rm_packet *p)
{
	if (p->slot > RM_SLOT_MAX_LIMIT || p->level >= RM_LEVELS)
		return SIZE_MAX;
	return (size_t)p->slot * RM_LEVELS + p->level;
}

int ctf_ctx_lane_tied(const struct ctf_ctx_lanes *c, const struct rm_packet *p, uint64_t begin,
		      uint64_t tie)
{
	size_t i = ctx_index(p);
	if (i >= c->n)
		return -1;
	const struct ctf_ctx_last *x = &c->v[i];
	if (x->lane < 0 || x->tid != p->tid)
		return -1;
	/* a context's records are in time order, so begin >= end; a packet
	 * that would begin before is tied all the same */
	if (begin >= x->end && begin - x->end >= tie)
		return -1;
	return x->lane;
}

void ctf_ctx_lane_note(struct ctf_ctx_lanes *c, const struct rm_packet *p, int lane, uint64_t end)
{
	size_t i = ctx_index(p);
	if (i == SIZE_MAX)
		return;
	if (i >= c->n) {
		size_t n = c->n ? c->n : 16;
		while (n <= i)
			n *= 2;
		struct ctf_ctx_last *v = realloc(c->v, n * sizeof(*v));
		if (!v)
			return;
		for (size_t k = c->n; k < n; k++)
			v[k] = (struct ctf_ctx_last){ .lane = -1 };
		c->v = v;
		c->n = n;
	}
	c->v[i] = (struct ctf_ctx_last){ .end = end, .tid = p->tid, .lane = lane };
}

void ctf_ctx_lanes_free(struct ctf_ctx_lanes *c)
{
	free(c->v);
	c->v = NULL;
	c->n = 0;
}
