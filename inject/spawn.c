/* Spawning the helper: a raw clone() with no CLONE_VM, CLONE_FILES,
 * CLONE_SIGHAND or CLONE_THREAD, and exit signal 0. The child is a copy of
 * the app (like fork, but no atfork handler runs and the parent never gets
 * SIGCHLD; wait(), waitpid(-1) and waitid(P_ALL) without __WALL ignore it).
 * Everything the child needs is prepared here, before the clone. */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>

#include "helper/helper_main.h"
#include "shm/rsys.h"
#include "inject/stub.h"

static struct rm_helper_ctx ctx;

static void prepare_hello(struct rm_msg_hello *m, uint64_t arena_size)
{
	m->h = (struct rm_msg_hdr){ RM_PROTO_MAGIC, RM_PROTO_VERSION, RM_MSG_HELLO, sizeof(*m), 0 };
	m->pid = (uint32_t)rsys(SYS_getpid);
	m->ppid = (uint32_t)rsys(SYS_getppid);
	m->uid = (uint32_t)rsys(SYS_getuid);
	m->gid = (uint32_t)rsys(SYS_getgid);
	m->arena_size = arena_size;
	rsys(SYS_prctl, PR_GET_NAME, m->comm, 0, 0, 0);
	long n = rsys(SYS_readlink, "/proc/self/exe", m->exe, sizeof(m->exe) - 1);
	m->exe[n > 0 ? n : 0] = 0;
}

long rm_helper_spawn(const struct rm_arena *a, const char *socket_path)
{
	ctx.arena = *a;
	ctx.memfd = a->fd;
	size_t n = strnlen(socket_path, sizeof(ctx.socket_path) - 1);
	memcpy(ctx.socket_path, socket_path, n);
	ctx.socket_path[n] = 0;
	ctx.euid = (uint32_t)rsys(SYS_geteuid);
	long r = rm_arena_id_of(ctx.memfd, &ctx.arena_id);
	if (r < 0)
		return r;
	prepare_hello(&ctx.hello, a->size);
	/* The child starts with every signal blocked: until its lockdown has
	 * left the app's process group, a kill(0, ...) or a terminal signal
	 * aimed at the app's group would otherwise reach it with the app's
	 * dispositions (seen: kill(0, SIGTERM) right after the constructor
	 * killed the helper). The app's own mask is back one syscall later;
	 * a signal arriving meanwhile stays pending for the app, not lost. */
	uint64_t all = ~(uint64_t)0, old;
	long masked = rsys(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof(all));
	long pid = rsys(SYS_clone, 0, 0, 0, 0, 0);
	if (pid == 0)
		rm_helper_main(&ctx);
	if (masked == 0)
		rsys(SYS_rt_sigprocmask, SIG_SETMASK, &old, 0, sizeof(old));
	return pid;
}
