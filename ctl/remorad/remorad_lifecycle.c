/* remorad's side of rotation and clear: the create options that set a
 * rotation schedule ("key=value" lines of rmd_req.opts), their line in the
 * state file, and the RMD_ROTATE and RMD_CLEAR requests. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/remorad/remorad.h"
#include "shm/size.h"

static int parse_u32(const char *v, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (!*v || *end || errno || n > UINT32_MAX || *v == '-')
		return -1;
	*out = (uint32_t)n;
	return 0;
}

int rotation_create_opt(struct rm_rotation *r, const char *key, const char *val, char *err,
			size_t errlen)
{
	int bad;
	if (!strcmp(key, "rotate-size"))
		bad = !(r->size = rm_parse_size(val));
	else if (!strcmp(key, "rotate-timer"))
		bad = parse_u32(val, &r->timer_s) < 0 || r->timer_s == 0;
	else if (!strcmp(key, "max-chunks"))
		bad = parse_u32(val, &r->max_chunks) < 0 || r->max_chunks == 0;
	else
		return 0;
	if (bad) {
		snprintf(err, errlen, "bad %s '%.64s'", key, val);
		return -1;
	}
	return 1;
}

int rotation_check_opts(const struct session_opts *so, const struct rmd_req *q, char *err,
			size_t errlen)
{
	const struct rm_rotation *r = &so->rot;
	if (rm_rotation_check(r, err, errlen) < 0)
		return -1;
	if ((r->size || r->timer_s || r->max_chunks) && ((q->flags & RMD_F_OVERWRITE) || so->snapshot)) {
		snprintf(err, errlen, "%s takes no rotation schedule: it writes %s",
			 so->snapshot ? "snapshot mode" : "overwrite mode (a flight recorder)",
			 so->snapshot ? "only when asked (`remora snapshot`)" : "once, at stop");
		return -1;
	}
	return 0;
}

void rotation_save(FILE *f, const struct session *s)
{
	struct rm_rotation r;
	uint32_t closed;
	int64_t cur;
	uint64_t bytes;
	rm_sink_rotation(s->sink, &r);
	rm_sink_chunk_info(s->sink, &closed, &cur, &bytes);
	if (r.size || r.timer_s || r.max_chunks || cur >= 0)
		fprintf(f, "chunks %s %d %" PRIu64 " %u %u\n", s->name, cur >= 0, r.size, r.timer_s,
			r.max_chunks);
}

void rotation_restore(struct session *s, const char *line)
{
	char name[RMD_NAME_MAX], err[256];
	int on;
	struct rm_rotation r = { 0 };
	if (sscanf(line, "chunks %63s %d %" SCNu64 " %u %u", name, &on, &r.size, &r.timer_s,
		   &r.max_chunks) != 5)
		return;
	if (rm_sink_set_rotation(s->sink, &r, err, sizeof(err)) < 0)
		fprintf(stderr, "remorad: session %s: rotation schedule not restored: %s\n", s->name,
			err);
	else if (on)
		rm_sink_chunked(s->sink);
}

static void do_rotate(struct remorad *d, const struct rmd_req *q, struct reply *o)
{
	struct session *s = sessions_target(d, q, o);
	if (!s)
		return;
	if (s->state == SESSION_CREATED) {
		reply_error(o, "session %s was never started: nothing to rotate; start it with "
			       "`remora start %s`\n", s->name, s->name);
		return;
	}
	char msg[PATH_MAX + 1024];
	int r = rm_sink_rotate(s->sink, msg, sizeof(msg));
	sessions_save(d);
	if (r < 0) {
		reply_error(o, "rotation of session %s failed: %s\n", s->name, msg);
		return;
	}
	if (!strncmp(msg, "nothing", 7))
		reply_printf(o, "Session %s: %s\n", s->name, msg);
	else
		reply_printf(o, "Session %s rotated: chunk %s is complete\n", s->name, msg);
	reply_end(o, RMD_OK);
}

static void do_clear(struct remorad *d, const struct rmd_req *q, struct reply *o)
{
	struct session *s = sessions_target(d, q, o);
	if (!s)
		return;
	char msg[PATH_MAX + 1024];
	if (rm_sink_clear(s->sink, msg, sizeof(msg)) < 0) {
		reply_error(o, "clearing session %s failed: %s\n", s->name, msg);
		return;
	}
	reply_printf(o, "Session %s cleared: what was buffered is dropped, %s%s\n", s->name, msg,
		     s->state == SESSION_STARTED ? "; recording goes on" : "");
	reply_end(o, RMD_OK);
}

bool lifecycle_handle(struct remorad *d, const struct rmd_req *q, struct reply *o)
{
	switch (q->op) {
	case RMD_ROTATE: do_rotate(d, q, o); return true;
	case RMD_CLEAR: do_clear(d, q, o); return true;
	default: return false;
	}
}
