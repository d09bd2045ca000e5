/* Provider libc_io: process and file activity. Only calls that go through
 * the dynamic linker are seen: libc's own internal calls (stdio's read and
 * write, system()'s fork, the exit after main returns) bypass the PLT.
 *
 * The _FORTIFY_SOURCE entry points (__open_2, __read_chk, ...) and the
 * 64-bit names programs built with _FILE_OFFSET_BITS=64 call (open64) are
 * recorded as the plain call they stand for. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <remora/remora.h>

#include "preload.h"

REMORA_EVENT(libc_io, open, (int, dirfd), (const char *, path), (int, flags), (unsigned, mode), (int, ret),
	     (int, err));
REMORA_EVENT(libc_io, close, (int, fd), (int, ret), (int, err));
REMORA_EVENT(libc_io, read, (int, fd), (size_t, count), (ssize_t, ret), (int, err));
REMORA_EVENT(libc_io, write, (int, fd), (size_t, count), (ssize_t, ret), (int, err));
REMORA_EVENT(libc_io, connect, (int, fd), (remora_bytes, addr), (int, ret), (int, err));
REMORA_EVENT(libc_io, accept, (int, fd), (remora_bytes, addr), (int, flags), (int, ret), (int, err));
REMORA_EVENT(libc_io, fork, (int, ret), (int, err));
REMORA_EVENT(libc_io, exec, (const char *, path), (const char *, argv0), (int, argc));
REMORA_EVENT(libc_io, exit, (int, status), (bool, immediate));

/* ---- real functions: resolved together on the first call of any ---- */

static void resolve(void);

