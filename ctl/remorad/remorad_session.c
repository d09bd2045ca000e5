/* remorad's sessions: an RCU hash table keyed by name; each session is a
 * consumer sink (consumer.h). Saved to a state file after every change so
 * a restarted remorad carries on with the same sessions: what apps
 * committed while no remorad ran reaches them (DESIGN.md 3, line 8). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/consumer/live_mark.h"
#include "ctl/remorad/remorad.h"
#include "ctl/ctf/ctf_packet.h"
#include "ctl/remorad/remorad_filter.h"

static const char *const state_names[] = { "created", "started", "stopped" };

static unsigned long hash_str(const char *s)
{
	unsigned long h = 1469598103934665603ul;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ul;
	return h;
}

static int match_name(struct cds_lfht_node *node, const void *key)
{
	return !strcmp(caa_container_of(node, struct session, node)->name, key);
}

void sessions_init(struct remorad *d)
{
	d->sessions = cds_lfht_new(64, 64, 64, 0, NULL);
}

static struct session *lookup(struct remorad *d, const char *name)
{
	struct cds_lfht_iter it;
	rcu_read_lock();
	cds_lfht_lookup(d->sessions, hash_str(name), match_name, name, &it);
	struct cds_lfht_node *n = cds_lfht_iter_get_node(&it);
	rcu_read_unlock();
	return n ? caa_container_of(n, struct session, node) : NULL;
}

/* Writes every session to the state file (a temp file, then rename). */
static void save(struct remorad *d)
{
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->state_file);
	FILE *f = fopen(tmp, "we");
	if (!f) {
		fprintf(stderr, "remorad: cannot save sessions to %s: %s (a restart will forget "
				"them)\n", tmp, strerror(errno));
		return;
	}
	fprintf(f, "remora-sessions 1\ncurrent %s\n", d->current);
	struct session *s;
	struct cds_lfht_iter it;
	rcu_read_lock();
	cds_lfht_for_each_entry(d->sessions, &it, s, node) {
		fprintf(f, "session %s %s %d %s\n", s->name, state_names[s->state], s->overwrite,
			s->out_dir);
		if (s->block_ms)
			fprintf(f, "blocking %s %u\n", s->name, s->block_ms);
		if (s->snapshot)
			fprintf(f, "snapshot %s %llu\n", s->name, (unsigned long long)s->ring_bytes);
		for (int i = 0; i < rm_sink_npatterns(s->sink); i++) {
			fprintf(f, "pattern %s %s\n", s->name, rm_sink_pattern(s->sink, i));
			/* applies to the pattern line just above */
			if (rm_sink_filter(s->sink, i))
				fprintf(f, "filter %s %s\n", s->name, rm_sink_filter(s->sink, i));
		}
		if (rm_sink_contexts(s->sink))
			fprintf(f, "contexts %s %u\n", s->name, rm_sink_contexts(s->sink));
		rotation_save(f, s);
	}
	rcu_read_unlock();
	if (fclose(f) != 0 || rename(tmp, d->state_file) != 0) {
		fprintf(stderr, "remorad: cannot save sessions to %s: %s\n", d->state_file,
			strerror(errno));
		unlink(tmp);
	}
}

static struct session *session_add(struct remorad *d, const char *name, const char *dir,
				   bool overwrite)
{
	struct session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->sink = rm_sink_new(d->c, dir, overwrite);
	if (!s->sink) {
		free(s);
		return NULL;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->out_dir, sizeof(s->out_dir), "%s", dir);
	s->overwrite = overwrite;
	s->created = time(NULL);
	cds_lfht_node_init(&s->node);
	rcu_read_lock();
	cds_lfht_add(d->sessions, hash_str(name), &s->node);
	rcu_read_unlock();
	return s;
}

static void session_set_blocking(struct session *s, uint32_t ms)
{
	s->block_ms = ms;
	rm_sink_set_blocking(s->sink, (uint64_t)ms * 1000000);
}

static void session_free(struct remorad *d, struct session *s, struct rm_sink_stats *st)
{
	rcu_read_lock();
	cds_lfht_del(d->sessions, &s->node);
	rcu_read_unlock();
	synchronize_rcu();
	rm_sink_destroy(s->sink, st);
	rm_live_unmark(s->out_dir);
	free(s);
}

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
		int r = snapshot_create_opt(so, line, eq + 1, err, sizeof(err));
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
	if (lookup(d, q->session)) {
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
	struct session *s = session_add(d, q->session, dir, q->flags & RMD_F_OVERWRITE);
	if (!s) {
		reply_error(o, "out of memory\n");
		return;
	}
	session_set_blocking(s, q->block_ms);
	if (so.snapshot)
		snapshot_session_set(s, so.ring_bytes);
	rm_sink_set_rotation(s->sink, &so.rot, NULL, 0); /* checked in create_opts */
	if (!s->snapshot) /* which writes nothing until asked: nothing to follow */
		rm_live_mark(s->out_dir); /* for `remora view --follow` */
	snprintf(d->current, sizeof(d->current), "%s", s->name);
	save(d);
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
	struct session *s = lookup(d, name);
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
		save(d);
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
		save(d);
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
	save(d);
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
		save(d);
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
	save(d);
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
			       "%s`\n", s->name, state_names[s->state], s->name);
		return;
	}
	rm_sink_stop(s->sink);
	s->state = SESSION_STOPPED;
	save(d);
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
	save(d);
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

