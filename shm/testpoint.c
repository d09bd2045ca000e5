/* Test builds only: REMORA_TESTPOINT=name[:count[:stop]] makes the count-th
 * passage (default 1) through the named point raise SIGKILL (or SIGSTOP)
 * on the calling thread (which stops or kills its whole process). Parsed
 * without libc allocation. */
#ifdef REMORA_TESTPOINTS
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "rsys.h"
#include "testpoint.h"

volatile int rm_testpoint_armed;
static int armed_tp = -1;
static long armed_count = 1;
static int armed_sig = SIGKILL;

static const char *const names[RM_TP_COUNT] = {
	"after_claim", "after_reserve", "mid_payload", "before_commit", "after_commit",
	"chunk_switch", "thread_setup",
};

const char *rm_testpoint_name(enum rm_testpoint tp)
{
	return tp < RM_TP_COUNT ? names[tp] : "?";
}

__attribute__((constructor)) static void testpoint_init(void)
{
	const char *v = getenv("REMORA_TESTPOINT");
	if (!v)
		return;
	for (int i = 0; i < RM_TP_COUNT; i++) {
		size_t n = strlen(names[i]);
		if (strncmp(v, names[i], n) || (v[n] && v[n] != ':'))
			continue;
		armed_tp = i;
		if (v[n] == ':') {
			char *end;
			armed_count = strtol(v + n + 1, &end, 10);
			if (!strcmp(end, ":stop"))
				armed_sig = SIGSTOP;
		}
		rm_testpoint_armed = 1;
	}
}

void rm_testpoint_arm(enum rm_testpoint tp, long count, int sig)
{
	armed_tp = (int)tp;
	armed_count = count;
	armed_sig = sig;
	__atomic_store_n(&rm_testpoint_armed, 1, __ATOMIC_SEQ_CST);
}

void rm_testpoint_hit(enum rm_testpoint tp)
{
	if ((int)tp != armed_tp || __atomic_sub_fetch(&armed_count, 1, __ATOMIC_RELAXED) != 0)
		return;
	rsys(SYS_tgkill, rsys(SYS_getpid), rsys(SYS_gettid), armed_sig);
}
#endif
