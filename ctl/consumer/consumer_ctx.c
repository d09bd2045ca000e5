/* /proc/PID/task/TID/status read once per thread and cached (a direct
 * mapped table keyed by our namespace's ids; a tid reused by another
 * thread of the same pid keeps the older name until evicted: names are a
 * hint, ids are exact). An app's ids are translated to ours first
 * (struct rm_task_ns): reading /proc by a namespace's ids would read
 * another process. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/consumer/consumer_ctx.h"
#include "ctl/consumer/consumer_evctx.h"
#include "ctl/ctf/ctf_packet.h"

#define CACHE 256

static struct rm_task_ctx cache[CACHE]; /* pid, tid: ours */

static uint32_t last_id(const char *line)
{
	const char *sp = strrchr(line, '\t');
	const char *s2 = strrchr(line, ' ');
	if (s2 > sp)
		sp = s2;
	return sp ? (uint32_t)strtoul(sp + 1, NULL, 10) : 0;
}

/* Name, innermost NStgid and NSpid of one status file; -1 if unreadable. */
static int read_status(const char *path, char name[16], uint32_t *vpid, uint32_t *vtid)
{
	char line[256];
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "Name:\t", 6) && name)
			snprintf(name, 16, "%.15s", line + 6);
		else if (!strncmp(line, "NStgid:", 7))
			*vpid = last_id(line);
		else if (!strncmp(line, "NSpid:", 6))
			*vtid = last_id(line);
	}
	fclose(f);
	return 0;
}

uint32_t rm_task_ns_parent(uint32_t helper_pid)
{
	char path[64], line[256];
	uint32_t ppid = 0;
	snprintf(path, sizeof(path), "/proc/%u/status", helper_pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "PPid:", 5)) {
			ppid = (uint32_t)strtoul(line + 5, NULL, 10);
			break;
		}
	fclose(f);
	return ppid;
}

void rm_task_ns_init(struct rm_task_ns *ns, uint32_t host_pid, uint32_t app_pid)
{
	rm_task_ns_free(ns);
	ns->app_pid = app_pid;
	ns->host_pid = 0;
	if (host_pid <= 1)
		return; /* no parent, or reparented to init: not the app */
	char path[64];
	uint32_t vpid = 0, vtid = 0;
	snprintf(path, sizeof(path), "/proc/%u/status", host_pid);
	if (read_status(path, NULL, &vpid, &vtid) == 0 && vpid == app_pid)
		ns->host_pid = host_pid;
}

void rm_task_ns_free(struct rm_task_ns *ns)
{
	free(ns->map);
	ns->map = NULL;
	ns->n = ns->cap = 0;
}

static struct rm_tid_pair *slot(struct rm_task_ns *ns, uint32_t tid)
{
	uint32_t i = tid * 2654435761u;
	for (;; i++) {
		struct rm_tid_pair *p = &ns->map[i & (ns->cap - 1)];
		if (p->ns == tid || p->ns == 0)
			return p;
	}
}

static void put(struct rm_task_ns *ns, uint32_t tid, uint32_t host)
{
	if ((ns->n + 1) * 2 > ns->cap) {
		uint32_t cap = ns->cap ? ns->cap * 2 : 64;
		struct rm_tid_pair *old = ns->map, *m = calloc(cap, sizeof(*m));
		uint32_t oldcap = ns->cap;
		if (!m)
			return; /* not cached: looked for again next time */
		ns->map = m;
		ns->cap = cap;
		ns->n = 0;
		for (uint32_t i = 0; i < oldcap; i++)
			if (old[i].ns)
				put(ns, old[i].ns, old[i].host);
		free(old);
	}
	struct rm_tid_pair *p = slot(ns, tid);
	if (p->ns == 0)
		ns->n++;
	p->ns = tid;
	p->host = host;
}

/* Every thread of the app now: its tid in the app's namespace -> ours. */
static void scan(struct rm_task_ns *ns)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/%u/task", ns->host_pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	ns->scans++;
	struct dirent *e;
	while ((e = readdir(d))) {
		uint32_t host = (uint32_t)strtoul(e->d_name, NULL, 10);
		uint32_t vpid = 0, vtid = 0;
		if (!host)
			continue;
		snprintf(path, sizeof(path), "/proc/%u/task/%u/status", ns->host_pid, host);
		if (read_status(path, NULL, &vpid, &vtid) == 0 && vtid)
			put(ns, vtid, host);
	}
	closedir(d);
}

