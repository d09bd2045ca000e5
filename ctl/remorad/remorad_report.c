/* `remora list` and `remora status`, rendered by remorad. */
#define _GNU_SOURCE
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/remorad/remorad.h"

struct list_ctx {
	struct remorad *d;
	struct reply *o;
	int n;
};

static void one_proc(void *arg, const struct rm_proc_info *p, uint32_t serial)
{
	struct list_ctx *l = arg;
	l->n++;
	reply_printf(l->o, "pid %u (%s) %s\n  helper pid %u, %s, %u live process%s, %" PRIu64
			   " lost\n", p->pid, p->comm, p->exe, p->helper_pid,
		     p->connected ? "connected" : "helper gone, arena still read",
		     p->npids, p->npids == 1 ? "" : "es", p->lost);
	char name[128];
	bool on;
	int n = 0;
	for (uint32_t id = 0; rm_consumer_event(l->d->c, serial, id, name, sizeof(name), &on) == 0;
	     id++, n++)
		reply_printf(l->o, "    %s [%s%s]\n", name, on ? "enabled" : "disabled",
			     on && rm_consumer_event_app_filter(l->d->c, serial, id) ? ", app filter" : "");
	if (n == 0)
		reply_printf(l->o, "    (no events registered yet)\n");
}

/* A remora helper is a clone child whose exit signal is 0 (inject/spawn.c):
 * field 38 of /proc/PID/stat. It maps its app's arena, but it is not a
 * second process to trace: `list` shows processes only. */
static bool is_helper(long pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	for (int field = 2; field < 38 && p; field++)
		p = strchr(p + 1, ' ');
	return p && atoi(p + 1) == 0;
}

/* Processes that map a remora arena remorad does not have: their helper
 * never connected (other consumer socket, sandbox, failed lockdown), or
 * is connecting right now. */
static void untraceable(struct remorad *d, struct reply *o)
{
	DIR *proc = opendir("/proc");
	if (!proc)
		return;
	struct dirent *e;
	int n = 0;
	pid_t self = getpid();
	while ((e = readdir(proc))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == self || is_helper(pid))
			continue;
		char path[64], line[512];
		snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		uint64_t ino = 0;
		bool found = false;
		while (!found && fgets(line, sizeof(line), f)) {
			if (!strstr(line, "/memfd:remora"))
				continue;
			unsigned long long i;
			if (sscanf(line, "%*s %*s %*s %*s %llu", &i) == 1) {
				ino = i;
				found = true;
			}
		}
		fclose(f);
		if (!found || rm_consumer_knows_inode(d->c, ino))
			continue;
		char comm[32] = "?";
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		if ((f = fopen(path, "re"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		if (n++ == 0)
			reply_printf(o, "\nUntraceable processes (they map a remora arena, but no "
					"helper is connected to this remorad):\n");
		reply_printf(o, "pid %ld (%s): untraceable (no helper)\n", pid, comm);
	}
	closedir(proc);
}

void report_list(struct remorad *d, struct reply *o)
{
	struct list_ctx l = { d, o, 0 };
	reply_printf(o, "Traced processes (helpers connected to %s):\n", d->sock);
	rm_consumer_each_proc(d->c, one_proc, &l);
	if (l.n == 0)
		reply_printf(o, "  none: start an app linked with libremora, or preloaded "
				"(LD_PRELOAD=libremora.so)\n");
	untraceable(d, o);
	reply_end(o, RMD_OK);
}

static const char *state_name(enum session_state s)
{
	return s == SESSION_STARTED ? "started" : s == SESSION_STOPPED ? "stopped" : "created";
}

static void one_session(struct remorad *d, struct session *s, struct reply *o)
{
	struct rm_sink_stats st;
	rm_sink_stats(s->sink, &st);
	reply_printf(o, "Session %s%s [%s]%s\n  output: %s\n", s->name,
		     strcmp(s->name, d->current) ? "" : " (current)", state_name(s->state),
		     s->overwrite ? " overwrite" : s->snapshot ? " snapshot" : "", s->out_dir);
	reply_printf(o, "  events written: %" PRIu64 ", lost: %" PRIu64 ", refused: %" PRIu64
			", traces: %u, write errors: %u", st.events, st.discarded + st.unwritten,
		     st.refused, st.traces, st.write_errors);
	if (st.unwritten)
		reply_printf(o, " (%" PRIu64 " of the lost could not be written: disk full?)",
			     st.unwritten);
	if (s->overwrite)
		reply_printf(o, ", held in memory until stop: %" PRIu64, st.buffered);
	struct rm_rotation rot;
	uint32_t closed;
	int64_t cur;
	uint64_t bytes;
	rm_sink_rotation(s->sink, &rot);
	rm_sink_chunk_info(s->sink, &closed, &cur, &bytes);
	reply_printf(o, ", bytes: %" PRIu64, bytes);
	if (cur >= 0)
		reply_printf(o, "\n  chunks: %u closed, writing chunk-%05" PRId64 " (rotate size %"
				PRIu64 ", timer %u s, max chunks %u; 0: none)", closed, cur, rot.size,
			     rot.timer_s, rot.max_chunks);
	if (s->snapshot)
		reply_printf(o, ", held in memory for snapshots: %" PRIu64 ", overwritten (not "
				"lost): %" PRIu64 ", snapshots taken: %u", st.buffered, st.overwritten,
			     st.snapshots);
	reply_printf(o, "\n  event rules:%s\n", rm_sink_npatterns(s->sink) ? "" : " none");
	for (int i = 0; i < rm_sink_npatterns(s->sink); i++)
		reply_printf(o, "    %s\n", rm_sink_pattern(s->sink, i));
}

void report_status(struct remorad *d, const char *name, struct reply *o)
{
	struct session *s;
	struct cds_lfht_iter it;
	int n = 0;
	reply_printf(o, "remorad pid %d, uid %u, helper socket %s\n", (int)getpid(),
		     (unsigned)d->uid, d->sock);
	rcu_read_lock();
	cds_lfht_for_each_entry(d->sessions, &it, s, node)
		if (!name[0] || !strcmp(name, s->name)) {
			one_session(d, s, o);
			n++;
		}
	rcu_read_unlock();
	if (n == 0 && name[0]) {
		reply_error(o, "session '%s' does not exist: `remora status` lists the sessions\n",
			    name);
		return;
	}
	if (n == 0)
		reply_printf(o, "No sessions: create one with `remora create NAME`\n");
	reply_end(o, RMD_OK);
}