void sessions_shutdown(struct remorad *d)
{
	for (;;) {
		struct session *s = NULL;
		struct cds_lfht_iter it;
		rcu_read_lock();
		cds_lfht_first(d->sessions, &it);
		struct cds_lfht_node *n = cds_lfht_iter_get_node(&it);
		rcu_read_unlock();
		if (!n)
			break;
		s = caa_container_of(n, struct session, node);
		session_free(d, s, NULL);
	}
	cds_lfht_destroy(d->sessions, NULL);
}

void sessions_restore(struct remorad *d)
{
	FILE *f = fopen(d->state_file, "re");
	if (!f)
		return;
	char line[PATH_MAX + 128];
	int n = 0;
	if (!fgets(line, sizeof(line), f) || strcmp(line, "remora-sessions 1\n")) {
		fprintf(stderr, "remorad: %s is not a session file: ignored\n", d->state_file);
		fclose(f);
		return;
	}
	char last[RMD_ARG_MAX] = ""; /* the pattern a `filter` line applies to */
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		char name[RMD_NAME_MAX], state[16];
		int ow, off = 0;
		unsigned ms;
		unsigned long long ring;
		if (!strncmp(line, "current ", 8)) {
			if (rmd_name_ok(line + 8)) /* so shorter than RMD_NAME_MAX */
				memcpy(d->current, line + 8, strlen(line + 8) + 1);
		} else if (sscanf(line, "session %63s %15s %d %n", name, state, &ow, &off) == 3 &&
			   off && rmd_name_ok(name) && line[off] == '/' && !lookup(d, name)) {
			struct session *s = session_add(d, name, line + off, ow == 1);
			if (s && !strcmp(state, "started"))
				s->state = SESSION_STARTED;
			else if (s && !strcmp(state, "stopped"))
				s->state = SESSION_STOPPED;
			n += s != NULL;
		} else if (sscanf(line, "blocking %63s %u", name, &ms) == 2 && ms <= 60000) {
			struct session *s = lookup(d, name);
			if (s && !s->overwrite)
				session_set_blocking(s, ms);
		} else if (sscanf(line, "snapshot %63s %llu", name, &ring) == 2) {
			struct session *s = lookup(d, name);
			if (s && !s->overwrite && !s->block_ms)
				snapshot_session_set(s, ring);
		} else if (sscanf(line, "chunks %63s ", name) == 1) {
			struct session *s = lookup(d, name);
			if (s)
				rotation_restore(s, line);
		} else if (sscanf(line, "pattern %63s %n", name, &off) == 1 && off) {
			struct session *s = lookup(d, name);
			if (s)
				rm_sink_enable(s->sink, line + off);
			snprintf(last, sizeof(last), "%s", line + off);
		} else if (sscanf(line, "filter %63s %n", name, &off) == 1 && off) {
			struct session *s = lookup(d, name);
			char ferr[512];
			if (s && rm_sink_enable_filter(s->sink, last, line + off, ferr, sizeof(ferr)) < 0)
				fprintf(stderr, "remorad: session %s, rule '%s': %s (restored without "
						"its filter)\n", name, last, ferr);
		} else if (sscanf(line, "contexts %63s %u", name, &ms) == 2) {
			struct session *s = lookup(d, name);
			if (s)
				rm_sink_add_contexts(s->sink, ms & CTF_CTX_ALL);
		}
	}
	fclose(f);
	struct session *s;
	struct cds_lfht_iter it;
	rcu_read_lock();
	cds_lfht_for_each_entry(d->sessions, &it, s, node) {
		if (s->state == SESSION_STARTED)
			rm_sink_start(s->sink);
		if (!s->snapshot)
			rm_live_mark(s->out_dir); /* ours now, for `remora view --follow` */
	}
	rcu_read_unlock();
	if (d->current[0] && !lookup(d, d->current))
		d->current[0] = 0;
	if (n)
		fprintf(stderr, "remorad: %d session%s restored from %s\n", n, n == 1 ? "" : "s",
			d->state_file);
}

/* For remorad_lifecycle.c (remorad.h). */
struct session *sessions_target(struct remorad *d, const struct rmd_req *q, struct reply *o)
{
	return target(d, q, o);
}

void sessions_save(struct remorad *d)
{
	save(d);
}
