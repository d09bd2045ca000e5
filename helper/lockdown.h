/* The helper's lockdown: what the clone()d helper does before it reads
 * anything from the arena. Raw syscalls only (shm/rsys.h): it is safe in a
 * raw clone() child of a multi-threaded app, where glibc locks may be held. */
#ifndef REMORA_HELPER_LOCKDOWN_H
#define REMORA_HELPER_LOCKDOWN_H

/* The steps, in the order rm_lockdown runs them. */
enum rm_lockdown_step {
	RM_LOCKDOWN_OK = 0,
	RM_LOCKDOWN_ARGS,	/* bad keep list; nothing was changed */
	RM_LOCKDOWN_SIGMASK,	/* rt_sigprocmask: block every signal */
	RM_LOCKDOWN_SETSID,	/* leave the app's session and process group */
	RM_LOCKDOWN_CLOSE_FDS,	/* close_range over every fd not kept */
	RM_LOCKDOWN_CAPBSET,	/* PR_CAPBSET_DROP of every capability */
	RM_LOCKDOWN_AMBIENT,	/* PR_CAP_AMBIENT_CLEAR_ALL */
	RM_LOCKDOWN_CAPSET,	/* capset: empty effective/permitted/inheritable */
	RM_LOCKDOWN_NO_NEW_PRIVS, /* PR_SET_NO_NEW_PRIVS */
	RM_LOCKDOWN_SECCOMP,	/* the embedded allow-list (helper/ALLOWLIST.md) */
	RM_LOCKDOWN_NSTEPS
};

/* Most fds rm_lockdown can keep (the list is sorted on the stack). */
#define RM_LOCKDOWN_MAX_KEEP 32

/* Locks the calling process down for good; keep_fds (any order, duplicates
 * allowed, NULL when nkeep is 0) survive, every other fd is closed.
 * Returns 0, or the -errno of the first failing step and, when failed_step
 * is not NULL, stores that step there (RM_LOCKDOWN_OK on success). Steps
 * before the failing one stay applied. After success only the syscalls in
 * helper/ALLOWLIST.md are allowed; any other kills the process (SIGSYS). */
int rm_lockdown(const int *keep_fds, int nkeep, enum rm_lockdown_step *failed_step);

/* A static name of the step ("seccomp", ...), for messages; never NULL. */
const char *rm_lockdown_step_name(enum rm_lockdown_step step);

#endif
