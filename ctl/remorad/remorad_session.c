/* remorad's session requests: create (its checks, its options, the output
 * directory), enable and disable of event rules, add-context, start, stop,
 * destroy, and the dispatch of every request (sessions_handle). Apart from
 * remorad_registry.c, the table of sessions and their state file, because
 * this is what the CLI asks and what it is told: each request checks what
 * it was given, changes the sessions through the registry, saves, replies. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/consumer/live_mark.h"
#include "ctl/remorad/remorad.h"
#include "ctl/remorad/remorad_filter.h"
#include "ctl/remorad/remorad_ship.h"

/* Text from the CLI must be printable: it goes into the state file, one
 * item per line. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* rmd_req.opts of create: "key=value" lines; an unknown key is refused by
 * name. 0, or -1 after an error reply. */
static int create_opts(const struct rmd_req *q, struct session_opts *so, struct reply *o)
{
	char buf[sizeof(q->opts)], err[256];
	memcpy(buf, q->opts, sizeof(buf));
	buf[sizeof(buf) - 1] = 0;
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq) {
			reply_error(o, "bad option line '%.64s' (key=value)\n", line);
			return -1;
		}
		*eq = 0;
		/* ship* lines are read by session_ship_from_opts (remorad_ship.c) */
		int r = !strncmp(line, "ship", 4) ? 1
						  : snapshot_create_opt(so, line, eq + 1, err, sizeof(err));
		if (r == 0)
			r = rotation_create_opt(&so->rot, line, eq + 1, err, sizeof(err));
		if (r == 0)
			snprintf(err, sizeof(err), "unknown option '%.64s': is the remora CLI from "
						   "another version?", line);
		if (r <= 0) {
			reply_error(o, "%s\n", err);
			return -1;
		}
	}
	if (snapshot_check_opts(so, q, err, sizeof(err)) < 0 ||
	    rotation_check_opts(so, q, err, sizeof(err)) < 0) {
		reply_error(o, "%s\n", err);
		return -1;
	}
	return 0;
}

static void do_create(struct remorad *d, const struct rmd_req *q, struct reply *o)
{
	const char *dir = q->arg;
	struct session_opts so = { 0 };
	if (!rmd_name_ok(q->session)) {
		reply_error(o, "invalid session name '%s': use 1 to 63 letters, digits, '_', '.' "
			       "or '-', not starting with '.' or '-'\n", q->session);
		return;
	}
	if (session_lookup(d, q->session)) {
		reply_error(o, "session '%s' already exists: pick another name, or remove it with "
			       "`remora destroy %s`\n", q->session, q->session);
		return;
	}
	if (dir[0] != '/' || !printable(dir) || strlen(dir) > PATH_MAX - 128) {
		reply_error(o, "output directory must be an absolute path without control "
			       "characters, under %d bytes\n", PATH_MAX - 128);
		return;
	}
	if (create_opts(q, &so, o) < 0)
		return;
	struct stat st;
	if (mkdir_p(dir) < 0) {
		reply_error(o, "cannot create output directory %s: %s; choose another with "
			       "-o DIR\n", dir, strerror(errno));
		return;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		reply_error(o, "output path %s is not a directory; choose another with -o DIR\n",
			    dir);
		return;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		reply_error(o, "output directory %s is not writable by remorad (uid %u): %s; "
			       "choose another with -o DIR\n", dir, (unsigned)d->uid, strerror(errno));
		return;
	}
	if (q->block_ms > 60000 || (q->block_ms && (q->flags & RMD_F_OVERWRITE))) {
		reply_error(o, "blocking mode waits 1 to 60000 ms, and not in overwrite mode (a "
			       "flight recorder never waits)\n");
		return;
	}
	struct session_ship *ship;
	char err[700], shipping[1200];
	if (session_ship_from_opts(q->opts, &ship, err, sizeof(err)) < 0) {
		reply_error(o, "%s", err);
		return;
	}
	struct session *s = session_add(d, q->session, dir, q->flags & RMD_F_OVERWRITE);
	if (!s) {
		free(ship);
		reply_error(o, "out of memory\n");
		return;
	}
	session_set_blocking(s, q->block_ms);
	if (so.snapshot)
		snapshot_session_set(s, so.ring_bytes);
	rm_sink_set_rotation(s->sink, &so.rot, NULL, 0); /* checked in create_opts */
	if (!s->snapshot) /* which writes nothing until asked: nothing to follow */
		rm_live_mark(s->out_dir); /* for `remora view --follow` */
	s->ship = ship;
	if (session_ship_start(s, err, sizeof(err)) < 0)
		reply_printf(o, "Warning: the traces will not be shipped: %s\n", err);
	else if (*session_ship_describe(s, shipping, sizeof(shipping)))
		reply_printf(o, "Traces will also be shipped to %s\n", shipping);
	snprintf(d->current, sizeof(d->current), "%s", s->name);
	sessions_save(d);
	reply_printf(o, "Session %s created%s.\n%s will be written in %s\n", s->name,
		     s->overwrite ? " (overwrite mode: the newest data is kept, written at stop)"
		     : s->block_ms ? " (blocking mode: a full buffer makes the app wait for us)"
		     : s->snapshot ? " (snapshot mode: the newest data is kept in memory, nothing is "
				     "written until `remora snapshot`)" : "",
		     s->snapshot ? "Snapshots" : "Traces", s->out_dir);
	reply_end(o, RMD_OK);
}

