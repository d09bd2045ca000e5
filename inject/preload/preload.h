/* Shared by the wrappers of libremora-libc.so.
 *
 * Every wrapper calls the real function through a pointer and, after it,
 * tests its event's enable byte: that test is the only cost of a disabled
 * event (the pointer starts at a bootstrap function that resolves every
 * real function with dlsym(RTLD_NEXT) on first use, so there is no
 * "resolved yet?" branch on the hot path). Recording happens in a cold,
 * out-of-line function that takes the thread-local guard: a wrapper called
 * while its own thread is already recording (from inside the stub, or from
 * a signal handler that interrupted the recording) does not record again. */
#ifndef REMORA_PRELOAD_H
#define REMORA_PRELOAD_H

#define RM_EXPORT __attribute__((visibility("default")))
#define RM_COLD __attribute__((noinline, cold))

/* initial-exec: preloaded at startup, so the variable is in the static TLS
 * block and reading it never calls __tls_get_addr (which may allocate). */
extern __thread int rm_pl_guard __attribute__((visibility("hidden"), tls_model("initial-exec")));

/* Enter/leave the recording section; errno is kept for the application. */
#define RM_RECORD_BEGIN                                                       \
	if (rm_pl_guard)                                                      \
		return;                                                       \
	int rm__saved_errno = errno;                                          \
	rm_pl_guard = 1;
#define RM_RECORD_END                                                         \
	rm_pl_guard = 0;                                                      \
	errno = rm__saved_errno;

#endif
