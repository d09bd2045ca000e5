/* A pattern that matches no event type is almost always a typo ('myap:*'
 * for 'myapp:*') and records nothing, silently. `remora record` (at its
 * end) and `remora enable-event` collect the event types they saw and say
 * which pattern matched none of them, listing the types seen. */
#ifndef REMORA_CTL_CLI_PATTERN_HINT_H
#define REMORA_CTL_CLI_PATTERN_HINT_H

#include <stdbool.h>
#include <stddef.h>

/* The "provider:name" of every event type seen; sorted and without
 * duplicates after rm_seen_sort. */
struct rm_seen {
	char **names;
	size_t n, cap;
};

void rm_seen_add(struct rm_seen *s, const char *name);
void rm_seen_sort(struct rm_seen *s);
void rm_seen_free(struct rm_seen *s);

/* One warning line on stderr per pattern that matches no type in s,
 * prefixed "remora VERB: ", naming the types seen (or saying none was);
 * `later` adds that the pattern still applies to types registered later.
 * Returns how many patterns matched nothing. */
int rm_hint_unmatched(const char *verb, const char *const *patterns, int npatterns,
		      const struct rm_seen *s, bool later);

/* Fills s from the text of `remora list` (remorad's answer): the lines
 * "    provider:name [enabled]" or "[disabled]". */
void rm_seen_from_list(struct rm_seen *s, const char *text);

#endif