/* The session a request names, or the current one. NULL after an error reply. */
static struct session *target(struct remorad *d, const struct rmd_req *q, struct reply *o)
{
	const char *name = q->session[0] ? q->session : d->current;
	if (!name[0]) {
		reply_error(o, "no session given and no current session: create one with `remora "
			       "create NAME`, or name one with -s NAME\n");
		return NULL;
	}
	struct session *s = session_lookup(d, name);
	if (!s)
		reply_error(o, "session '%s' does not exist: `remora status` lists the sessions, "
			       "`remora create %s` makes it\n", name, name);
	return s;
}

static void do_enable(struct remorad *d, const struct rmd_req *q, struct reply *o, bool on)
{
	struct session *s = target(d, q, o);
	if (!s)
		return;
	const char *pat = q->arg;
	if (!on && (q->flags & RMD_F_ALL)) {
		rm_sink_disable(s->sink, NULL);
		sessions_save(d);
		reply_printf(o, "All event rules disabled in session %s\n", s->name);
		reply_end(o, RMD_OK);
		return;
	}
	if (!pat[0] || strlen(pat) > 255 || !printable(pat)) {
		reply_error(o, "invalid event pattern: give a provider:name glob such as 'myapp:*' "
			       "(at most 255 printable characters)\n");
		return;
	}
	char filter[RMD_ARG_MAX], ferr[768];
	if (on && rmd_enable_opts(q->opts, filter, sizeof(filter), ferr, sizeof(ferr)) < 0) {
		reply_error(o, "%s\n", ferr);
		return;
	}
	if (on && filter[0] && !printable(filter)) {
		reply_error(o, "invalid filter: control characters\n");
		return;
	}
	if (on && filter[0]) {
		/* a new rule, or a new filter for a rule already there */
		if (rm_consumer_check_filter(d->c, pat, filter, ferr, sizeof(ferr)) < 0 ||
		    rm_sink_enable_filter(s->sink, pat, filter, ferr, sizeof(ferr)) < 0) {
			reply_error(o, "%s\n", ferr);
			return;
		}
		sessions_save(d);
		reply_printf(o, "Event rule '%s' enabled with filter '%s' in session %s%s\n", pat,
			     filter, s->name, s->state != SESSION_STARTED ?
			     " (it records once the session is started)" : "");
		reply_end(o, RMD_OK);
		return;
	}
	if (on && rm_sink_enable(s->sink, pat) < 0) {
		reply_error(o, "event rule '%s' is already enabled in session %s (or the session "
			       "has 256 rules)\n", pat, s->name);
		return;
	}
	if (!on && rm_sink_disable(s->sink, pat) < 0) {
		reply_error(o, "session %s has no event rule '%s': `remora status %s` lists its "
			       "rules\n", s->name, pat, s->name);
		return;
	}
	sessions_save(d);
	reply_printf(o, "Event rule '%s' %s in session %s%s\n", pat, on ? "enabled" : "disabled",
		     s->name, on && s->state != SESSION_STARTED ? " (it records once the session "
								  "is started)" : "");
	reply_end(o, RMD_OK);
}

