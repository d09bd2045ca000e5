#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/export/event_class.h"
#include "ctl/export/out_buf.h"
#include "ctl/export/text_clean.h"
#include "ctl/export/trace_stats.h"

static uint64_t row_key(uint64_t name_hash, uint32_t pid, uint32_t tid)
{
	uint64_t k = u64_mix(name_hash ^ u64_mix((uint64_t)pid << 32 | tid));
	return k ? k : 1;
}

/* The row of (name, pid, tid): probing on from the hash until the row is
 * found or a free key is, so a hash collision costs a probe, not a wrong
 * count. */
static struct rmx_stat_row *row_get(struct rmx_stats *s, uint64_t name_hash, const char *name,
				    uint32_t pid, uint32_t tid)
{
	for (uint64_t key = row_key(name_hash, pid, tid);; key = key + 1 ? key + 1 : 1) {
		uint64_t at = u64_map_get(&s->index, key);
		if (at) {
			struct rmx_stat_row *r = &s->rows[at - 1];
			if (r->pid == pid && r->tid == tid && !strcmp(r->event, name))
				return r;
			continue;
		}
		if (s->nrows == s->rcap) {
			size_t cap = s->rcap ? s->rcap * 2 : 64;
			struct rmx_stat_row *v = realloc(s->rows, cap * sizeof(*v));
			if (!v)
				return NULL;
			s->rows = v;
			s->rcap = cap;
		}
		if (u64_map_put(&s->index, key, s->nrows + 1))
			return NULL;
		struct rmx_stat_row *r = &s->rows[s->nrows++];
		memset(r, 0, sizeof(*r));
		snprintf(r->event, sizeof(r->event), "%s", name);
		r->pid = pid;
		r->tid = tid;
		return r;
	}
}

