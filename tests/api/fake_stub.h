/* A stand-in for libremora.so, for the API tests only: records the
 * sections the constructors register and the records the macros write. */
#ifndef REMORA_TESTS_API_FAKE_STUB_H
#define REMORA_TESTS_API_FAKE_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <remora/remora.h>

#define FAKE_MAX_SECTIONS 8
#define FAKE_BUF 65536

struct fake_section {
	struct remora_event *const *begin, *const *end;
	unsigned registrations; /* constructor calls with this begin */
};

struct fake_stub {
	struct fake_section sections[FAKE_MAX_SECTIONS];
	unsigned nsections;
	unsigned unregistered;            /* sections whose last reference went */
	unsigned reserves;
	unsigned commits;                 /* folded in by fake_commits() */
	uint64_t open_word;               /* the word the open reservation commits */
	uint64_t committed_word;          /* where the macro's commit stores it */
	uint32_t depth;                   /* the "thread's" depth: 1 while reserved */
	bool drop;                        /* remora_reserve returns NULL */
	struct remora_event *last_event;  /* of the last reservation */
	size_t last_size;
	unsigned truncated;               /* remora_count_truncated() calls */
	unsigned filter_calls;            /* remora_filter_pass() calls (it keeps all) */
	unsigned char buf[FAKE_BUF];      /* the last record's payload */
};

extern struct fake_stub fake;

/* Records committed since fake_reset(): the macro commits inline
 * (REMORA__COMMIT), so a commit is the reservation's word found stored
 * and the depth found restored. */
unsigned fake_commits(void);
/* Points every registered event at `byte` (the test sets it to 0 or 1). */
void fake_attach_all(const volatile uint8_t *byte);
/* Back to &remora_off; forgets the last record and the counters. */
void fake_reset(void);
/* The registered event with this provider and name; `nth` counts
 * duplicates (one per translation unit). NULL when absent. */
struct remora_event *fake_find(const char *provider, const char *name, unsigned nth);

#endif