/* Declares real_NAME, starting at boot_NAME, which resolves and calls. */
#define REAL(ret, name, params, args)                                         \
	static ret boot_##name params;                                        \
	static ret(*real_##name) params = boot_##name;                        \
	static ret boot_##name params                                         \
	{                                                                     \
		resolve();                                                    \
		return real_##name args;                                      \
	}
/* open and openat are variadic: their real pointers are declared with the
 * mode as a fixed argument, which libc ignores when the flags need none
 * (x86-64 and aarch64 pass a variadic int like a fixed one). */
REAL(int, open, (const char *p, int f, mode_t m), (p, f, m))
REAL(int, open64, (const char *p, int f, mode_t m), (p, f, m))
REAL(int, openat, (int d, const char *p, int f, mode_t m), (d, p, f, m))
REAL(int, openat64, (int d, const char *p, int f, mode_t m), (d, p, f, m))
REAL(int, __open_2, (const char *p, int f), (p, f))
REAL(int, __open64_2, (const char *p, int f), (p, f))
REAL(int, __openat_2, (int d, const char *p, int f), (d, p, f))
REAL(int, __openat64_2, (int d, const char *p, int f), (d, p, f))
REAL(int, close, (int fd), (fd))
REAL(ssize_t, read, (int fd, void *b, size_t n), (fd, b, n))
REAL(ssize_t, __read_chk, (int fd, void *b, size_t n, size_t bl), (fd, b, n, bl))
REAL(ssize_t, write, (int fd, const void *b, size_t n), (fd, b, n))
REAL(int, connect, (int fd, const struct sockaddr *a, socklen_t l), (fd, a, l))
REAL(int, accept, (int fd, struct sockaddr *a, socklen_t *l), (fd, a, l))
REAL(int, accept4, (int fd, struct sockaddr *a, socklen_t *l, int f), (fd, a, l, f))
REAL(pid_t, fork, (void), ())
REAL(int, execve, (const char *p, char *const *v, char *const *e), (p, v, e))
REAL(int, execv, (const char *p, char *const *v), (p, v))
REAL(int, execvp, (const char *p, char *const *v), (p, v))
REAL(int, execvpe, (const char *p, char *const *v, char *const *e), (p, v, e))

/* exit and _exit cannot return: no boot function, resolved by resolve(). */
static void (*real_exit)(int);
static void (*real__exit)(int);

#define RESOLVE(name)                                                         \
	do {                                                                  \
		void *f = dlsym(RTLD_NEXT, #name);                            \
		if (!f)                                                       \
			abort();                                              \
		__atomic_store_n((void **)&real_##name, f, __ATOMIC_RELEASE); \
	} while (0)

static void resolve(void)
{
	RESOLVE(open); RESOLVE(open64); RESOLVE(openat); RESOLVE(openat64);
	RESOLVE(__open_2); RESOLVE(__open64_2); RESOLVE(__openat_2); RESOLVE(__openat64_2);
	RESOLVE(close); RESOLVE(read); RESOLVE(__read_chk); RESOLVE(write);
	RESOLVE(connect); RESOLVE(accept); RESOLVE(accept4); RESOLVE(fork);
	RESOLVE(execve); RESOLVE(execv); RESOLVE(execvp); RESOLVE(execvpe);
	RESOLVE(exit); RESOLVE(_exit);
}

/* ---- recording (cold) ---- */

static int err_of(long ret, int e)
{
	return ret < 0 ? e : 0;
}

RM_COLD static void rec_open(int dirfd, const char *path, int flags, mode_t mode, int ret)
{
	RM_RECORD_BEGIN
	remora_trace(libc_io, open, dirfd, path, flags, mode, ret, err_of(ret, rm__saved_errno));
	RM_RECORD_END
}
RM_COLD static void rec_close(int fd, int ret)
{
	RM_RECORD_BEGIN
	remora_trace(libc_io, close, fd, ret, err_of(ret, rm__saved_errno));
	RM_RECORD_END
}
RM_COLD static void rec_read(int fd, size_t n, ssize_t ret)
{
	RM_RECORD_BEGIN
	remora_trace(libc_io, read, fd, n, ret, err_of(ret, rm__saved_errno));
	RM_RECORD_END
}
RM_COLD static void rec_write(int fd, size_t n, ssize_t ret)
{
	RM_RECORD_BEGIN
	remora_trace(libc_io, write, fd, n, ret, err_of(ret, rm__saved_errno));
	RM_RECORD_END
}
RM_COLD static void rec_connect(int fd, const struct sockaddr *a, socklen_t len, int ret)
{
	RM_RECORD_BEGIN
	remora_trace(libc_io, connect, fd, remora_bytes_of(a, a ? len : 0), ret, err_of(ret, rm__saved_errno));
	RM_RECORD_END
}
/* The peer's address as the kernel wrote it, cut to the caller's buffer. */
RM_COLD static void rec_accept(int fd, const struct sockaddr *a, socklen_t cap, const socklen_t *lenp, int flags,
			       int ret)
{
	RM_RECORD_BEGIN
	socklen_t len = ret >= 0 && a && lenp ? (*lenp < cap ? *lenp : cap) : 0;
	remora_trace(libc_io, accept, fd, remora_bytes_of(a, len), flags, ret, err_of(ret, rm__saved_errno));
	RM_RECORD_END
}
RM_COLD static void rec_fork(pid_t ret)
{
	RM_RECORD_BEGIN
	remora_trace(libc_io, fork, ret, err_of(ret, rm__saved_errno));
	RM_RECORD_END
}
RM_COLD static void rec_exec(const char *path, char *const *argv)
{
	RM_RECORD_BEGIN
	int argc = 0;
	while (argv && argv[argc])
		argc++;
	remora_trace(libc_io, exec, path, argv ? argv[0] : NULL, argc);
	RM_RECORD_END
}
RM_COLD static void rec_exit(int status, bool immediate)
{
	RM_RECORD_BEGIN
	remora_trace(libc_io, exit, status, immediate);
	RM_RECORD_END
}

/* ---- the wrappers: call, then one test of the enable byte ---- */

static mode_t mode_arg(int flags, va_list ap)
{
	return __OPEN_NEEDS_MODE(flags) ? va_arg(ap, mode_t) : 0;
}

#define OPEN_WRAPPER(name)                                                    \
	RM_EXPORT int name(const char *path, int flags, ...)                  \
	{                                                                     \
		va_list ap;                                                   \
		va_start(ap, flags);                                          \
		mode_t mode = mode_arg(flags, ap);                            \
		va_end(ap);                                                   \
		int fd = real_##name(path, flags, mode);                      \
		if (remora_enabled(libc_io, open))                            \
			rec_open(AT_FDCWD, path, flags, mode, fd);            \
		return fd;                                                    \
	}
#define OPENAT_WRAPPER(name)                                                  \
	RM_EXPORT int name(int dirfd, const char *path, int flags, ...)       \
	{                                                                     \
		va_list ap;                                                   \
		va_start(ap, flags);                                          \
		mode_t mode = mode_arg(flags, ap);                            \
		va_end(ap);                                                   \
		int fd = real_##name(dirfd, path, flags, mode);               \
		if (remora_enabled(libc_io, open))                            \
			rec_open(dirfd, path, flags, mode, fd);               \
		return fd;                                                    \
	}
OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)
OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)

#define OPEN2_WRAPPER(name)                                                   \
	RM_EXPORT int name(const char *path, int flags)                       \
	{                                                                     \
		int fd = real_##name(path, flags);                            \
		if (remora_enabled(libc_io, open))                            \
			rec_open(AT_FDCWD, path, flags, 0, fd);               \
		return fd;                                                    \
	}
#define OPENAT2_WRAPPER(name)                                                 \
	RM_EXPORT int name(int dirfd, const char *path, int flags)            \
	{                                                                     \
		int fd = real_##name(dirfd, path, flags);                     \
		if (remora_enabled(libc_io, open))                            \
			rec_open(dirfd, path, flags, 0, fd);                  \
		return fd;                                                    \
	}
OPEN2_WRAPPER(__open_2)
OPEN2_WRAPPER(__open64_2)
OPENAT2_WRAPPER(__openat_2)
OPENAT2_WRAPPER(__openat64_2)

RM_EXPORT int close(int fd)
{
	int r = real_close(fd);
	if (remora_enabled(libc_io, close))
		rec_close(fd, r);
	return r;
}

RM_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	ssize_t r = real_read(fd, buf, n);
	if (remora_enabled(libc_io, read))
		rec_read(fd, n, r);
	return r;
}

