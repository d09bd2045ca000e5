/* What the consumer knows of a producing thread beyond its pid and tid:
 * its name and its ids in its own pid namespace, from /proc (cached per
 * thread). The app pays nothing for them: used by $ctx filters and by the
 * procname/vpid/vtid contexts of `add-context`. */
#ifndef REMORA_CTL_CONSUMER_CTX_H
#define REMORA_CTL_CONSUMER_CTX_H

#include <stdint.h>

struct rm_task_ctx {
	uint32_t pid, tid;
	uint32_t vpid, vtid;  /* the innermost namespace's ids; pid/tid when unknown */
	char procname[16];    /* the thread's comm; the tree's when the thread is gone */
};

/* Fills out for (pid, tid); fallback_comm when /proc no longer knows it. */
void rm_task_ctx(uint32_t pid, uint32_t tid, const char *fallback_comm, struct rm_task_ctx *out);

#endif
