/* Field types of <remora/remora.h> and their payload encoding, which is
 * defined in shm/layout.h (enum rm_type): fields packed in declaration
 * order, no padding, native byte order; integers and floats take their
 * size; bool one byte, 0 or 1; a string its bytes and a NUL (a NULL string
 * is recorded as ""); bytes a uint32_t length, then that many bytes. */
#ifndef REMORA_ENCODE_H
#define REMORA_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <remora/abi.h>

/* A byte-sequence field: declare it as (remora_bytes, name) and pass
 * remora_bytes_of(ptr, len). Lengths above UINT32_MAX are cut to it. */
typedef struct remora_bytes {
	const void *data;
	uint32_t len;
} remora_bytes;

static inline remora_bytes remora_bytes_of(const void *data, size_t len)
{
	remora_bytes b = { data, len > UINT32_MAX ? UINT32_MAX : (uint32_t)len };
	return b;
}

/* enum remora_type of an expression's type (not evaluated); REMORA_T_NONE
 * when remora cannot record it. Pointers other than strings (void *) are
 * recorded as unsigned integers of their size. */
#define REMORA__TYPE(x)                                                                     \
	_Generic((x), bool: REMORA_T_BOOL,                                                  \
		 char: ((char)-1 < 0 ? REMORA_T_S8 : REMORA_T_U8),                          \
		 signed char: REMORA_T_S8, unsigned char: REMORA_T_U8,                      \
		 short: REMORA_T_S16, unsigned short: REMORA_T_U16,                         \
		 int: REMORA__TS(int), unsigned int: REMORA__TU(int),                       \
		 long: REMORA__TS(long), unsigned long: REMORA__TU(long),                   \
		 long long: REMORA__TS(long long), unsigned long long: REMORA__TU(long long), \
		 float: REMORA_T_F32, double: REMORA_T_F64,                                 \
		 char *: REMORA_T_STRING, const char *: REMORA_T_STRING,                    \
		 void *: REMORA__TU(void *), const void *: REMORA__TU(void *),              \
		 remora_bytes: REMORA_T_BYTES, default: REMORA_T_NONE)
#define REMORA__TS(t) (sizeof(t) == 8 ? REMORA_T_S64 : sizeof(t) == 4 ? REMORA_T_S32 : REMORA_T_NONE)
#define REMORA__TU(t) (sizeof(t) == 8 ? REMORA_T_U64 : sizeof(t) == 4 ? REMORA_T_U32 : REMORA_T_NONE)

/* What a declared field accepts from remora_trace() (see remora.h). */
enum remora__kind { REMORA__K_INT, REMORA__K_REAL, REMORA__K_STRING, REMORA__K_BYTES, REMORA__K_PTR };
#define REMORA__KIND(x)                                                                     \
	_Generic((x), float: REMORA__K_REAL, double: REMORA__K_REAL,                        \
		 char *: REMORA__K_STRING, const char *: REMORA__K_STRING,                  \
		 void *: REMORA__K_PTR, const void *: REMORA__K_PTR,                        \
		 remora_bytes: REMORA__K_BYTES, default: REMORA__K_INT)

/* 1 when argument `x` (not evaluated) may be passed to a field of `kind`.
 * __builtin_classify_type: 1 integer (char, enum, and bool with gcc),
 * 4 bool (clang), 5 pointer, 8 floating. */
#define REMORA__IS_INTEGER(x) (__builtin_classify_type(x) == 1 || __builtin_classify_type(x) == 4)
#define REMORA__ACCEPTS(kind, x)                                                            \
	((int)(kind) == REMORA__K_INT      ? REMORA__IS_INTEGER(x)                               \
	 : (int)(kind) == REMORA__K_REAL   ? REMORA__IS_INTEGER(x) || __builtin_classify_type(x) == 8 \
	 : (int)(kind) == REMORA__K_STRING ? _Generic((x), char *: 1, const char *: 1, void *: 1, default: 0) \
	 : (int)(kind) == REMORA__K_BYTES  ? _Generic((x), remora_bytes: 1, default: 0)          \
				      : __builtin_classify_type(x) == 5)

/* Encoded size of value `x`, an lvalue of a field's type. Each call
 * site computes it once and writes exactly that many bytes, so a string
 * another thread changes meanwhile cannot overrun the reservation. */
#define REMORA__LEN(x)                                                                      \
	_Generic((x), char *: remora__len_str, const char *: remora__len_str,               \
		 remora_bytes: remora__len_bytes, default: remora__len_fixed)(&(x), sizeof(x))
/* Writes `len` bytes of `x` at `p`; returns p + len. `orig` is the length
 * REMORA__LEN gave: a string or byte sequence that REMORA__FIT cut shorter
 * ends with the marker "...[truncated from N bytes]". */
#define REMORA__PUT(p, x, len, orig)                                                        \
	_Generic((x), char *: remora__put_str, const char *: remora__put_str,               \
		 remora_bytes: remora__put_bytes, bool: remora__put_bool,                   \
		 default: remora__put_fixed)(p, &(x), len, orig)
