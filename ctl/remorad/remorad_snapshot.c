/* Snapshot sessions in remorad: the `create` options that make one
 * ("snapshot=1", "buffer-size=BYTES" in rmd_req.opts) and RMD_SNAPSHOT,
 * which writes what the session's rings hold now (consumer.h,
 * rm_sink_snapshot) while recording goes on. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/remorad/remorad.h"
#include "shm/clock.h"

/* Bounds of a snapshot ring per process tree: one 64 KiB packet at least;
 * at most 64 GiB (the memory is remorad's, the user's own). */
#define SNAP_RING_MIN (64ull << 10)
#define SNAP_RING_MAX (64ull << 30)

int snapshot_create_opt(struct session_opts *so, const char *key, const char *val, char *err,
			size_t errlen)
{
	char *end;
	if (!strcmp(key, "snapshot")) {
		if (strcmp(val, "1") && strcmp(val, "0")) {
			snprintf(err, errlen, "bad value '%s' of option snapshot (0 or 1)", val);
			return -1;
		}
		so->snapshot = val[0] == '1';
		return 1;
	}
	if (!strcmp(key, "buffer-size")) {
		unsigned long long v = strtoull(val, &end, 10);
		if (!*val || *end || v < SNAP_RING_MIN || v > SNAP_RING_MAX) {
			snprintf(err, errlen, "bad buffer-size '%s': bytes, from %llu (64K) to %llu "
					      "(64G)", val, SNAP_RING_MIN, SNAP_RING_MAX);
			return -1;
		}
		so->ring_bytes = v;
		return 1;
	}
	return 0;
}

int snapshot_check_opts(const struct session_opts *so, const struct rmd_req *q, char *err,
			size_t errlen)
{
	if (so->ring_bytes && !so->snapshot) {
		snprintf(err, errlen, "buffer-size applies to snapshot mode only (--snapshot)");
		return -1;
	}
	if (so->snapshot && ((q->flags & RMD_F_OVERWRITE) || q->block_ms)) {
		snprintf(err, errlen, "snapshot mode excludes --overwrite (which writes at stop) and "
				      "--blocking (a flight recorder never makes the app wait)");
		return -1;
	}
	return 0;
}

void snapshot_session_set(struct session *s, uint64_t ring_bytes)
{
	if (ring_bytes && (ring_bytes < SNAP_RING_MIN || ring_bytes > SNAP_RING_MAX))
		ring_bytes = 0; /* a state file edited by hand: the arena's size */
	s->snapshot = true;
	s->ring_bytes = ring_bytes;
	rm_sink_set_snapshot(s->sink, (size_t)ring_bytes);
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

void snapshot_take(struct remorad *d, struct session *s, const struct rmd_req *q,
		   struct reply *o)
{
	(void)d;
	if (!s->snapshot) {
		reply_error(o, "session %s is not in snapshot mode: create one with `remora create "
			       "NAME --snapshot`%s\n", s->name,
			    s->overwrite ? " (an --overwrite session writes its buffers at stop)" : "");
		return;
	}
	if (s->state == SESSION_CREATED) {
		reply_error(o, "session %s was never started, so it holds nothing to snapshot: "
			       "start it with `remora start %s`\n", s->name, s->name);
		return;
	}
	const char *dir = q->arg[0] ? q->arg : NULL;
	if (dir && (dir[0] != '/' || !printable(dir) || strlen(dir) > PATH_MAX - 128)) {
		reply_error(o, "snapshot directory must be an absolute path without control "
			       "characters, under %d bytes\n", PATH_MAX - 128);
		return;
	}
	struct rm_snapshot_result *r = calloc(1, sizeof(*r));
	char err[PATH_MAX + 256];
	if (!r) {
		reply_error(o, "out of memory\n");
		return;
	}
	uint64_t t0 = rm_clock_mono_ns();
	if (rm_sink_snapshot(s->sink, dir, r, err, sizeof(err)) < 0) {
		reply_error(o, "snapshot of session %s failed: %s\n", s->name, err);
		free(r);
		return;
	}
	uint64_t us = (rm_clock_mono_ns() - t0) / 1000;
	reply_printf(o, "Snapshot of session %s written to %s: %llu events, %u process tree%s, "
			"%llu lost (%llu.%03llu ms)\n", s->name, r->path,
		     (unsigned long long)r->events, r->traces, r->traces == 1 ? "" : "s",
		     (unsigned long long)r->discarded, (unsigned long long)(us / 1000),
		     (unsigned long long)(us % 1000));
	if (r->overwritten)
		reply_printf(o, "  %llu older events were overwritten so far (snapshot mode keeps "
				"the newest; overwritten is not lost)\n",
			     (unsigned long long)r->overwritten);
	if (r->refused)
		reply_printf(o, "  %llu records of refused events left out\n",
			     (unsigned long long)r->refused);
	reply_printf(o, "View it with `remora view %s` (or babeltrace2)\n", r->path);
	if (r->write_errors) {
		reply_printf(o, "remora: the snapshot is incomplete: %u write errors (remorad's log "
				"says which); free space or give another -o DIR\n", r->write_errors);
		reply_end(o, RMD_ERR);
	} else {
		reply_end(o, RMD_OK);
	}
	free(r);
}
