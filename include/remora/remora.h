/* remora's public API.
 *
 *   REMORA_EVENT(myapp, request, (uint64_t, id), (uint32_t, len), (const char *, path));
 *   remora_trace(myapp, request, id, len, path);
 *   remora_printf(myapp, note, "id=%lu path=%s", id, path);
 *   if (remora_enabled(myapp, request)) { ... }
 *
 * A disabled event costs one load of a byte and a branch predicted not
 * taken; no argument is evaluated. Arguments of remora_trace() pass through
 * a typed inline function, and a mismatched pointer/integer is an error
 * whatever the user's warning flags: integer fields take any integer type,
 * float and double fields any arithmetic type, string fields only char
 * pointers, byte fields only remora_bytes. remora_printf() arguments are
 * checked against the format; each conversion becomes a field named by the
 * word before it ("id=%lu path=%s" gives id and path), typed from the
 * argument. A NULL string is recorded as "".
 *
 * Payload encoding (what the consumer decodes): fields packed in order, no
 * padding, native little-endian; bool one byte 0/1; strings with their NUL;
 * remora_bytes a uint32_t length then the bytes. */
#ifndef REMORA_REMORA_H
#define REMORA_REMORA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define REMORA_ABI_VERSION 1

enum remora_type {
	REMORA_T_U8 = 1, REMORA_T_U16, REMORA_T_U32, REMORA_T_U64,
	REMORA_T_S8, REMORA_T_S16, REMORA_T_S32, REMORA_T_S64,
	REMORA_T_BOOL, REMORA_T_F32, REMORA_T_F64, REMORA_T_STRING, REMORA_T_BYTES,
};

struct remora_field {
	const char *name; /* NULL for remora_printf: the stub reads names from the format */
	uint8_t type;     /* enum remora_type */
};

/* One per declared event (per translation unit). The stub writes `id` and
 * then `enabled`; everything else is constant. */
struct remora_event {
	uint32_t struct_size;
	uint32_t version;
	const volatile uint8_t *enabled;
	uint32_t id;
	uint32_t nfields;
	const char *provider;
	const char *name;
	const struct remora_field *fields;
	const char *format;
	void *stub_private;
};

typedef struct {
	const void *data;
	uint32_t len;
} remora_bytes;

static inline remora_bytes remora_bytes_of(const void *data, size_t len)
{
	remora_bytes b = { data, (uint32_t)len };
	return b;
}

struct remora_wr {
	void *opaque[4];
};

/* The stub's entry points (libremora.so). */
extern const volatile uint8_t remora_off;
unsigned char *remora_reserve(struct remora_event *ev, size_t payload, struct remora_wr *wr);
void remora_commit(struct remora_wr *wr);
void remora_register_events(struct remora_event *const *begin, struct remora_event *const *end);
void remora_unregister_events(struct remora_event *const *begin, struct remora_event *const *end);

/* Each shared object's events sit in its own `remora_events` section; every
 * translation unit registers it (the stub counts references by `begin`). */
extern struct remora_event *const __start_remora_events[] __attribute__((weak, visibility("hidden")));
extern struct remora_event *const __stop_remora_events[] __attribute__((weak, visibility("hidden")));

__attribute__((constructor, unused)) static void remora__register_here(void)
{
	if (__start_remora_events)
		remora_register_events(__start_remora_events, __stop_remora_events);
}

__attribute__((destructor, unused)) static void remora__unregister_here(void)
{
	if (__start_remora_events)
		remora_unregister_events(__start_remora_events, __stop_remora_events);
}

/* ---- field encoding: each helper takes the value's address and size ---- */

static inline size_t remora__sz_fixed(const void *v, size_t n) { (void)v; return n; }
static inline size_t remora__sz_str(const void *v, size_t n)
{
	const char *s = *(const char *const *)v;
	(void)n;
	return (s ? strlen(s) : 0) + 1;
}
static inline size_t remora__sz_bytes(const void *v, size_t n)
{
	(void)n;
	return 4 + (size_t)((const remora_bytes *)v)->len;
}
static inline unsigned char *remora__put_fixed(unsigned char *p, const void *v, size_t n)
{
	memcpy(p, v, n);
	return p + n;
}
static inline unsigned char *remora__put_bool(unsigned char *p, const void *v, size_t n)
{
	(void)n;
	*p = *(const bool *)v ? 1 : 0;
	return p + 1;
}
static inline unsigned char *remora__put_str(unsigned char *p, const void *v, size_t n)
{
	const char *s = *(const char *const *)v;
	(void)n;
	size_t len = (s ? strlen(s) : 0);
	if (len)
		memcpy(p, s, len);
	p[len] = 0;
	return p + len + 1;
}
static inline unsigned char *remora__put_bytes(unsigned char *p, const void *v, size_t n)
{
	const remora_bytes *b = (const remora_bytes *)v;
	(void)n;
	memcpy(p, &b->len, 4);
	if (b->len)
		memcpy(p + 4, b->data, b->len);
	return p + 4 + b->len;
}

