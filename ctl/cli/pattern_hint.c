/* Warnings for event patterns that matched nothing (pattern_hint.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/cli/pattern_hint.h"
#include "shm/glob.h"

/* How many seen types a warning names before "and N more". */
#define HINT_SHOWN 8

void rm_seen_add(struct rm_seen *s, const char *name)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **p = realloc(s->names, cap * sizeof(*p));
		if (!p)
			return; /* a hint only: fewer names is fine */
		s->names = p;
		s->cap = cap;
	}
	char *copy = strdup(name);
	if (copy)
		s->names[s->n++] = copy;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void rm_seen_sort(struct rm_seen *s)
{
	if (!s->n)
		return;
	qsort(s->names, s->n, sizeof(*s->names), by_name);
	size_t kept = 1;
	for (size_t i = 1; i < s->n; i++) {
		if (strcmp(s->names[i], s->names[kept - 1]))
			s->names[kept++] = s->names[i];
		else
			free(s->names[i]);
	}
	s->n = kept;
}

void rm_seen_free(struct rm_seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
	*s = (struct rm_seen){ 0 };
}

static bool matches_any(const char *pat, const struct rm_seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (rm_glob_match(pat, strlen(pat), s->names[i]))
			return true;
	return false;
}

int rm_hint_unmatched(const char *verb, const char *const *patterns, int npatterns,
		      const struct rm_seen *s, bool later)
{
	int unmatched = 0;
	for (int i = 0; i < npatterns; i++) {
		if (matches_any(patterns[i], s))
			continue;
		unmatched++;
		fprintf(stderr, "remora %s: warning: pattern '%s' matched no event type", verb,
			patterns[i]);
		if (s->n == 0)
			fputs(later ? " (no traced process has registered one yet)"
				    : " (the program registered none: is it built with "
				      "<remora/remora.h>?)", stderr);
		else
			fprintf(stderr, "; types seen: ");
		for (size_t j = 0; j < s->n && j < HINT_SHOWN; j++)
			fprintf(stderr, "%s%s", j ? ", " : "", s->names[j]);
		if (s->n > HINT_SHOWN)
			fprintf(stderr, " and %zu more", s->n - HINT_SHOWN);
		fprintf(stderr, "%s\n", later ? "; it applies to event types registered later" : "");
	}
	return unmatched;
}

void rm_seen_from_list(struct rm_seen *s, const char *text)
{
	for (const char *line = text; line && *line;) {
		const char *end = strchrnul(line, '\n');
		size_t len = (size_t)(end - line);
		static const char *const tails[] = { " [enabled]", " [disabled]" };
		for (size_t t = 0; t < 2; t++) {
			size_t tl = strlen(tails[t]);
			if (len > 4 + tl && !strncmp(line, "    ", 4) && line[4] != ' ' &&
			    !strncmp(end - tl, tails[t], tl)) {
				char name[256];
				snprintf(name, sizeof(name), "%.*s", (int)(len - 4 - tl), line + 4);
				rm_seen_add(s, name);
			}
		}
		line = *end ? end + 1 : end;
	}
	rm_seen_sort(s);
}
