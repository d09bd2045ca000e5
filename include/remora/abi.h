/* The ABI between the macros of <remora/remora.h> (compiled into the
 * application) and the in-app stub, libremora.so. Everything here is read
 * by code built at another time than the application: change a struct
 * only by appending, and bump REMORA_ABI_VERSION for anything else. */
#ifndef REMORA_ABI_H
#define REMORA_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 2: the macro reads the arena's filter programs itself (stub_private,
 * REMORA__PROG_*), to drop a record its prefilter rules out inline. The
 * stub takes descriptors of version 1 too (the same layout; their macro
 * only calls remora_filter_pass) and gives stub_private only to 2. */
/* 3: the macro commits the record itself (REMORA__COMMIT): the stub's
 * remora_reserve() fills every field of struct remora_wr, and a stub
 * that knows only version 2 never enables the event (the registry
 * refuses a newer version), so it never sees this macro. */
#define REMORA_ABI_VERSION 3
#define REMORA_ABI_VERSION_MIN 1

/* Field types: the same numbers as enum rm_type in shm/layout.h, which
 * defines the payload encoding (this header must not include it);
 * inject/registry.c asserts that they agree. */
enum remora_type {
	REMORA_T_NONE = 0,
	REMORA_T_U8 = 1, REMORA_T_U16 = 2, REMORA_T_U32 = 3, REMORA_T_U64 = 4,
	REMORA_T_S8 = 5, REMORA_T_S16 = 6, REMORA_T_S32 = 7, REMORA_T_S64 = 8,
	REMORA_T_BOOL = 9, REMORA_T_F32 = 10, REMORA_T_F64 = 11,
	REMORA_T_STRING = 12, REMORA_T_BYTES = 13,
};

/* Name limits of the arena's catalog, NUL included (RM_NAME_MAX,
 * RM_EVENT_NAME_MAX, RM_FIELDS_MAX); REMORA_EVENT checks them at compile
 * time. */
#define REMORA_PROVIDER_NAME_MAX 32
#define REMORA_FIELD_NAME_MAX 32
#define REMORA_EVENT_NAME_MAX 64
#define REMORA_FIELDS_MAX 16

/* One field of an event. Written by the compiler, read by the stub. */
struct remora_field {
	const char *name; /* NULL in remora_printf events: the stub reads names from `format` */
	uint8_t type;     /* enum remora_type */
	uint8_t reserved[sizeof(void *) - 1]; /* zero */
};

/* One per REMORA_EVENT per translation unit, and one per remora_printf call
 * site. The compiler writes every field statically; the stub writes `id`,
 * then release-stores `enabled` (and stores &remora_off back when the
 * object that holds the event is unloaded). The fast path loads `enabled`
 * (relaxed) and the byte it points to; remora_reserve() reads `id`. */
struct remora_event {
	uint32_t struct_size;            /* sizeof(struct remora_event) */
	uint32_t version;                /* REMORA_ABI_VERSION */
	const volatile uint8_t *enabled; /* the arena's enable byte; statically &remora_off */
	uint32_t id;                     /* assigned by the stub */
	uint32_t nfields;                /* 0 .. REMORA_FIELDS_MAX */
	const char *provider;
	const char *name;
	const struct remora_field *fields; /* nfields entries */
	const char *format;              /* remora_printf only, else NULL */
	/* Version 2: NULL, or written once by the stub (before `enabled`)
	 * with the address its filter table would have if it began at slot
	 * 0: the program named by an enable byte `on` >= REMORA_ENABLE_FILTERED
	 * is REMORA__PROG_SIZE bytes at stub_private + (on >> 2) *
	 * REMORA__PROG_SIZE (remora.h, REMORA__PREFILTER). */
	const void *stub_private;
};

_Static_assert(sizeof(struct remora_field) == 2 * sizeof(void *), "remora_field ABI");
_Static_assert(sizeof(struct remora_event) == 16 + 6 * sizeof(void *), "remora_event ABI");
_Static_assert(offsetof(struct remora_event, id) == 8 + sizeof(void *), "remora_event ABI");

