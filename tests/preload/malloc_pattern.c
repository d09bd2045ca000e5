/* An unmodified program (not built with remora) with a known allocation
 * pattern. It prints, in order, every call it makes to the malloc family
 * as "event field=value ..." lines, the same form preload_malloc.sh makes
 * of the trace, so the two can be compared line for line. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 1000

static unsigned long u(const void *p)
{
	return (unsigned long)(uintptr_t)p;
}

int main(void)
{
	static void *p[N];
	for (int i = 0; i < N; i++) {
		size_t size = 16 + (size_t)(i * 37) % 4000;
		p[i] = malloc(size);
		printf("malloc size=%zu ptr=%lu\n", size, u(p[i]));
	}
	for (int i = 0; i < N; i++) { /* a permutation: 7 is prime to N */
		int j = (i * 7) % N;
		printf("free ptr=%lu\n", u(p[j]));
		free(p[j]);
	}

	void *c = calloc(10, 24);
	printf("calloc nmemb=10 size=24 ptr=%lu\n", u(c));
	void *r1 = realloc(c, 1000);
	printf("realloc in_ptr=%lu size=1000 ptr=%lu\n", u(c), u(r1));
	void *r2 = realloc(r1, 200000);
	printf("realloc in_ptr=%lu size=200000 ptr=%lu\n", u(r1), u(r2));
	void *r3 = realloc(NULL, 50);
	printf("realloc in_ptr=0 size=50 ptr=%lu\n", u(r3));
	void *pm = NULL;
	int res = posix_memalign(&pm, 64, 300);
	printf("posix_memalign alignment=64 size=300 ptr=%lu result=%d\n", u(pm), res);
	void *aa = aligned_alloc(256, 512);
	printf("aligned_alloc alignment=256 size=512 ptr=%lu\n", u(aa));
	void *ma = memalign(128, 1000);
	printf("memalign alignment=128 size=1000 ptr=%lu\n", u(ma));
	void *const last[] = { r2, r3, pm, aa, ma, NULL };
	for (size_t i = 0; i < sizeof(last) / sizeof(last[0]); i++) {
		printf("free ptr=%lu\n", u(last[i]));
		free(last[i]);
	}
	return 0;
}
