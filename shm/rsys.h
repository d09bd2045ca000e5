/* The one raw-syscall wrapper. Returns the kernel's value: >= 0 on success,
 * -errno on failure. It never touches errno or any other TLS, so the stub
 * and the clone()d helper can use it where glibc's syscall() could not. */
#ifndef REMORA_SHM_RSYS_H
#define REMORA_SHM_RSYS_H

#include <sys/syscall.h>

#if !defined(__x86_64__)
#error "rsys.h: only x86_64 is implemented"
#endif

static inline long rsys6(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define RSYS_N(_0, _1, _2, _3, _4, _5, _6, N, ...) N
#define RSYS_L(x) ((long)(x))
#define rsys(...) RSYS_N(__VA_ARGS__, rsys_6, rsys_5, rsys_4, rsys_3, rsys_2, rsys_1, rsys_0)(__VA_ARGS__)
#define rsys_0(nr) rsys6(nr, 0, 0, 0, 0, 0, 0)
#define rsys_1(nr, a) rsys6(nr, RSYS_L(a), 0, 0, 0, 0, 0)
#define rsys_2(nr, a, b) rsys6(nr, RSYS_L(a), RSYS_L(b), 0, 0, 0, 0)
#define rsys_3(nr, a, b, c) rsys6(nr, RSYS_L(a), RSYS_L(b), RSYS_L(c), 0, 0, 0)
#define rsys_4(nr, a, b, c, d) rsys6(nr, RSYS_L(a), RSYS_L(b), RSYS_L(c), RSYS_L(d), 0, 0)
#define rsys_5(nr, a, b, c, d, e) rsys6(nr, RSYS_L(a), RSYS_L(b), RSYS_L(c), RSYS_L(d), RSYS_L(e), 0)
#define rsys_6(nr, a, b, c, d, e, f)                                                         \
	rsys6(nr, RSYS_L(a), RSYS_L(b), RSYS_L(c), RSYS_L(d), RSYS_L(e), RSYS_L(f))

#endif
