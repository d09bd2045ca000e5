/* The event registry: each shared object hands over its `remora_events`
 * section from a constructor; the registry writes one catalog entry per
 * event into the arena and points the event's `enabled` at its byte in the
 * enable table. dlclose() retires a section: its events go back to the
 * static zero byte and the registry forgets every pointer into it.
 *
 * Constructors and destructors run under the dynamic loader's lock, so
 * registrations never race each other; the fast path of other threads
 * may run concurrently and only ever reads `id` then `enabled`. */
#include <string.h>

#include <remora/remora.h>

#include "shm/alloc.h"
#include "shm/catalog_write.h"
#include "shm/filter.h"
#include "inject/stub.h"

__attribute__((visibility("default"))) const volatile uint8_t remora_off = 0;
const volatile uint8_t rm_unregistered_on = 1;

/* The compiler writes enum remora_type (include/remora/abi.h) into each
 * field and attach_event() copies it as is into the catalog, which speaks
 * enum rm_type (shm/layout.h): the two enums are one list, and the name
 * limits one set of limits. */
#define RM_SAME_TYPE(t) _Static_assert((int)REMORA_T_##t == (int)RM_T_##t, "type " #t)
RM_SAME_TYPE(NONE);
RM_SAME_TYPE(U8);
RM_SAME_TYPE(U16);
RM_SAME_TYPE(U32);
RM_SAME_TYPE(U64);
RM_SAME_TYPE(S8);
RM_SAME_TYPE(S16);
RM_SAME_TYPE(S32);
RM_SAME_TYPE(S64);
RM_SAME_TYPE(BOOL);
RM_SAME_TYPE(F32);
RM_SAME_TYPE(F64);
RM_SAME_TYPE(STRING);
RM_SAME_TYPE(BYTES);
_Static_assert(RM_T_COUNT == RM_T_BYTES + 1, "a type added to rm_type needs its remora_type");
_Static_assert(REMORA_PROVIDER_NAME_MAX == RM_NAME_MAX, "provider name limit");
_Static_assert(REMORA_FIELD_NAME_MAX == RM_NAME_MAX, "field name limit");
_Static_assert(REMORA_EVENT_NAME_MAX == RM_EVENT_NAME_MAX, "event name limit");
_Static_assert(REMORA_FIELDS_MAX == RM_FIELDS_MAX, "fields per event");

struct section {
	struct remora_event *const *begin, *const *end;
	uint32_t refs;
	struct section *next;
};

static struct section *sections;

/* The first sections come from the library's own .bss: an rm_alloc region
 * is a mapping of its own, and every mapping of the app costs each fork()
 * (copied) and each forked child (torn down at exit). Registration and
 * retirement run under the loader's lock, so a plain flag is enough. */
#define STATIC_SECTIONS 16
static struct section static_sections[STATIC_SECTIONS];
static bool static_used[STATIC_SECTIONS];

static struct section *section_new(void)
{
	for (int i = 0; i < STATIC_SECTIONS; i++)
		if (!static_used[i]) {
			static_used[i] = true;
			return &static_sections[i];
		}
	return rm_alloc(sizeof(struct section));
}

