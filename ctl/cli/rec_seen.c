/* The event types every arena of `remora record` registered, for the
 * unmatched-pattern warning (pattern_hint.h). Called before
 * rm_consumer_finish, while the arenas are still mapped. */
#include "ctl/cli/pattern_hint.h"
#include "ctl/cli/rec_seen.h"

struct seen_ctx {
	struct rm_consumer *c;
	struct rm_seen *seen;
};

static void one_tree(void *arg, const struct rm_proc_info *p, uint32_t serial)
{
	(void)p;
	struct seen_ctx *x = arg;
	char name[128];
	bool on;
	for (uint32_t id = 0; rm_consumer_event(x->c, serial, id, name, sizeof(name), &on) == 0; id++)
		rm_seen_add(x->seen, name);
}

void rm_seen_from_consumer(struct rm_seen *s, struct rm_consumer *c)
{
	struct seen_ctx x = { c, s };
	rm_consumer_each_proc(c, one_tree, &x);
}