static struct rmx_lost_row *lost_get(struct rmx_stats *s, uint32_t pid, uint32_t tid)
{
	uint64_t key = (uint64_t)pid << 32 | tid, at;
	key = key ? key : ~0ull; /* pid 0 and tid 0 cannot both be */
	if ((at = u64_map_get(&s->lost_index, key)))
		return &s->lost_rows[at - 1];
	if (s->nlost == s->lcap) {
		size_t cap = s->lcap ? s->lcap * 2 : 16;
		struct rmx_lost_row *v = realloc(s->lost_rows, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->lost_rows = v;
		s->lcap = cap;
	}
	if (u64_map_put(&s->lost_index, key, s->nlost + 1))
		return NULL;
	s->lost_rows[s->nlost] = (struct rmx_lost_row){ .pid = pid, .tid = tid };
	return &s->lost_rows[s->nlost++];
}

int rmx_stats_collect(struct rmx_cursor *c, struct rmx_stats *s)
{
	struct rmx_class **cls = calloc(c->ntraces, sizeof(*cls));
	int rc = -1;
	memset(s, 0, sizeof(*s));
	s->streams = c->nstreams;
	s->traces = c->ntraces;
	for (size_t i = 0; cls && i < c->ntraces; i++)
		if (!(cls[i] = rmx_classes(&c->traces[i].meta)))
			goto out;
	if (!cls)
		goto out;
	struct rmx_item x;
	while (rmx_cursor_next(c, &x)) {
		const struct ctfr_item *it = x.it;
		if (!s->any++)
			s->first = x.ns;
		s->last = x.ns;
		if (it->kind == CTFR_LOST) {
			struct rmx_lost_row *l = lost_get(s, it->pid, it->tid);
			if (!l)
				goto out;
			l->lost += it->lost;
			s->lost += it->lost;
			continue;
		}
		struct rmx_stat_row *r = row_get(s, cls[x.trace][x.ev_index].name_hash, it->ev->name,
						 it->pid, it->tid);
		if (!r)
			goto out;
		if (!r->count++)
			r->first = x.ns;
		r->last = x.ns;
		s->events++;
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "%s: out of memory\n", c->prog);
	for (size_t i = 0; cls && i < c->ntraces; i++)
		free(cls[i]);
	free(cls);
	return rc;
}

static int cmp_row(const void *pa, const void *pb)
{
	const struct rmx_stat_row *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	int c = strcmp(a->event, b->event);
	if (c)
		return c;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

static int cmp_lost(const void *pa, const void *pb)
{
	const struct rmx_lost_row *a = pa, *b = pb;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

void rmx_stats_sort(struct rmx_stats *s)
{
	if (s->nrows)
		qsort(s->rows, s->nrows, sizeof(*s->rows), cmp_row);
	if (s->nlost)
		qsort(s->lost_rows, s->nlost, sizeof(*s->lost_rows), cmp_lost);
	/* the indexes now point at the wrong rows: rebuild the lost one */
	u64_map_free(&s->index);
	u64_map_free(&s->lost_index);
	for (size_t i = 0; i < s->nlost; i++) {
		uint64_t key = (uint64_t)s->lost_rows[i].pid << 32 | s->lost_rows[i].tid;
		u64_map_put(&s->lost_index, key ? key : ~0ull, i + 1);
	}
}

uint64_t rmx_stats_lost_of(const struct rmx_stats *s, uint32_t pid, uint32_t tid)
{
	uint64_t key = (uint64_t)pid << 32 | tid;
	uint64_t at = u64_map_get(&s->lost_index, key ? key : ~0ull);
	return at ? s->lost_rows[at - 1].lost : 0;
}

static double span_s(const struct rmx_stats *s)
{
	return (double)(s->last - s->first) / 1e9;
}

static void put_time(FILE *f, __int128 ns)
{
	const __int128 g = 1000000000;
	__int128 sec = ns / g, r = ns % g;
	if (r < 0) {
		r += g;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	if ((__int128)t == sec && gmtime_r(&t, &tm))
		fprintf(f, "%02d:%02d:%02d.%09d", tm.tm_hour, tm.tm_min, tm.tm_sec, (int)r);
	else
		fprintf(f, "%lld.%09d", (long long)sec, (int)r);
}

/* Trace names are C identifiers (the reader checks); print them as they are. */
void rmx_stats_table(FILE *f, const struct rmx_stats *s, size_t top)
{
	double span = span_s(s);
	size_t n = top && top < s->nrows ? top : s->nrows;
	fprintf(f, "%" PRIu64 " events, %" PRIu64 " lost, %zu (event, pid, tid) rows, over %.9f s"
		   " (%" PRIu64 " stream file%s in %" PRIu64 " trace%s)\n",
		s->events, s->lost, s->nrows, span, s->streams, s->streams == 1 ? "" : "s",
		s->traces, s->traces == 1 ? "" : "s");
	if (n < s->nrows)
		fprintf(f, "top %zu rows by count:\n", n);
	fprintf(f, "%12s %14s %8s %8s %10s %-18s %-18s %s\n", "COUNT", "RATE/s", "PID", "TID",
		"LOST", "FIRST (UTC)", "LAST (UTC)", "EVENT");
	for (size_t i = 0; i < n; i++) {
		const struct rmx_stat_row *r = &s->rows[i];
		char rate[32] = "-";
		if (span > 0)
			snprintf(rate, sizeof(rate), "%.1f", (double)r->count / span);
		fprintf(f, "%12" PRIu64 " %14s %8u %8u %10" PRIu64 " ", r->count, rate, r->pid,
			r->tid, rmx_stats_lost_of(s, r->pid, r->tid));
		put_time(f, r->first);
		fputc(' ', f);
		put_time(f, r->last);
		fprintf(f, " %s\n", r->event);
	}
	for (size_t i = 0; i < s->nlost; i++)
		fprintf(f, "lost: %" PRIu64 " events on pid %u tid %u\n", s->lost_rows[i].lost,
			s->lost_rows[i].pid, s->lost_rows[i].tid);
}

static void put_i128(FILE *f, __int128 v)
{
	if (v < 0) {
		fputc('-', f);
		v = -v;
	}
	const unsigned long long e19 = 10000000000000000000ull;
	if (v >= (__int128)e19)
		fprintf(f, "%llu%019llu", (unsigned long long)(v / e19), (unsigned long long)(v % e19));
	else
		fprintf(f, "%llu", (unsigned long long)v);
}

void rmx_stats_json(FILE *f, const struct rmx_stats *s, size_t top)
{
	double span = span_s(s);
	size_t n = top && top < s->nrows ? top : s->nrows;
	fprintf(f, "{\"events\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"first_ns\":", s->events, s->lost);
	put_i128(f, s->first);
	fputs(",\"last_ns\":", f);
	put_i128(f, s->last);
	fprintf(f, ",\"duration_s\":%.9f,\"rows_total\":%zu,\"rows\":[", span, s->nrows);
	for (size_t i = 0; i < n; i++) {
		const struct rmx_stat_row *r = &s->rows[i];
		fprintf(f, "%s\n {\"event\":\"%s\",\"pid\":%u,\"tid\":%u,\"count\":%" PRIu64
			   ",\"rate\":",
			i ? "," : "", r->event, r->pid, r->tid, r->count);
		if (span > 0)
			fprintf(f, "%.3f", (double)r->count / span);
		else
			fputs("null", f);
		fprintf(f, ",\"lost\":%" PRIu64 ",\"first_ns\":", rmx_stats_lost_of(s, r->pid, r->tid));
		put_i128(f, r->first);
		fputs(",\"last_ns\":", f);
		put_i128(f, r->last);
		fputc('}', f);
	}
	fputs("],\"lost_by_thread\":[", f);
	for (size_t i = 0; i < s->nlost; i++)
		fprintf(f, "%s\n {\"pid\":%u,\"tid\":%u,\"lost\":%" PRIu64 "}", i ? "," : "",
			s->lost_rows[i].pid, s->lost_rows[i].tid, s->lost_rows[i].lost);
	fputs("]}\n", f);
}

void rmx_stats_free(struct rmx_stats *s)
{
	free(s->rows);
	free(s->lost_rows);
	u64_map_free(&s->index);
	u64_map_free(&s->lost_index);
	memset(s, 0, sizeof(*s));
}