#define REMORA__SIZE(x)                                                                     \
	_Generic((x), char *: remora__sz_str, const char *: remora__sz_str,                 \
		 remora_bytes: remora__sz_bytes, default: remora__sz_fixed)(&(x), sizeof(x))
#define REMORA__PUT(p, x)                                                                   \
	(p = _Generic((x), char *: remora__put_str, const char *: remora__put_str,          \
		      remora_bytes: remora__put_bytes, bool: remora__put_bool,              \
		      default: remora__put_fixed)(p, &(x), sizeof(x)))

#define REMORA__TYPE(x)                                                                     \
	_Generic((x), bool: REMORA_T_BOOL,                                                  \
		 char: ((char)-1 < 0 ? REMORA_T_S8 : REMORA_T_U8),                          \
		 signed char: REMORA_T_S8, unsigned char: REMORA_T_U8,                      \
		 short: REMORA_T_S16, unsigned short: REMORA_T_U16,                         \
		 int: REMORA_T_S32, unsigned int: REMORA_T_U32,                             \
		 long: (sizeof(long) == 8 ? REMORA_T_S64 : REMORA_T_S32),                   \
		 unsigned long: (sizeof(long) == 8 ? REMORA_T_U64 : REMORA_T_U32),          \
		 long long: REMORA_T_S64, unsigned long long: REMORA_T_U64,                 \
		 float: REMORA_T_F32, double: REMORA_T_F64,                                 \
		 char *: REMORA_T_STRING, const char *: REMORA_T_STRING,                    \
		 remora_bytes: REMORA_T_BYTES, default: 0)

/* ---- a FOR_EACH over up to 16 arguments, in order ---- */

#define REMORA__CAT(a, b) REMORA__CAT_(a, b)
#define REMORA__CAT_(a, b) a##b
#define REMORA__NARG(...)                                                                   \
	REMORA__NARG_(_, ##__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define REMORA__NARG_(_, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15,  \
		      a16, n, ...) n
#define REMORA__EACH(M, ...) REMORA__CAT(REMORA__E, REMORA__NARG(__VA_ARGS__))(M, ##__VA_ARGS__)
#define REMORA__E0(M, ...)
#define REMORA__E1(M, a) M(1, a)
#define REMORA__E2(M, a, ...) M(2, a) REMORA__E1(M, __VA_ARGS__)
#define REMORA__E3(M, a, ...) M(3, a) REMORA__E2(M, __VA_ARGS__)
#define REMORA__E4(M, a, ...) M(4, a) REMORA__E3(M, __VA_ARGS__)
#define REMORA__E5(M, a, ...) M(5, a) REMORA__E4(M, __VA_ARGS__)
#define REMORA__E6(M, a, ...) M(6, a) REMORA__E5(M, __VA_ARGS__)
#define REMORA__E7(M, a, ...) M(7, a) REMORA__E6(M, __VA_ARGS__)
#define REMORA__E8(M, a, ...) M(8, a) REMORA__E7(M, __VA_ARGS__)
#define REMORA__E9(M, a, ...) M(9, a) REMORA__E8(M, __VA_ARGS__)
#define REMORA__E10(M, a, ...) M(10, a) REMORA__E9(M, __VA_ARGS__)
#define REMORA__E11(M, a, ...) M(11, a) REMORA__E10(M, __VA_ARGS__)
#define REMORA__E12(M, a, ...) M(12, a) REMORA__E11(M, __VA_ARGS__)
#define REMORA__E13(M, a, ...) M(13, a) REMORA__E12(M, __VA_ARGS__)
#define REMORA__E14(M, a, ...) M(14, a) REMORA__E13(M, __VA_ARGS__)
#define REMORA__E15(M, a, ...) M(15, a) REMORA__E14(M, __VA_ARGS__)
#define REMORA__E16(M, a, ...) M(16, a) REMORA__E15(M, __VA_ARGS__)

/* (type, name) pairs of REMORA_EVENT */
#define REMORA__PT(t, n) t
#define REMORA__PN(t, n) n
#define REMORA__FIELD_DESC(i, f) { REMORA__FIELD_NAME f, REMORA__TYPE(*(REMORA__PT f *)0) },
#define REMORA__FIELD_NAME(t, n) #n
#define REMORA__PARAM(i, f) , REMORA__PT f REMORA__PN f
#define REMORA__PSIZE(i, f) +REMORA__SIZE(REMORA__PN f)
#define REMORA__PPUT(i, f) REMORA__PUT(remora__p, REMORA__PN f);

#define REMORA__EV(prov, name) remora__ev_##prov##__##name

