/* What the consumer knows of a producing thread beyond its pid and tid:
 * its name and its ids in its own pid namespace, from /proc (cached per
 * thread). The app pays nothing for them: used by $ctx filters and by the
 * procname/vpid/vtid contexts of `add-context`.
 *
 * The pid and tid a packet carries are the app's own, i.e. its pid
 * namespace's: an app in a namespace of its own (unshare --pid, a
 * container) reports 1 for a pid that is another process in ours. So
 * /proc is read only through struct rm_task_ns, which knows the app's pid
 * in the consumer's namespace and maps its thread ids to ours. */
#ifndef REMORA_CTL_CONSUMER_CTX_H
#define REMORA_CTL_CONSUMER_CTX_H

#include <stdint.h>

struct rm_task_ctx {
	uint32_t pid, tid;
	uint32_t vpid, vtid;  /* the innermost namespace's ids; pid/tid when unknown */
	char procname[16];    /* the thread's comm; the tree's when the thread is gone */
};

/* One app's ids in the consumer's pid namespace (per connection). */
struct rm_task_ns {
	uint32_t app_pid;    /* the pid the app reported (its namespace's) */
	uint32_t host_pid;   /* the same process in ours; 0: unknown, /proc is not read */
	/* the app's tid -> ours (0: looked for and gone), open addressing;
	 * filled by one scan of /proc/HOST/task per tid not yet in it */
	struct rm_tid_pair { uint32_t ns, host; } *map;
	uint32_t n, cap;
	uint32_t scans;      /* directory scans so far (tests, stats) */
};

/* The parent of helper_pid (a pid in our namespace, from SO_PEERCRED), or
 * 0: the app that clone()d the helper. Read while the helper is alive. */
uint32_t rm_task_ns_parent(uint32_t helper_pid);
/* Sets ns for an app that reported app_pid and whose pid in our namespace
 * is host_pid (0: unknown); host_pid is kept only if its innermost NStgid
 * is app_pid (the same process, not a reused pid). */
void rm_task_ns_init(struct rm_task_ns *ns, uint32_t host_pid, uint32_t app_pid);
void rm_task_ns_free(struct rm_task_ns *ns);

/* Fills out for (pid, tid) as the app reported them; fallback_comm and
 * the reported ids when /proc no longer knows the thread, or when ns is
 * NULL or cannot say which process of ours it is. */
void rm_task_ctx(struct rm_task_ns *ns, uint32_t pid, uint32_t tid, const char *fallback_comm,
		 struct rm_task_ctx *out);

#endif
