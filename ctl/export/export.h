/* `remora export`'s two writers. Each reads the cursor once, in time
 * order, and writes as it goes: memory holds one packet per stream file
 * and tables the size of the trace's shape (threads, event classes, open
 * slices), never the events. */
#ifndef REMORA_CTL_EXPORT_EXPORT_H
#define REMORA_CTL_EXPORT_EXPORT_H

#include <stdint.h>

#include "ctl/export/out_buf.h"
#include "ctl/export/trace_cursor.h"

struct rmx_export_stats {
	uint64_t events;   /* trace events read (each is one exported entry) */
	uint64_t begins, ends, instants, counters;
	uint64_t lost;     /* events the trace says were discarded */
	uint64_t lost_markers; /* "events lost" instants written */
	uint64_t threads;
};

/* The name of the marker instant written where the trace says events were
 * lost (its argument `lost` holds how many), category "remora". */
#define RMX_LOST_NAME "events lost"
#define RMX_LOST_CAT "remora"

/* Chrome's Trace Event Format (JSON object form). Returns 0, or -1 after a
 * message on stderr (out of memory); write errors are o->err. */
int rmx_export_chrome(struct rmx_cursor *c, struct out_buf *o, struct rmx_export_stats *st);
/* Perfetto's protobuf trace (ctl/export/perfetto_trace_min.proto). */
int rmx_export_perfetto(struct rmx_cursor *c, struct out_buf *o, struct rmx_export_stats *st);

#endif