RM_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	ssize_t r = real___read_chk(fd, buf, n, buflen);
	if (remora_enabled(libc_io, read))
		rec_read(fd, n, r);
	return r;
}

RM_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	ssize_t r = real_write(fd, buf, n);
	if (remora_enabled(libc_io, write))
		rec_write(fd, n, r);
	return r;
}

RM_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	int r = real_connect(fd, addr, len);
	if (remora_enabled(libc_io, connect))
		rec_connect(fd, addr, len, r);
	return r;
}

RM_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *lenp)
{
	socklen_t cap = addr && lenp ? *lenp : 0;
	int r = real_accept(fd, addr, lenp);
	if (remora_enabled(libc_io, accept))
		rec_accept(fd, addr, cap, lenp, 0, r);
	return r;
}

RM_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *lenp, int flags)
{
	socklen_t cap = addr && lenp ? *lenp : 0;
	int r = real_accept4(fd, addr, lenp, flags);
	if (remora_enabled(libc_io, accept))
		rec_accept(fd, addr, cap, lenp, flags, r);
	return r;
}

/* Recorded on both sides: the parent's event carries the child's pid, the
 * child's (its first, with its own pid) carries 0. */
RM_EXPORT pid_t fork(void)
{
	pid_t r = real_fork();
	if (remora_enabled(libc_io, fork))
		rec_fork(r);
	return r;
}

/* Recorded before the call: a successful exec does not come back. */
#define EXEC_WRAPPER(name, params, args)                                      \
	RM_EXPORT int name params                                             \
	{                                                                     \
		if (remora_enabled(libc_io, exec))                            \
			rec_exec(path, argv);                                 \
		return real_##name args;                                      \
	}
EXEC_WRAPPER(execve, (const char *path, char *const argv[], char *const envp[]), (path, argv, envp))
EXEC_WRAPPER(execv, (const char *path, char *const argv[]), (path, argv))
EXEC_WRAPPER(execvp, (const char *path, char *const argv[]), (path, argv))
EXEC_WRAPPER(execvpe, (const char *path, char *const argv[], char *const envp[]), (path, argv, envp))

RM_EXPORT __attribute__((noreturn)) void exit(int status)
{
	if (remora_enabled(libc_io, exit))
		rec_exit(status, false);
	if (!real_exit)
		resolve();
	real_exit(status);
	__builtin_unreachable();
}

RM_EXPORT __attribute__((noreturn)) void _exit(int status)
{
	if (remora_enabled(libc_io, exit))
		rec_exit(status, true);
	if (!real__exit)
		resolve();
	real__exit(status);
	__builtin_unreachable();
}
