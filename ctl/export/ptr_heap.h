/* A binary min-heap of pointers, ordered by a `before(a, b)` of the
 * caller's: the merge of `remora view`, `view --follow` and the export
 * cursor, which keep one entry per stream and always take the earliest.
 * PTR_HEAP_SIFT_DOWN(name, T, before) defines
 *   static void name(T **h, size_t n, size_t i),
 * which moves h[i] down to its place in h[0..n). */
#ifndef REMORA_CTL_EXPORT_PTR_HEAP_H
#define REMORA_CTL_EXPORT_PTR_HEAP_H

#include <stddef.h>

#define PTR_HEAP_SIFT_DOWN(name, T, before)                                                 \
	static void name(T **h, size_t n, size_t i)                                         \
	{                                                                                   \
		for (;;) {                                                                  \
			size_t l = 2 * i + 1, m = i;                                        \
			if (l < n && before(h[l], h[m]))                                    \
				m = l;                                                      \
			if (l + 1 < n && before(h[l + 1], h[m]))                            \
				m = l + 1;                                                  \
			if (m == i)                                                         \
				return;                                                     \
			T *t = h[i];                                                        \
			h[i] = h[m];                                                        \
			h[m] = t;                                                           \
			i = m;                                                              \
		}                                                                           \
	}

#endif