/* Errors, not warnings, for a pointer where a number goes and back. */
#define REMORA__STRICT_BEGIN                                                                \
	_Pragma("GCC diagnostic push")                                                      \
	_Pragma("GCC diagnostic error \"-Wint-conversion\"")                                \
	_Pragma("GCC diagnostic error \"-Wincompatible-pointer-types\"")                    \
	_Pragma("GCC diagnostic error \"-Wformat\"")
#define REMORA__STRICT_END _Pragma("GCC diagnostic pop")

#define REMORA_EVENT(prov, name, ...)                                                       \
	static const struct remora_field remora__fields_##prov##__##name[] = {              \
		REMORA__EACH(REMORA__FIELD_DESC, ##__VA_ARGS__){ 0, 0 }                     \
	};                                                                                  \
	__attribute__((unused)) static struct remora_event REMORA__EV(prov, name) = {       \
		sizeof(struct remora_event), REMORA_ABI_VERSION, &remora_off, 0,            \
		REMORA__NARG(__VA_ARGS__), #prov, #name, remora__fields_##prov##__##name, 0, 0 \
	};                                                                                  \
	__attribute__((section("remora_events"), used)) static struct remora_event          \
		*const remora__ptr_##prov##__##name = &REMORA__EV(prov, name);              \
	__attribute__((unused, always_inline)) static inline void                           \
	remora__emit_##prov##__##name(struct remora_event *remora__ev                       \
				      REMORA__EACH(REMORA__PARAM, ##__VA_ARGS__))           \
	{                                                                                   \
		struct remora_wr remora__w;                                                 \
		size_t remora__n = 0 REMORA__EACH(REMORA__PSIZE, ##__VA_ARGS__);            \
		unsigned char *remora__p = remora_reserve(remora__ev, remora__n, &remora__w); \
		if (!remora__p)                                                             \
			return;                                                             \
		REMORA__EACH(REMORA__PPUT, ##__VA_ARGS__)                                   \
		remora_commit(&remora__w);                                                  \
	}                                                                                   \
	struct remora__semicolon_##prov##__##name

#define remora_enabled(prov, name) __builtin_expect(*REMORA__EV(prov, name).enabled != 0, 0)

#define remora_trace(prov, name, ...)                                                       \
	do {                                                                                \
		if (remora_enabled(prov, name)) {                                           \
			REMORA__STRICT_BEGIN                                                \
			remora__emit_##prov##__##name(&REMORA__EV(prov, name), ##__VA_ARGS__); \
			REMORA__STRICT_END                                                  \
		}                                                                           \
	} while (0)

/* remora_printf: the call site owns its descriptor; arguments are copied
 * into typed temporaries once, after the enabled test. */
__attribute__((format(printf, 1, 2), unused)) static inline void remora__fmt_check(const char *f, ...)
{
	(void)f;
}
#define REMORA__PF_FIELD(i, a) { 0, REMORA__TYPE(a) },
#define REMORA__PF_TMP(i, a) __auto_type remora__a##i = (a);
#define REMORA__PF_SIZE(i, a) +REMORA__SIZE(remora__a##i)
#define REMORA__PF_PUT(i, a) REMORA__PUT(remora__p, remora__a##i);

#define remora_printf(prov, name, fmt, ...)                                                 \
	do {                                                                                \
		static const struct remora_field remora__pf_fields[] = {                    \
			REMORA__EACH(REMORA__PF_FIELD, ##__VA_ARGS__){ 0, 0 }               \
		};                                                                          \
		static struct remora_event remora__pf_ev = {                                \
			sizeof(struct remora_event), REMORA_ABI_VERSION, &remora_off, 0,    \
			REMORA__NARG(__VA_ARGS__), #prov, #name, remora__pf_fields, fmt, 0  \
		};                                                                          \
		__attribute__((section("remora_events"), used)) static struct remora_event  \
			*const remora__pf_ptr = &remora__pf_ev;                             \
		REMORA__STRICT_BEGIN                                                        \
		if (0)                                                                      \
			remora__fmt_check(fmt, ##__VA_ARGS__);                              \
		REMORA__STRICT_END                                                          \
		if (__builtin_expect(*remora__pf_ev.enabled != 0, 0)) {                     \
			REMORA__EACH(REMORA__PF_TMP, ##__VA_ARGS__)                         \
			struct remora_wr remora__w;                                         \
			size_t remora__n = 0 REMORA__EACH(REMORA__PF_SIZE, ##__VA_ARGS__);  \
			unsigned char *remora__p =                                          \
				remora_reserve(&remora__pf_ev, remora__n, &remora__w);      \
			if (remora__p) {                                                    \
				REMORA__EACH(REMORA__PF_PUT, ##__VA_ARGS__)                 \
				remora_commit(&remora__w);                                  \
			}                                                                   \
		}                                                                           \
	} while (0)

#ifdef __cplusplus
}
#endif

#endif
