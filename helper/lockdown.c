/* Raw syscalls only: this runs in a raw clone() child where another app
 * thread may have held a glibc lock, and errno/TLS belong to the app. */
#include "helper/lockdown.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>

#include "helper_filter.h"
#include "shm/rsys.h"

static int sort_keep(const int *keep, int n, int *out)
{
	if (n < 0 || n > RM_LOCKDOWN_MAX_KEEP || (n > 0 && !keep))
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		int v = keep[i], j = i;
		if (v < 0)
			return -EINVAL;
		for (; j > 0 && out[j - 1] > v; j--)
			out[j] = out[j - 1];
		out[j] = v;
	}
	return 0;
}

/* close_range over each gap between kept fds; duplicates make empty gaps. */
static long close_gaps(const int *keep, int n)
{
	unsigned first = 0;
	for (int i = 0; i < n; i++) {
		unsigned k = (unsigned)keep[i];
		if (k > first) {
			long rc = rsys(SYS_close_range, first, k - 1, 0);
			if (rc < 0)
				return rc;
		}
		if (k + 1 > first)
			first = k + 1;
	}
	return rsys(SYS_close_range, first, ~0U, 0);
}

static long drop_bounding_set(void)
{
	/* Caps are numbered densely: EINVAL marks the one past the last.
	 * EPERM means we lack CAP_SETPCAP (not root): nothing to drop that
	 * matters, and execve is forbidden by the filter anyway. */
	for (long cap = 0; cap < 64; cap++) {
		long rc = rsys(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0);
		if (rc == -EINVAL)
			break;
		if (rc < 0 && rc != -EPERM)
			return rc;
	}
	return 0;
}

static long clear_caps(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {{0, 0, 0}};
	return rsys(SYS_capset, &hdr, data);
}

static long run(const int *keep, int n, enum rm_lockdown_step *step)
{
	long rc;
	uint64_t all = ~(uint64_t)0; /* glibc's sigfillset leaves 32 and 33 open */

	*step = RM_LOCKDOWN_SIGMASK;
	if ((rc = rsys(SYS_rt_sigprocmask, SIG_SETMASK, &all, 0, sizeof all)) < 0)
		return rc;
	*step = RM_LOCKDOWN_SETSID;
	if ((rc = rsys(SYS_setsid)) < 0)
		return rc;
	*step = RM_LOCKDOWN_CLOSE_FDS;
	if ((rc = close_gaps(keep, n)) < 0)
		return rc;
	*step = RM_LOCKDOWN_CAPBSET; /* before capset: it needs CAP_SETPCAP */
	if ((rc = drop_bounding_set()) < 0)
		return rc;
	*step = RM_LOCKDOWN_AMBIENT;
	rc = rsys(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (rc < 0 && rc != -EINVAL) /* EINVAL: no ambient caps in this kernel */
		return rc;
	*step = RM_LOCKDOWN_CAPSET;
	if ((rc = clear_caps()) < 0)
		return rc;
	*step = RM_LOCKDOWN_NO_NEW_PRIVS;
	if ((rc = rsys(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) < 0)
		return rc;
	*step = RM_LOCKDOWN_SECCOMP;
	struct sock_fprog prog = {
		.len = RM_HELPER_FILTER_LEN,
		.filter = (struct sock_filter *)rm_helper_filter,
	};
	if ((rc = rsys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) < 0)
		return rc;
	*step = RM_LOCKDOWN_OK;
	return 0;
}

int rm_lockdown(const int *keep_fds, int nkeep, enum rm_lockdown_step *failed_step)
{
	enum rm_lockdown_step step = RM_LOCKDOWN_ARGS;
	int keep[RM_LOCKDOWN_MAX_KEEP];
	long rc = sort_keep(keep_fds, nkeep, keep);
	if (rc == 0)
		rc = run(keep, nkeep, &step);
	if (failed_step)
		*failed_step = rc < 0 ? step : RM_LOCKDOWN_OK;
	return (int)rc;
}

const char *rm_lockdown_step_name(enum rm_lockdown_step step)
{
	static const char *const names[RM_LOCKDOWN_NSTEPS] = {
		[RM_LOCKDOWN_OK] = "ok",
		[RM_LOCKDOWN_ARGS] = "arguments",
		[RM_LOCKDOWN_SIGMASK] = "sigmask",
		[RM_LOCKDOWN_SETSID] = "setsid",
		[RM_LOCKDOWN_CLOSE_FDS] = "close_fds",
		[RM_LOCKDOWN_CAPBSET] = "capbset",
		[RM_LOCKDOWN_AMBIENT] = "ambient",
		[RM_LOCKDOWN_CAPSET] = "capset",
		[RM_LOCKDOWN_NO_NEW_PRIVS] = "no_new_privs",
		[RM_LOCKDOWN_SECCOMP] = "seccomp",
	};
	if ((unsigned)step >= RM_LOCKDOWN_NSTEPS)
		return "unknown";
	return names[step];
}