static void section_free(struct section *s)
{
	if (s >= static_sections && s < static_sections + STATIC_SECTIONS)
		static_used[s - static_sections] = false;
	else
		rm_free(s, sizeof(*s));
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static void gen_name(char *dst, uint32_t i)
{
	memcpy(dst, "arg", 3);
	dst[3] = (char)('0' + i / 10);
	dst[4] = (char)('0' + i % 10);
	dst[5] = 0;
}

static bool name_taken(char names[][RM_NAME_MAX], uint32_t i)
{
	for (uint32_t j = 0; j < i; j++)
		if (!strcmp(names[j], names[i]))
			return true;
	return false;
}

/* Makes names[i] differ from names[0..i): the consumer refuses an event
 * whose field names repeat (TSDL cannot name two fields alike), and then
 * every record of it. A taken name gets `_NN`, NN counting up from i until
 * free (at most RM_FIELDS_MAX tries: there are fewer names than that), so
 * a suffix that collides too ("a=%d a_02=%d a=%d") moves on. */
static void make_unique(char names[][RM_NAME_MAX], uint32_t i)
{
	if (!name_taken(names, i))
		return;
	size_t n = strnlen(names[i], RM_NAME_MAX - 1);
	if (n > RM_NAME_MAX - 4)
		n = RM_NAME_MAX - 4; /* room for _NN and the NUL */
	for (uint32_t k = i; k < i + RM_FIELDS_MAX + 1 && k < 100; k++) {
		names[i][n] = '_';
		names[i][n + 1] = (char)('0' + k / 10);
		names[i][n + 2] = (char)('0' + k % 10);
		names[i][n + 3] = 0;
		if (!name_taken(names, i))
			return;
	}
}

/* remora_printf: field i is named by the word just before the i-th
 * conversion ("id=%lu path=%s" gives id and path); argNN when there is
 * none; names made unique (make_unique). */
static void printf_names(const char *fmt, uint32_t nfields, char names[][RM_NAME_MAX])
{
	uint32_t i = 0;
	for (const char *p = fmt; *p && i < nfields; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		const char *e = p;
		while (e > fmt && !word_char(e[-1]))
			e--;
		const char *b = e;
		while (b > fmt && word_char(b[-1]) && e - b < RM_NAME_MAX - 4)
			b--;
		while (b < e && b[0] >= '0' && b[0] <= '9')
			b++; /* a name cannot start with a digit */
		size_t n = (size_t)(e - b);
		if (n == 0) {
			gen_name(names[i], i);
		} else {
			memcpy(names[i], b, n);
			names[i][n] = 0;
		}
		make_unique(names, i++);
	}
	for (; i < nfields; i++) {
		gen_name(names[i], i);
		make_unique(names, i);
	}
}

static void attach_event(struct remora_event *ev)
{
	struct rm_arena *a = &rm_stub.arena;
	/* version 1 (before the inline prefilter) has the same layout */
	if (ev->struct_size < sizeof(struct remora_event) || ev->version < REMORA_ABI_VERSION_MIN ||
	    ev->version > REMORA_ABI_VERSION || ev->nfields > RM_FIELDS_MAX) {
		/* e.g. a program built against newer headers than this
		 * library: its macro may expect what this stub never gives */
		rm_debug("remora: an event descriptor this library cannot take stays off; its version",
			 (long)ev->version);
		return;
	}
	char names[RM_FIELDS_MAX][RM_NAME_MAX];
	const char *name_ptrs[RM_FIELDS_MAX];
	uint8_t types[RM_FIELDS_MAX];
	if (ev->format)
		printf_names(ev->format, ev->nfields, names);
	for (uint32_t i = 0; i < ev->nfields; i++) {
		name_ptrs[i] = ev->format ? names[i] : ev->fields[i].name;
		types[i] = ev->fields[i].type;
	}
	struct rm_event_decl d = { ev->provider, ev->name, ev->nfields, name_ptrs, types };
	int64_t id = rm_catalog_add(a, &d);
	if (id < 0) {
		rm_debug("remora: event catalog full, its records are counted lost; catalog size",
			 a->event_max);
		ev->id = RM_ID_UNREGISTERED;
		__atomic_store_n(&ev->enabled, &rm_unregistered_on, __ATOMIC_RELEASE);
		return;
	}
	if (rm_enabled_by_env(rm_stub.enable_patterns, ev->provider, ev->name)) {
		__atomic_store_n(&a->enable[id], RM_ENABLE_ON, __ATOMIC_RELAXED);
	} else if (!rm_stub.socket_seen &&
		   __atomic_load_n(&a->hdr->helper_state, __ATOMIC_ACQUIRE) != RM_HELPER_CONNECTED) {
		/* no consumer yet and no socket at start: off, as before any
		 * session existed; the bump still makes a consumer that attaches
		 * meanwhile look at the new id */
		__atomic_fetch_add(&a->hdr->catalog_gen, 1, __ATOMIC_RELEASE);
	} else {
		/* Until a consumer has decided this event, keep what it records
		 * (the consumer's sinks drop what no session selects): whether
		 * no consumer wrote the table yet, or one did before this
		 * registration and has not looked at the new id yet. Either way
		 * the program's first events are kept, not dropped uncounted
		 * (issue 19). A byte a consumer already set stays (the CAS);
		 * the bump makes the consumer look again, so an event it had
		 * decided "off" before this store is switched off again. */
		uint8_t off = 0;
		if (__atomic_compare_exchange_n(&a->enable[id], &off, RM_ENABLE_EARLY, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			__atomic_fetch_add(&a->hdr->catalog_gen, 1, __ATOMIC_RELEASE);
	}
	ev->id = (uint32_t)id;
	/* version 2's macro reads the prefilter of the program its enable
	 * byte names itself (remora.h, REMORA__PREFILTER): the table as if
	 * it began at slot 0, so that byte >> 2 (1..63) indexes it */
	if (ev->version >= 2 && a->filters)
		__atomic_store_n(&ev->stub_private,
				 (const void *)((uintptr_t)a->filters - sizeof(struct rm_filter_prog)),
				 __ATOMIC_RELAXED);
	__atomic_store_n(&ev->enabled, (const volatile uint8_t *)&a->enable[id], __ATOMIC_RELEASE);
}

static void attach_section(struct section *s)
{
	for (struct remora_event *const *e = s->begin; e < s->end; e++)
		if (*e)
			attach_event(*e);
}

void rm_registry_attach_all(void)
{
	for (struct section *s = sections; s; s = s->next)
		attach_section(s);
}

__attribute__((visibility("default"))) void remora_register_events(struct remora_event *const *begin, struct remora_event *const *end)
{
	if (!begin || begin >= end)
		return;
	for (struct section *s = sections; s; s = s->next)
		if (s->begin == begin) {
			s->refs++;
			return;
		}
	struct section *s = section_new();
	if (!s)
		return;
	s->begin = begin;
	s->end = end;
	s->refs = 1;
	s->next = sections;
	sections = s;
	rm_stub_init();
	if (rm_stub.state == RM_STUB_ACTIVE)
		attach_section(s);
}

__attribute__((visibility("default"))) void remora_unregister_events(struct remora_event *const *begin, struct remora_event *const *end)
{
	(void)end;
	for (struct section **pp = &sections; *pp; pp = &(*pp)->next) {
		struct section *s = *pp;
		if (s->begin != begin)
			continue;
		if (--s->refs)
			return;
		for (struct remora_event *const *e = s->begin; e < s->end; e++)
			if (*e)
				__atomic_store_n(&(*e)->enabled, &remora_off, __ATOMIC_RELEASE);
		*pp = s->next;
		section_free(s);
		return;
	}
}
