/* /proc/PID/task/TID/status read once per thread and cached (a direct
 * mapped table; a tid reused by another thread of the same pid keeps the
 * older name until evicted: names are a hint, ids are exact). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/consumer/consumer_ctx.h"
#include "ctl/consumer/consumer_evctx.h"
#include "ctl/ctf/ctf_packet.h"

#define CACHE 256

static struct rm_task_ctx cache[CACHE];

static uint32_t last_id(const char *line)
{
	const char *sp = strrchr(line, '\t');
	const char *s2 = strrchr(line, ' ');
	if (s2 > sp)
		sp = s2;
	return sp ? (uint32_t)strtoul(sp + 1, NULL, 10) : 0;
}

static void read_status(uint32_t pid, uint32_t tid, struct rm_task_ctx *out)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%u/task/%u/status", pid, tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "Name:\t", 6))
			snprintf(out->procname, sizeof(out->procname), "%.15s", line + 6);
		else if (!strncmp(line, "NStgid:", 7) && last_id(line))
			out->vpid = last_id(line);
		else if (!strncmp(line, "NSpid:", 6) && last_id(line))
			out->vtid = last_id(line);
	}
	fclose(f);
}

void rm_task_ctx(uint32_t pid, uint32_t tid, const char *fallback_comm, struct rm_task_ctx *out)
{
	struct rm_task_ctx *c = &cache[(pid * 31u + tid) % CACHE];
	if (c->pid == pid && c->tid == tid && (pid || tid)) {
		*out = *c;
		return;
	}
	memset(out, 0, sizeof(*out));
	out->pid = pid;
	out->tid = tid;
	out->vpid = pid;
	out->vtid = tid;
	snprintf(out->procname, sizeof(out->procname), "%.15s", fallback_comm ? fallback_comm : "");
	read_status(pid, tid, out);
	*c = *out;
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