/* A reservation in progress: remora_reserve() fills it, the macro's
 * REMORA__COMMIT (remora.h) commits it. Layout of version 3; a macro of
 * version 1 or 2 only passes its address to remora_commit(). */
struct remora_wr {
	uint64_t *word_at;  /* the record's first word */
	uint64_t word;      /* what commits the record there (release) */
	uint32_t *depth_at; /* the calling thread's nesting depth in the stub */
	uint32_t depth;     /* restored there after the commit */
	uint32_t reserved;
};
_Static_assert(sizeof(struct remora_wr) == 32, "remora_wr ABI");

/* Calls through the GOT, bound when the program is loaded, not through a
 * lazily bound PLT slot: a lazy slot is resolved on the first call in each
 * process, so a child forked before its parent recorded ran the dynamic
 * linker's lookup on its first event, on pages fork did not copy (issue
 * 18); and a PLT call is one jump more per event. GCC only; elsewhere the
 * ordinary PLT call. The attribute sticks to the plain declarations
 * further down. */
#if defined(__has_attribute)
#if __has_attribute(noplt)
#define REMORA__NOPLT __attribute__((noplt))
#endif
#endif
#ifndef REMORA__NOPLT
#define REMORA__NOPLT
#endif

REMORA__NOPLT unsigned char *remora_reserve(struct remora_event *ev, size_t payload, struct remora_wr *wr);
REMORA__NOPLT void remora_commit(struct remora_wr *wr);

/* Always 0; the enable byte of every event the stub has not attached. */
extern const volatile uint8_t remora_off;

/* Reserve `payload` bytes for one record of `ev`; NULL means the record is
 * dropped (and counted by the stub). Every non-NULL reservation is followed
 * by exactly one commit, in the same context: REMORA__COMMIT (remora.h),
 * or remora_commit(), which does the same out of line. Async-signal-safe,
 * reentrant. */
unsigned char *remora_reserve(struct remora_event *ev, size_t payload, struct remora_wr *wr);
void remora_commit(struct remora_wr *wr);
/* Enable bytes of REMORA_ENABLE_FILTERED and above name a filter program
 * (`remora enable-event --filter`): the record is made only when
 * remora_filter_pass() says so. vals[i] points to the value of field i,
 * as the caller's variable of the field's type. Async-signal-safe, no
 * syscall, no allocation; 1 keep, 0 drop. */
#define REMORA_ENABLE_FILTERED 4
int remora_filter_pass(struct remora_event *ev, const void *const *vals);

/* What the macro reads of a filter program in the arena (shm/filter.h,
 * struct rm_filter_prog; inject/filter_pass.c asserts that they agree):
 * its size, the offset of its prefilter word and of its pool, the pool's
 * size, the word's "on" byte and the bias of a signed value. The word:
 * bits 0-7 REMORA__PRE_ON, 8-15 field number, 16-23 the field's type,
 * 32-63 the pool offset of two 8-byte words lo, span; a record whose
 * mapped value v has v - lo > span (uint64_t) is dropped. */
#define REMORA__PROG_SIZE 2048u
#define REMORA__PROG_PRE 8u
#define REMORA__PROG_POOL 1040u
#define REMORA__POOL_MAX 1008u
#define REMORA__PRE_ON 0xa5u
#define REMORA__PRE_BIAS 0x8000000000000000ull

/* Counts a record remora_trace() cut to fit REMORA_RECORD_MAX (a counter
 * in the arena, reported in `remora record`'s summary). Async-signal-safe. */
void remora_count_truncated(void);

/* [begin, end) is one shared object's `remora_events` section: an array of
 * pointers to its events (NULL entries are skipped). Every translation unit
 * calls these from a constructor and a destructor; the stub counts
 * references by `begin`, so the section is registered once per object. */
void remora_register_events(struct remora_event *const *begin, struct remora_event *const *end);
void remora_unregister_events(struct remora_event *const *begin, struct remora_event *const *end);

#ifdef __cplusplus
}
#endif

#endif
