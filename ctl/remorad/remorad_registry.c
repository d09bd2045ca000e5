/* remorad's sessions: an RCU hash table keyed by name; each session is a
 * consumer sink (consumer.h). Saved to a state file after every change so
 * a restarted remorad carries on with the same sessions: what apps
 * committed while no remorad ran reaches them (DESIGN.md 3, line 8).
 * Apart from remorad_session.c, the requests that change them, because
 * this is what a session is and what of it outlives remorad. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/consumer/live_mark.h"
#include "ctl/remorad/remorad.h"
#include "ctl/ctf/ctf_packet.h"
#include "ctl/remorad/remorad_ship.h"

const char *const session_state_names[] = { "created", "started", "stopped" };

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

struct session *session_lookup(struct remorad *d, const char *name)
{
	struct cds_lfht_iter it;
	rcu_read_lock();
	cds_lfht_lookup(d->sessions, hash_str(name), match_name, name, &it);
	struct cds_lfht_node *n = cds_lfht_iter_get_node(&it);
	rcu_read_unlock();
	return n ? caa_container_of(n, struct session, node) : NULL;
}

/* Writes every session to the state file (a temp file, then rename). */
void sessions_save(struct remorad *d)
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
		fprintf(f, "session %s %s %d %s\n", s->name, session_state_names[s->state], s->overwrite,
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
		session_ship_save(f, s);
	}
	rcu_read_unlock();
	if (fclose(f) != 0 || rename(tmp, d->state_file) != 0) {
		fprintf(stderr, "remorad: cannot save sessions to %s: %s\n", d->state_file,
			strerror(errno));
		unlink(tmp);
	}
}

struct session *session_add(struct remorad *d, const char *name, const char *dir,
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

void session_set_blocking(struct session *s, uint32_t ms)
{
	s->block_ms = ms;
	rm_sink_set_blocking(s->sink, (uint64_t)ms * 1000000);
}

void session_free(struct remorad *d, struct session *s, struct rm_sink_stats *st)
{
	rcu_read_lock();
	cds_lfht_del(d->sessions, &s->node);
	rcu_read_unlock();
	synchronize_rcu();
	rm_sink_destroy(s->sink, st);
	rm_live_unmark(s->out_dir);
	session_ship_end(s);
	free(s);
}

void sessions_shutdown(struct remorad *d)
{
	session_ship_shutdown();
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

void sessions_ship_start(struct remorad *d)
{
	struct session *s;
	struct cds_lfht_iter it;
	char err[700];
	rcu_read_lock();
	cds_lfht_for_each_entry(d->sessions, &it, s, node)
		if (s->ship && session_ship_start(s, err, sizeof(err)) < 0)
			fprintf(stderr, "remorad: session %s will not be shipped: %s", s->name, err);
	rcu_read_unlock();
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
			   off && rmd_name_ok(name) && line[off] == '/' && !session_lookup(d, name)) {
			struct session *s = session_add(d, name, line + off, ow == 1);
			if (s && !strcmp(state, "started"))
				s->state = SESSION_STARTED;
			else if (s && !strcmp(state, "stopped"))
				s->state = SESSION_STOPPED;
			n += s != NULL;
		} else if (sscanf(line, "blocking %63s %u", name, &ms) == 2 && ms <= 60000) {
			struct session *s = session_lookup(d, name);
			if (s && !s->overwrite)
				session_set_blocking(s, ms);
		} else if (sscanf(line, "snapshot %63s %llu", name, &ring) == 2) {
			struct session *s = session_lookup(d, name);
			if (s && !s->overwrite && !s->block_ms)
				snapshot_session_set(s, ring);
		} else if (sscanf(line, "chunks %63s ", name) == 1) {
			struct session *s = session_lookup(d, name);
			if (s)
				rotation_restore(s, line);
		} else if (!strncmp(line, "ship", 4) &&
			   sscanf(line, "%15s %63s %n", state, name, &off) == 2 && off &&
			   session_lookup(d, name)) {
			session_ship_restore_line(session_lookup(d, name), state, line + off);
		} else if (sscanf(line, "pattern %63s %n", name, &off) == 1 && off) {
			struct session *s = session_lookup(d, name);
			if (s)
				rm_sink_enable(s->sink, line + off);
			snprintf(last, sizeof(last), "%s", line + off);
		} else if (sscanf(line, "filter %63s %n", name, &off) == 1 && off) {
			struct session *s = session_lookup(d, name);
			char ferr[512];
			if (s && rm_sink_enable_filter(s->sink, last, line + off, ferr, sizeof(ferr)) < 0)
				fprintf(stderr, "remorad: session %s, rule '%s': %s (restored without "
						"its filter)\n", name, last, ferr);
		} else if (sscanf(line, "contexts %63s %u", name, &ms) == 2) {
			struct session *s = session_lookup(d, name);
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
	if (d->current[0] && !session_lookup(d, d->current))
		d->current[0] = 0;
	if (n)
		fprintf(stderr, "remorad: %d session%s restored from %s\n", n, n == 1 ? "" : "s",
			d->state_file);
}
