/* remora's public API (C; GNU C11 with gcc or clang).
 *
 *   REMORA_EVENT(myapp, request, (uint64_t, id), (uint32_t, len), (const char *, path));
 *   remora_trace(myapp, request, id, len, path);
 *   remora_printf(myapp, note, "id=%lu path=%s", id, path);
 *   if (remora_enabled(myapp, request)) { ... }
 *
 * REMORA_EVENT(provider, name, (type, field)...) declares an event with 0 to
 * 16 fields, at file scope, in a header or a .c file; any number of
 * translation units and shared objects may include it (put it under the
 * header's include guard). Provider and field names are at most 31
 * characters, event names 63.
 *
 * Field types: bool; char, signed/unsigned char, short, int, long, long
 * long and their unsigned variants, so every intN_t/uintN_t, size_t,
 * ssize_t, ptrdiff_t, pid_t and enums; float and double; strings (char *,
 * const char *); byte sequences (remora_bytes, passed as
 * remora_bytes_of(ptr, len)); addresses (void *, const void *, recorded as
 * an unsigned integer of pointer size). Anything else is a compile error.
 *
 * remora_trace(provider, name, args...) takes one argument per field, and
 * these are compile errors whatever the warning flags (even -w):
 *   - a wrong number of arguments;
 *   - an integer or bool field given anything but an integer (a float, a
 *     pointer: write `p != NULL` for a bool);
 *   - a float or double field given anything but an integer or floating
 *     value;
 *   - a string field given anything but char *, const char * or a void
 *     pointer (NULL; a NULL string is recorded as "");
 *   - a byte-sequence field given anything but a remora_bytes;
 *   - an address field given anything but a pointer.
 * Integers convert to the field's type as in an assignment (a uint64_t
 * value in a uint32_t field keeps its low 32 bits; -Wconversion says so).
 *
 * remora_printf(provider, name, "literal format", args...) records one
 * field per argument, named by the word just before its conversion
 * ("id=%lu path=%s" gives id and path) and typed by the argument's own
 * type (any type above; %s records a string). The compiler checks the
 * arguments against the format, as errors (unless -w). Avoid `*` widths:
 * they are arguments too, and become fields. A conversion with no word
 * before it gives argNN (NN its position); a name already taken by an
 * earlier field gets _NN, counting up from the field's position until
 * free ("a=%d a=%d" gives a and a_01), so every field keeps its value.
 *
 * Colliding names are made unique when the event registers, not refused
 * at compile time. A check in the header would have to scan the literal
 * format, and no compiler does that reliably: gcc 12 folds no loop over a
 * string literal, not even a count of its '%' (at -O1 to -O3), and folds
 * __builtin_constant_p of one load from it to false; clang 14 folds that
 * count up to about 100 bytes but not a pairwise comparison of the names
 * of "id=%lu path=%s", and nothing under __builtin_constant_p. So a call
 * to an error-attributed function left for the optimizer to remove would
 * either fail valid formats (unguarded) or never fire (guarded by
 * __builtin_constant_p). A checker has to run outside the compiler.
 *
 * Limits: 16 fields per event; 65,536 event types per process tree (the
 * arena's catalog: the records of a type registered past it are dropped
 * and counted lost, cause "catalog full"); a record of at most
 * REMORA_RECORD_MAX (64 KiB, one large chunk; 16 bytes of it the
 * header): the strings and byte sequences of a larger one are cut, in
 * field order, so that it fits, each cut one ending with
 * "...[truncated from N bytes]" (N its original length), and the record
 * is counted as truncated (`remora record`'s summary); one
 * still too large (no variable field long enough to cut) is dropped and
 * counted lost (the summary, CTF events_discarded and discarded_too_large,
 * `remora view`'s "record too large").
 *
 * A disabled event costs one load of the `enabled` pointer, one load of
 * the byte it points to and a branch predicted not taken; no argument is
 * evaluated. An enabled event evaluates each argument once, in order. The
 * payload encoding is in <remora/encode.h>. */
#ifndef REMORA_REMORA_H
#define REMORA_REMORA_H

#include <remora/abi.h>
#include <remora/encode.h>
#include <remora/pp.h>

/* ---- registration: each shared object's `remora_events` section ---- */

