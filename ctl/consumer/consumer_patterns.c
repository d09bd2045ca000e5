/* A sink's event patterns (`-e`, enable-event, disable-event) and their
 * --filter expressions, parsed here and compiled per event by
 * consumer_filter.c. Every change bumps the sink's and the consumer's
 * generation, so the next sync decides the events again. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/consumer/consumer_int.h"
#include "ctl/filter/filter.h"

int rm_sink_enable(struct rm_sink *s, const char *pattern)
{
	for (int i = 0; i < s->npatterns; i++)
		if (!strcmp(s->patterns[i], pattern))
			return -1;
	if (s->npatterns == SINK_PATTERNS_MAX || !(s->patterns[s->npatterns] = strdup(pattern)))
		return -1;
	s->filters[s->npatterns] = NULL;
	s->exprs[s->npatterns] = NULL;
	s->npatterns++;
	s->pgen++;
	s->c->gen++;
	return 0;
}

static void drop_filter(struct rm_sink *s, int i)
{
	free(s->filters[i]);
	rm_filter_expr_free(s->exprs[i]);
	s->filters[i] = NULL;
	s->exprs[i] = NULL;
}

int rm_sink_enable_filter(struct rm_sink *s, const char *pattern, const char *filter, char *err,
			  size_t errlen)
{
	struct rm_filter_expr *x = NULL;
	char *text = NULL;
	if (filter && *filter) {
		if (!(x = rm_filter_parse(filter, err, errlen)))
			return -1;
		if (!(text = strdup(filter))) {
			rm_filter_expr_free(x);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	int i = 0;
	while (i < s->npatterns && strcmp(s->patterns[i], pattern))
		i++;
	if (i == s->npatterns && rm_sink_enable(s, pattern) < 0) {
		rm_filter_expr_free(x);
		free(text);
		snprintf(err, errlen, "too many event patterns (%d at most)", SINK_PATTERNS_MAX);
		return -1;
	}
	/* enabling a pattern again replaces its filter (or removes it) */
	drop_filter(s, i);
	s->filters[i] = text;
	s->exprs[i] = x;
	s->pgen++;
	s->c->gen++;
	return 0;
}

const char *rm_sink_filter(const struct rm_sink *s, int i)
{
	return i >= 0 && i < s->npatterns ? s->filters[i] : NULL;
}

uint64_t rm_sink_filter_errors(const struct rm_sink *s, const char **first)
{
	if (first)
		*first = s->filter_err;
	return s->filter_errors;
}

int rm_sink_disable(struct rm_sink *s, const char *pattern)
{
	int removed = 0;
	for (int i = 0; i < s->npatterns;) {
		if (!pattern || !strcmp(s->patterns[i], pattern)) {
			free(s->patterns[i]);
			drop_filter(s, i);
			s->patterns[i] = s->patterns[--s->npatterns];
			s->filters[i] = s->filters[s->npatterns];
			s->exprs[i] = s->exprs[s->npatterns];
			s->filters[s->npatterns] = NULL;
			s->exprs[s->npatterns] = NULL;
			removed++;
		} else {
			i++;
		}
	}
	if (!removed)
		return -1;
	s->pgen++;
	s->c->gen++;
	return 0;
}

int rm_sink_npatterns(const struct rm_sink *s)
{
	return s->npatterns;
}

const char *rm_sink_pattern(const struct rm_sink *s, int i)
{
	return i >= 0 && i < s->npatterns ? s->patterns[i] : NULL;
}