static void do_add_context(struct remorad *d, const struct rmd_req *q, struct reply *o)
{
	struct session *s = target(d, q, o);
	if (!s)
		return;
	char err[256];
	uint32_t bit;
	if (!memchr(q->arg, 0, 64) || rm_context_parse(q->arg, &bit, err, sizeof(err)) < 0) {
		reply_error(o, "%s\n", memchr(q->arg, 0, 64) ? err : "context type too long");
		return;
	}
	bool added = rm_sink_add_contexts(s->sink, bit) != 0;
	if (added)
		sessions_save(d);
	reply_printf(o, "Context %s %s session %s%s\n", q->arg, added ? "added to" : "already in",
		     s->name, added && s->state == SESSION_STARTED ?
		     " (the next packets go to new trace directories that have it)" : "");
	reply_end(o, RMD_OK);
}

static void do_start(struct remorad *d, const struct rmd_req *q, struct reply *o)
{
	struct session *s = target(d, q, o);
	if (!s)
		return;
	if (s->state == SESSION_STARTED) {
		reply_printf(o, "Session %s is already started\n", s->name);
		reply_end(o, RMD_OK);
		return;
	}
	rm_sink_start(s->sink);
	s->state = SESSION_STARTED;
	sessions_save(d);
	reply_printf(o, "Tracing started for session %s\n", s->name);
	if (rm_sink_npatterns(s->sink) == 0)
		reply_printf(o, "Warning: session %s has no event rule, so nothing is recorded; "
				"add one with `remora enable-event -s %s PATTERN`\n", s->name, s->name);
	reply_end(o, RMD_OK);
}

static void do_stop(struct remorad *d, const struct rmd_req *q, struct reply *o)
{
	struct session *s = target(d, q, o);
	if (!s)
		return;
	if (s->state != SESSION_STARTED) {
		reply_error(o, "session %s is not started (it is %s): start it with `remora start "
			       "%s`\n", s->name, session_state_names[s->state], s->name);
		return;
	}
	rm_sink_stop(s->sink);
	s->state = SESSION_STOPPED;
	sessions_save(d);
	struct rm_sink_stats st;
	rm_sink_stats(s->sink, &st);
	if (s->snapshot) /* nothing is written at stop in snapshot mode */
		reply_printf(o, "Tracing stopped for session %s: %llu events held in memory, "
				"%llu lost; `remora snapshot %s` writes them\n", s->name,
			     (unsigned long long)st.buffered, (unsigned long long)st.discarded,
			     s->name);
	else
		reply_printf(o, "Tracing stopped for session %s: %llu events written, %llu lost\n"
				"Trace in %s: view it with `remora view %s` (or babeltrace2)\n",
			     s->name, (unsigned long long)st.events,
			     (unsigned long long)st.discarded, s->out_dir, s->out_dir);
	reply_end(o, RMD_OK);
}

static void do_destroy(struct remorad *d, const struct rmd_req *q, struct reply *o)
{
	struct session *s = target(d, q, o);
	if (!s)
		return;
	char name[RMD_NAME_MAX], dir[PATH_MAX];
	snprintf(name, sizeof(name), "%s", s->name);
	snprintf(dir, sizeof(dir), "%s", s->out_dir);
	struct rm_sink_stats st;
	session_free(d, s, &st);
	if (!strcmp(d->current, name))
		d->current[0] = 0;
	sessions_save(d);
	reply_printf(o, "Session %s destroyed: %llu events written, %llu lost; the trace stays "
			"in %s\n", name, (unsigned long long)st.events,
		     (unsigned long long)st.discarded, dir);
	reply_end(o, RMD_OK);
}

void sessions_handle(struct remorad *d, const struct rmd_req *q, struct reply *o)
{
	switch (q->op) {
	case RMD_CREATE: do_create(d, q, o); break;
	case RMD_ENABLE: do_enable(d, q, o, true); break;
	case RMD_DISABLE: do_enable(d, q, o, false); break;
	case RMD_START: do_start(d, q, o); break;
	case RMD_STOP: do_stop(d, q, o); break;
	case RMD_DESTROY: do_destroy(d, q, o); break;
	case RMD_ADD_CONTEXT: do_add_context(d, q, o); break;
	case RMD_LIST: report_list(d, o); break;
	case RMD_STATUS: report_status(d, q->session, o); break;
	case RMD_SNAPSHOT: {
		struct session *s = target(d, q, o);
		if (s)
			snapshot_take(d, s, q, o);
		break;
	}
	default:
		if (lifecycle_handle(d, q, o))
			break;
		reply_error(o, "unknown request %u: is the remora CLI from another version?\n",
			     q->op);
	}
}

/* For remorad_lifecycle.c (remorad.h). */
struct session *sessions_target(struct remorad *d, const struct rmd_req *q, struct reply *o)
{
	return target(d, q, o);
}