extern struct remora_event *const __start_remora_events[] __attribute__((weak, visibility("hidden")));
extern struct remora_event *const __stop_remora_events[] __attribute__((weak, visibility("hidden")));

__attribute__((constructor, unused)) static void remora__register_section(void)
{
	if (__start_remora_events)
		remora_register_events(__start_remora_events, __stop_remora_events);
}

__attribute__((destructor, unused)) static void remora__unregister_section(void)
{
	if (__start_remora_events)
		remora_unregister_events(__start_remora_events, __stop_remora_events);
}

#if defined(__has_attribute)
#if __has_attribute(retain)
#define REMORA__RETAIN retain,
#endif
#endif
#ifndef REMORA__RETAIN
#define REMORA__RETAIN
#endif
#define REMORA__IN_SECTION                                                                  \
	__attribute__((section("remora_events"), used, REMORA__RETAIN aligned(sizeof(void *))))

#define REMORA__DESCRIPTOR(prov, name, fields, format)                                      \
	{ sizeof(struct remora_event), REMORA_ABI_VERSION, &remora_off, 0,                  \
	  (uint32_t)(sizeof(fields) / sizeof(fields[0]) - 1), #prov, #name, fields, format, 0 }

#define REMORA__CHECK_NAMES(prov, name)                                                     \
	_Static_assert(sizeof(#prov) <= REMORA_PROVIDER_NAME_MAX, "remora: provider name " #prov " is too long"); \
	_Static_assert(sizeof(#name) <= REMORA_EVENT_NAME_MAX, "remora: event name " #name " is too long")

/* The enable test. The relaxed load pairs with the stub's release store of
 * `enabled`; remora_reserve() orders the `id` it reads after it. */
#define REMORA__BYTE(ev) (*__atomic_load_n(&(ev).enabled, __ATOMIC_RELAXED))
#define REMORA__ON(ev) __builtin_expect(REMORA__BYTE(ev) != 0, 0)

/* The record: remora__a1..aN hold the field values, each of its field's
 * type; one length each, one reservation, the values in order, commit. */
#define REMORA__LEN_I(c, i, _)                                                              \
	size_t remora__o##i = REMORA__LEN(remora__a##i), remora__l##i = remora__o##i;
#define REMORA__ADD_I(c, i, _) +remora__l##i
/* The filter takes the addresses of copies made in its own (cold) branch:
 * the address of a value itself would keep it out of registers on the
 * unfiltered path too (+50 instructions per event, measured). */
#define REMORA__COPY_I(c, i, _) __typeof__(remora__a##i) remora__c##i = remora__a##i;
#define REMORA__ADDR_I(c, i, _) (const void *)&remora__c##i,
#define REMORA__FIT_I(c, i, _) remora__l##i = REMORA__FIT(remora__a##i, remora__l##i, &remora__x);
#define REMORA__PUT_I(c, i, _)                                                              \
	remora__p = REMORA__PUT(remora__p, remora__a##i, remora__l##i, remora__o##i);
/* The prefilter, inline (abi.h, REMORA__PROG_*): when the program that
 * the enable byte names has one, on an integer field whose type in the
 * arena's word is this field's own type, a value outside its range is
 * dropped here, from the register it is in: no copy, no call, no array.
 * Each integer field is one compare of the word's low 24 bits (on byte,
 * field number, type) against a constant; the pool offset is checked;
 * the byte can only name one of the 63 programs. So whatever the arena
 * holds, nothing is read outside that program and the call's own
 * values, and nothing loops. */
/* A field's value as the prefilter maps it (the sign bit of a signed one
 * flipped: the map keeps the order), one function per type so that no
 * conversion is implicit; non-integers are never used (0). */
static inline uint64_t remora__pre_u(uint64_t v) { return v; }
static inline uint64_t remora__pre_s(int64_t v) { return (uint64_t)v ^ (uint64_t)REMORA__PRE_BIAS; }
static inline uint64_t remora__pre_c(char v)
{
	return (char)-1 < 0 ? (uint64_t)(int64_t)v ^ (uint64_t)REMORA__PRE_BIAS : (uint64_t)(unsigned char)v;
}
static inline uint64_t remora__pre_ptr(const void *v) { return (uint64_t)(uintptr_t)v; }
static inline uint64_t remora__pre_f(float v) { (void)v; return 0; }
static inline uint64_t remora__pre_d(double v) { (void)v; return 0; }
static inline uint64_t remora__pre_str(const char *v) { (void)v; return 0; }
static inline uint64_t remora__pre_bytes(remora_bytes v) { (void)v; return 0; }
#define REMORA__PRE_INT_T(t) ((t) >= REMORA_T_U8 && (t) <= REMORA_T_S64)
#define REMORA__PRE_MAP(x)                                                                  \
	_Generic((x), char: remora__pre_c, signed char: remora__pre_s, short: remora__pre_s,  \
		 int: remora__pre_s, long: remora__pre_s, long long: remora__pre_s,          \
		 float: remora__pre_f, double: remora__pre_d,                                \
		 char *: remora__pre_str, const char *: remora__pre_str,                     \
		 void *: remora__pre_ptr, const void *: remora__pre_ptr,                     \
		 remora_bytes: remora__pre_bytes, default: remora__pre_u)(x)
/* field i (1-based here, i - 1 in the word) when the word names it */
#define REMORA__PRE_TRY(c, i, _)                                                            \
	if (REMORA__PRE_INT_T(REMORA__TYPE(remora__a##i)) &&                                \
	    remora__pk == (REMORA__PRE_ON | (i - 1u) << 8 |                                 \
			   (uint32_t)REMORA__TYPE(remora__a##i) << 16)) {                   \
		remora__px = REMORA__PRE_MAP(remora__a##i);                                 \
		remora__ph = 1;                                                             \
	} else
/* 0: dropped by the prefilter; 1: the stub decides (remora_filter_pass). */
#define REMORA__PREFILTER(ev, on, ...)                                                      \
	__extension__({                                                                     \
		int remora__pr = 1;                                                         \
		const unsigned char *remora__pb = (const unsigned char *)__atomic_load_n(   \
			&(ev)->stub_private, __ATOMIC_RELAXED);                             \
		if (remora__pb) {                                                           \
			/* (on >> 2) programs in: & 0xfc, then a quarter of the size */     \
			const unsigned char *remora__pg =                                   \
				remora__pb + (size_t)((on) & 0xfc) * (REMORA__PROG_SIZE / 4); \
			uint64_t remora__pw = __atomic_load_n(                              \
				(const uint64_t *)(const void *)(remora__pg + REMORA__PROG_PRE), \
				__ATOMIC_RELAXED);                                          \
			uint32_t remora__po = (uint32_t)(remora__pw >> 32);                 \
			uint32_t remora__pk = (uint32_t)remora__pw & 0xffffff;              \
			uint64_t remora__px = 0, remora__lo, remora__span;                  \
			int remora__ph = 0;                                                 \
			(void)remora__pk;                                                   \
			if ((remora__pw & 0xff) == REMORA__PRE_ON) { /* else none: ask */   \
				REMORA__EACH(REMORA__PRE_TRY, _, ##__VA_ARGS__) {}          \
			}                                                                   \
			if (remora__ph && remora__po <= REMORA__POOL_MAX - 16) {            \
				remora__pg += REMORA__PROG_POOL + remora__po;               \
				memcpy(&remora__lo, remora__pg, 8);                         \
				memcpy(&remora__span, remora__pg + 8, 8);                   \
				remora__pr = remora__px - remora__lo <= remora__span;       \
			}                                                                   \
		}                                                                           \
		remora__pr;                                                                 \
	})
/* A record over REMORA_PAYLOAD_MAX has its strings and byte sequences cut
 * (REMORA__FIT), counted, rather than being dropped. `on` is the enable
 * byte the caller loaded (nonzero). An event with a filter (byte >=
 * REMORA_ENABLE_FILTERED) checks the prefilter inline, then asks the
 * stub, out of line, with the addresses of its values: a record filtered
 * out is never reserved. Unfiltered events pay one predicted branch. */
#define REMORA__FILTER_OK(ev, on, ...)                                                      \
	(__builtin_expect((on) < REMORA_ENABLE_FILTERED, 1) ||                              \
	 (REMORA__PREFILTER(ev, on, ##__VA_ARGS__) &&                                       \
	  __extension__({                                                                   \
		  REMORA__EACH(REMORA__COPY_I, _, ##__VA_ARGS__)                            \
		  remora_filter_pass((ev), (const void *const[]){                           \
			  REMORA__EACH(REMORA__ADDR_I, _, ##__VA_ARGS__) 0 });              \
	  })))
/* The commit, inline: what the stub's remora_commit() does, without a
 * call. The release store publishes the payload written before it to the
 * consumer (x86: a plain store); the depth, restored after it, is what
 * lets a signal handler that traces in between nest rather than
 * overwrite. */
#define REMORA__COMMIT(w)                                                                   \
	do {                                                                                \
		__atomic_store_n((w).word_at, (w).word, __ATOMIC_RELEASE);                  \
		__atomic_signal_fence(__ATOMIC_SEQ_CST);                                    \
		*(w).depth_at = (w).depth;                                                  \
	} while (0)
#define REMORA__RECORD(ev, on, ...)                                                         \
	{ if (REMORA__FILTER_OK(ev, on, ##__VA_ARGS__)) {                                   \
		REMORA__EACH(REMORA__LEN_I, _, ##__VA_ARGS__)                               \
		size_t remora__n = 0 REMORA__EACH(REMORA__ADD_I, _, ##__VA_ARGS__);         \
		if (__builtin_expect(remora__n > REMORA_PAYLOAD_MAX, 0)) {                  \
			size_t remora__x = remora__n - REMORA_PAYLOAD_MAX;                  \
			REMORA__EACH(REMORA__FIT_I, _, ##__VA_ARGS__)                       \
			remora__n = REMORA_PAYLOAD_MAX + remora__x;                         \
			if (!remora__x) /* else dropped as too large, counted */            \
				remora_count_truncated();                                   \
		}                                                                           \
		struct remora_wr remora__w;                                                 \
		unsigned char *remora__p = remora_reserve((ev), remora__n, &remora__w);     \
		if (remora__p) {                                                            \
			REMORA__EACH(REMORA__PUT_I, _, ##__VA_ARGS__)                       \
			REMORA__COMMIT(remora__w);                                          \
		}                                                                           \
	} }

/* Errors, whatever the flags, for a pointer where a number goes and back
 * (remora_trace) and for arguments that do not match the format
 * (remora_printf); the static assertions below also hold under -w. */
#define REMORA__STRICT_BEGIN                                                                \
	_Pragma("GCC diagnostic push")                                                      \
	_Pragma("GCC diagnostic error \"-Wint-conversion\"")                                \
	_Pragma("GCC diagnostic error \"-Wincompatible-pointer-types\"")                    \
	_Pragma("GCC diagnostic error \"-Wformat\"")
#define REMORA__STRICT_END _Pragma("GCC diagnostic pop")

/* ---- REMORA_EVENT and remora_trace ---- */

#define REMORA__EV(prov, name) remora__ev_##prov##__##name
#define REMORA__FN(prov, name) remora_trace__##prov##__##name
#define REMORA__KINDS(prov, name) remora__kind_##prov##__##name
/* (type, name) pairs */
#define REMORA__T(t, n) t
#define REMORA__N(t, n) #n
/* the field's parameter type; strings are taken as const char * */
#define REMORA__PARAM_TYPE(t) __typeof__(_Generic(*(t *)0, char *: (const char *)0, default: *(t *)0))

#define REMORA__FIELD_CHECK(c, i, f)                                                        \
	_Static_assert(REMORA__TYPE(*(REMORA__T f *)0) != REMORA_T_NONE,                     \
		       "remora: field " REMORA__N f " has a type remora cannot record");    \
	_Static_assert(sizeof(REMORA__N f) <= REMORA_FIELD_NAME_MAX,                        \
		       "remora: field name " REMORA__N f " is too long");
#define REMORA__FIELD_DESC(c, i, f) { REMORA__N f, REMORA__TYPE(*(REMORA__T f *)0), { 0 } },
#define REMORA__FIELD_KIND(c, i, f) c##_##i = REMORA__KIND(*(REMORA__T f *)0),
#define REMORA__PARAM(c, i, f) REMORA__PARAM_TYPE(REMORA__T f) remora__a##i,
#define REMORA__ARG(c, i, a) a,

#define REMORA_EVENT(prov, name, ...)                                                       \
	REMORA__CHECK_NAMES(prov, name);                                                    \
	REMORA__EACH(REMORA__FIELD_CHECK, _, ##__VA_ARGS__)                                 \
	static const struct remora_field remora__fields_##prov##__##name[] = {              \
		REMORA__EACH(REMORA__FIELD_DESC, _, ##__VA_ARGS__){ 0, 0, { 0 } }           \
	};                                                                                  \
	static struct remora_event REMORA__EV(prov, name) =                                 \
		REMORA__DESCRIPTOR(prov, name, remora__fields_##prov##__##name, 0);         \
	REMORA__IN_SECTION static struct remora_event *const remora__ptr_##prov##__##name = \
		&REMORA__EV(prov, name);                                                    \
	enum {                                                                              \
		REMORA__KINDS(prov, name) = 0,                                              \
		REMORA__EACH(REMORA__FIELD_KIND, REMORA__KINDS(prov, name), ##__VA_ARGS__)  \
	};                                                                                  \
	__attribute__((unused)) static inline void REMORA__FN(prov, name)(                  \
		REMORA__EACH(REMORA__PARAM, _, ##__VA_ARGS__) struct remora_event *remora__ev, \
		uint8_t remora__on)                                                         \
		REMORA__RECORD(remora__ev, remora__on, ##__VA_ARGS__)                       \
	_Static_assert(1, "")

#define remora_enabled(prov, name) REMORA__ON(REMORA__EV(prov, name))

#define REMORA__ARG_CHECK(c, i, a)                                                          \
	_Static_assert(REMORA__ACCEPTS(c##_##i, a),                                         \
		       "remora_trace: argument " #i " (" #a ") does not fit its field: "   \
		       "see the type rules in remora/remora.h");

#define remora_trace(prov, name, ...)                                                       \
	do {                                                                                \
		REMORA__EACH(REMORA__ARG_CHECK, REMORA__KINDS(prov, name), ##__VA_ARGS__)   \
		/* one load of the byte: the filter test below reuses it */         \
		uint8_t remora__on = REMORA__BYTE(REMORA__EV(prov, name));                  \
		if (__builtin_expect(remora__on != 0, 0)) {                                 \
			REMORA__STRICT_BEGIN                                                \
			REMORA__FN(prov, name)(REMORA__EACH(REMORA__ARG, _, ##__VA_ARGS__)  \
					       &REMORA__EV(prov, name), remora__on);        \
			REMORA__STRICT_END                                                  \
		}                                                                           \
	} while (0)

/* ---- remora_printf: the call site owns its descriptor ---- */

__attribute__((format(printf, 1, 2), unused)) static inline void remora__printf_check(const char *fmt, ...)
{
	(void)fmt;
}

#define REMORA__PF_FIELD(c, i, a) { 0, REMORA__TYPE(a), { 0 } },
#define REMORA__PF_CHECK(c, i, a)                                                           \
	_Static_assert(REMORA__TYPE(a) != REMORA_T_NONE,                                    \
		       "remora_printf: argument " #i " (" #a ") has a type remora cannot record");
#define REMORA__PF_VALUE(c, i, a) __auto_type remora__a##i = (a);

#define remora_printf(prov, name, fmt, ...)                                                 \
	do {                                                                                \
		REMORA__CHECK_NAMES(prov, name);                                            \
		REMORA__EACH(REMORA__PF_CHECK, _, ##__VA_ARGS__)                            \
		static const struct remora_field remora__pf_fields[] = {                    \
			REMORA__EACH(REMORA__PF_FIELD, _, ##__VA_ARGS__){ 0, 0, { 0 } }     \
		};                                                                          \
		static struct remora_event remora__pf_ev =                                  \
			REMORA__DESCRIPTOR(prov, name, remora__pf_fields, fmt);             \
		REMORA__IN_SECTION static struct remora_event *const remora__pf_ptr =       \
			&remora__pf_ev;                                                     \
		REMORA__STRICT_BEGIN                                                        \
		if (0)                                                                      \
			remora__printf_check(fmt, ##__VA_ARGS__);                           \
		REMORA__STRICT_END                                                          \
		uint8_t remora__on = REMORA__BYTE(remora__pf_ev);                           \
		if (__builtin_expect(remora__on != 0, 0)) {                                 \
			REMORA__EACH(REMORA__PF_VALUE, _, ##__VA_ARGS__)                    \
			REMORA__RECORD(&remora__pf_ev, remora__on, ##__VA_ARGS__)           \
		}                                                                           \
	} while (0)

#endif
