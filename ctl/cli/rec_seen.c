/* The event types every arena of `remora record` registered, for the
 * unmatched-pattern warning (pattern_hint.h). Called before
 * rm_consumer_finish, while the arenas are still mapped. */
#include "ctl/cli/pattern_hint.h"
#include "ctl/cli/rec_seen.h"

static void one_type(void *ctx, const char *name)
{
	rm_seen_add(ctx, name);
}

void rm_seen_from_consumer(struct rm_seen *s, struct rm_consumer *c)
{
	rm_consumer_each_type(c, one_type, s);
	rm_seen_sort(s);
}
