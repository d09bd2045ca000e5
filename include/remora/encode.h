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
/* Writes `len` bytes of `x` at `p`; returns p + len. */
#define REMORA__PUT(p, x, len)                                                              \
	_Generic((x), char *: remora__put_str, const char *: remora__put_str,               \
		 remora_bytes: remora__put_bytes, bool: remora__put_bool,                   \
		 default: remora__put_fixed)(p, &(x), len)

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

static inline unsigned char *remora__put_fixed(unsigned char *p, const void *v, size_t len)
{
	memcpy(p, v, len);
	return p + len;
}

static inline unsigned char *remora__put_bool(unsigned char *p, const void *v, size_t len)
{
	*p = *(const bool *)v ? 1 : 0;
	return p + len;
}

static inline unsigned char *remora__put_str(unsigned char *p, const void *v, size_t len)
{
	const char *s = *(const char *const *)v;
	if (s && len > 1)
		memcpy(p, s, len - 1);
	p[len - 1] = 0;
	return p + len;
}

static inline unsigned char *remora__put_bytes(unsigned char *p, const void *v, size_t len)
{
	const remora_bytes *b = (const remora_bytes *)v;
	uint32_t n = (uint32_t)(len - 4);
	memcpy(p, &n, 4);
	if (n)
		memcpy(p + 4, b->data, n);
	return p + len;
}

#endif