static uint32_t lookup(struct rm_task_ns *ns, uint32_t tid, bool *known)
{
	struct rm_tid_pair *p = ns->cap ? slot(ns, tid) : NULL;
	*known = p && p->ns == tid;
	return *known ? p->host : 0;
}

/* Our pid and tid for the app's (pid, tid); false when we cannot say
 * (gone, or a process of the app's namespace we do not know). rescan:
 * the mapping we had led to another thread or none. */
static bool host_ids(struct rm_task_ns *ns, uint32_t pid, uint32_t tid, bool rescan,
		     uint32_t *hpid, uint32_t *htid)
{
	if (!ns || !ns->host_pid || !pid || !tid)
		return false;
	if (ns->host_pid == ns->app_pid) { /* the app shares our namespace */
		*hpid = pid;
		*htid = tid;
		return true;
	}
	if (pid != ns->app_pid)
		return false; /* a forked child in the app's namespace: not mapped */
	bool known;
	uint32_t h = lookup(ns, tid, &known);
	if (!known || rescan) {
		scan(ns);
		h = lookup(ns, tid, &known);
		if (!known || (rescan && h == *htid)) {
			put(ns, tid, 0); /* exited before we looked: not scanned for again */
			return false;
		}
	}
	*hpid = ns->host_pid;
	*htid = h;
	return h != 0;
}

static bool read_task(uint32_t pid, uint32_t tid, uint32_t hpid, uint32_t htid,
		      struct rm_task_ctx *out)
{
	struct rm_task_ctx *c = &cache[(hpid * 31u + htid) % CACHE];
	if (c->pid == hpid && c->tid == htid && c->vpid == pid && c->vtid == tid) {
		memcpy(out->procname, c->procname, sizeof(out->procname));
		return true;
	}
	char path[64], name[16];
	uint32_t vpid = 0, vtid = 0;
	memcpy(name, out->procname, sizeof(name));
	snprintf(path, sizeof(path), "/proc/%u/task/%u/status", hpid, htid);
	if (read_status(path, name, &vpid, &vtid) < 0 || (vpid && vpid != pid) || (vtid && vtid != tid))
		return false; /* gone, or its tid now another thread's */
	memcpy(out->procname, name, sizeof(out->procname));
	c->pid = hpid;
	c->tid = htid;
	c->vpid = vpid;
	c->vtid = vtid;
	memcpy(c->procname, name, sizeof(c->procname));
	return true;
}

void rm_task_ctx(struct rm_task_ns *ns, uint32_t pid, uint32_t tid, const char *fallback_comm,
		 struct rm_task_ctx *out)
{
	memset(out, 0, sizeof(*out));
	out->pid = pid;
	out->tid = tid;
	out->vpid = pid; /* the app's ids are its namespace's: honest when nothing else is known */
	out->vtid = tid;
	snprintf(out->procname, sizeof(out->procname), "%.15s", fallback_comm ? fallback_comm : "");
	uint32_t hpid = 0, htid = 0;
	if (!host_ids(ns, pid, tid, false, &hpid, &htid) || read_task(pid, tid, hpid, htid, out))
		return;
	/* the thread we mapped it to is gone: a new thread may have its tid */
	if (ns->host_pid != ns->app_pid && host_ids(ns, pid, tid, true, &hpid, &htid))
		read_task(pid, tid, hpid, htid, out);
}

int rm_context_parse(const char *type, uint32_t *bit, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} known[] = { { "procname", CTF_CTX_PROCNAME }, { "vpid", CTF_CTX_VPID },
		      { "vtid", CTF_CTX_VTID } };
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(type, known[i].name)) {
			*bit = known[i].bit;
			return 0;
		}
	int ev = rm_evctx_parse(type, bit, err, errlen); /* ip, cpu_id, perf:thread:NAME */
	if (ev)
		return ev > 0 ? 0 : -1;
	snprintf(err, errlen, "unknown context '%s' (procname, vpid, vtid, ip, cpu_id, "
			      "perf:thread:COUNTER)", type);
	return -1;
}
