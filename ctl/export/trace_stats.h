/* `remora stats`: per (event, pid, tid): how many, how often, when first
 * and last; events lost per thread. One pass over the cursor; memory is
 * one row per distinct (event, pid, tid). */
#ifndef REMORA_CTL_EXPORT_TRACE_STATS_H
#define REMORA_CTL_EXPORT_TRACE_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "ctl/export/trace_cursor.h"
#include "ctl/export/u64_map.h"

struct rmx_stat_row {
	char event[RM_NAME_MAX + RM_EVENT_NAME_MAX]; /* provider:name */
	uint32_t pid, tid;
	uint64_t count;
	__int128 first, last; /* ns since the epoch */
};

struct rmx_lost_row {
	uint32_t pid, tid;
	uint64_t lost;
};

struct rmx_stats {
	struct rmx_stat_row *rows;
	size_t nrows, rcap;
	struct rmx_lost_row *lost_rows;
	size_t nlost, lcap;
	struct u64_map index, lost_index;
	uint64_t events, lost, streams, traces;
	__int128 first, last; /* of all events and losses */
	int any;
};

/* Reads every item of c. Returns 0, or -1 after a message (out of memory). */
int rmx_stats_collect(struct rmx_cursor *c, struct rmx_stats *s);
/* Rows by count, largest first (then event, pid, tid); lost rows by pid, tid. */
void rmx_stats_sort(struct rmx_stats *s);
/* Events lost on thread pid/tid. */
uint64_t rmx_stats_lost_of(const struct rmx_stats *s, uint32_t pid, uint32_t tid);
/* top == 0: every row. */
void rmx_stats_table(FILE *f, const struct rmx_stats *s, size_t top);
void rmx_stats_json(FILE *f, const struct rmx_stats *s, size_t top);
void rmx_stats_free(struct rmx_stats *s);

#endif