/* The length of `x` once `*excess` bytes are cut from the record: a string
 * or byte sequence long enough to hold the marker gives up what it can
 * (and *excess goes down by as much); other fields keep their size. */
#define REMORA__FIT(x, len, excess)                                                         \
	_Generic((x), char *: remora__fit_str, const char *: remora__fit_str,               \
		 remora_bytes: remora__fit_bytes, default: remora__fit_fixed)(len, excess)

/* The largest record remora keeps (one large chunk of the arena, 64 KiB):
 * remora_trace() cuts the strings and byte sequences of a larger one, in
 * field order, so that it fits, and counts it as truncated. */
#define REMORA_RECORD_MAX 65536u
#define REMORA_PAYLOAD_MAX (REMORA_RECORD_MAX - 16u)

static inline size_t remora__len_fixed(const void *v, size_t size)
{
	(void)v;
	return size;
}

static inline size_t remora__len_str(const void *v, size_t size)
{
	const char *s = *(const char *const *)v;
	(void)size;
	return (s ? strlen(s) : 0) + 1;
}

static inline size_t remora__len_bytes(const void *v, size_t size)
{
	(void)size;
	return 4 + (size_t)((const remora_bytes *)v)->len;
}

/* ---- truncation: cold, only for a record over REMORA_RECORD_MAX ---- */

#define REMORA__MARK_HEAD "...[truncated from "
#define REMORA__MARK_TAIL " bytes]"

/* The marker for an original length of n bytes, written at m (NULL:
 * only measured); returns its length (at most 36). Depends on n alone,
 * so REMORA__FIT and REMORA__PUT agree on it without sharing state. */
static inline size_t remora__marker(char *m, size_t n)
{
	char d[20];
	size_t nd = 0, hl = sizeof(REMORA__MARK_HEAD) - 1, tl = sizeof(REMORA__MARK_TAIL) - 1;
	do
		d[nd++] = (char)('0' + n % 10);
	while ((n /= 10) && nd < sizeof(d));
	if (m) {
		memcpy(m, REMORA__MARK_HEAD, hl);
		for (size_t i = 0; i < nd; i++)
			m[hl + i] = d[nd - 1 - i];
		memcpy(m + hl + nd, REMORA__MARK_TAIL, tl);
	}
	return hl + nd + tl;
}

static inline size_t remora__fit_fixed(size_t len, size_t *excess)
{
	(void)excess;
	return len;
}

/* `n` bytes of content behind a `hdr`-byte frame (the NUL, the length):
 * cut enough content to save *excess bytes after the marker is added. */
static inline size_t remora__fit_var(size_t len, size_t hdr, size_t *excess)
{
	size_t n = len - hdr, m = remora__marker(NULL, n);
	if (!*excess || n <= m)
		return len;
	if (*excess <= n - m) {
		len -= *excess;
		*excess = 0;
		return len;
	}
	*excess -= n - m;
	return hdr + m;
}

static inline size_t remora__fit_str(size_t len, size_t *excess)
{
	return remora__fit_var(len, 1, excess);
}

static inline size_t remora__fit_bytes(size_t len, size_t *excess)
{
	return remora__fit_var(len, 4, excess);
}

/* Content of `len - hdr` bytes out of an original `orig - hdr`: the first
 * bytes of src, then the marker. */
__attribute__((noinline, cold, unused)) static void remora__put_cut(unsigned char *p, const void *src,
								  size_t len, size_t orig, size_t hdr)
{
	char m[40];
	size_t ml = remora__marker(m, orig - hdr), keep = len - hdr - ml;
	if (keep)
		memcpy(p, src, keep);
	memcpy(p + keep, m, ml);
}

static inline unsigned char *remora__put_fixed(unsigned char *p, const void *v, size_t len,
					       size_t orig)
{
	(void)orig;
	memcpy(p, v, len);
	return p + len;
}

static inline unsigned char *remora__put_bool(unsigned char *p, const void *v, size_t len,
					      size_t orig)
{
	(void)orig;
	*p = *(const bool *)v ? 1 : 0;
	return p + len;
}

static inline unsigned char *remora__put_str(unsigned char *p, const void *v, size_t len,
					     size_t orig)
{
	const char *s = *(const char *const *)v;
	if (__builtin_expect(len != orig, 0))
		remora__put_cut(p, s, len, orig, 1);
	else if (s && len > 1)
		memcpy(p, s, len - 1);
	p[len - 1] = 0;
	return p + len;
}

static inline unsigned char *remora__put_bytes(unsigned char *p, const void *v, size_t len,
					       size_t orig)
{
	const remora_bytes *b = (const remora_bytes *)v;
	uint32_t n = (uint32_t)(len - 4);
	memcpy(p, &n, 4);
	if (__builtin_expect(len != orig, 0))
		remora__put_cut(p + 4, b->data, len, orig, 4);
	else if (n)
		memcpy(p + 4, b->data, n);
	return p + len;
}

#endif
