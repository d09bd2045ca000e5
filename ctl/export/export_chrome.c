/* `remora export --format chrome`: Chrome's Trace Event Format, the JSON
 * object form that chrome://tracing, Perfetto's UI and speedscope open:
 *
 *   {"traceEvents":[
 *   {"name":"request","cat":"hello","ph":"i","s":"t","ts":12.345,"pid":1,"tid":1,"args":{...}},
 *   ...
 *   ],
 *   "displayTimeUnit":"ns",
 *   "otherData":{"remora_clock_origin_ns":..., "remora_events":N, "remora_lost_events":N}}
 *
 * One entry per trace event (ph B, E, i or C: see event_class.h), plus one
 * "events lost" instant (cat "remora", args.lost) wherever the trace says
 * events were discarded. ts is in microseconds with three decimals (ns
 * exact), counted from remora_clock_origin_ns: the Unix time of the whole
 * second at or before the first event (epoch microseconds would not fit a
 * double to the nanosecond). Written as it is read: never in memory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl/export/event_class.h"
#include "ctl/export/export.h"
#include "ctl/export/slice_stack.h"
#include "ctl/export/text_clean.h"

struct chrome {
	struct out_buf *o;
	struct rmx_class **cls; /* per trace */
	struct rmx_threads threads;
	__int128 origin;
	int first;
};

static void put_jstr(struct out_buf *o, const char *s)
{
	out_putc(o, '"');
	json_escaped(o, (const unsigned char *)s, strlen(s));
	out_putc(o, '"');
}

static void put_ts(struct out_buf *o, __int128 ns, __int128 origin)
{
	__int128 rel = ns - origin;
	if (rel < 0) {
		out_putc(o, '-');
		rel = -rel;
	}
	uint64_t us = (uint64_t)(rel / 1000), frac = (uint64_t)(rel % 1000);
	char f[4] = { '.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
		      (char)('0' + frac % 10) };
	out_u64(o, us);
	out_write(o, f, 4);
}

static void put_value(struct out_buf *o, const struct ctfr_value *v)
{
	switch (v->type) {
	case RM_T_S8: case RM_T_S16: case RM_T_S32: case RM_T_S64:
		out_i64(o, v->s);
		break;
	case RM_T_BOOL:
		if (v->u <= 1)
			out_puts(o, v->u ? "true" : "false");
		else
			out_u64(o, v->u);
		break;
	case RM_T_F32: case RM_T_F64:
		if (isfinite(v->d))
			out_double(o, v->d, v->type == RM_T_F32);
		else /* JSON has no NaN or Infinity */
			out_puts(o, isnan(v->d) ? "\"nan\"" : v->d > 0 ? "\"inf\"" : "\"-inf\"");
		break;
	case RM_T_STRING:
		out_putc(o, '"');
		json_escaped(o, v->b.p, v->b.n);
		out_putc(o, '"');
		break;
	case RM_T_BYTES: {
		static const char hex[] = "0123456789abcdef";
		out_puts(o, "\"hex:");
		for (size_t i = 0; i < v->b.n; i++) {
			out_putc(o, hex[v->b.p[i] >> 4]);
			out_putc(o, hex[v->b.p[i] & 15]);
		}
		out_putc(o, '"');
		break;
	}
	default:
		out_u64(o, v->u);
		break;
	}
}

/* The common head of an entry, up to and including "tid":N. */
static void put_head(struct chrome *ch, const char *name, const char *cat, const char *ph,
		     const struct rmx_item *x)
{
	struct out_buf *o = ch->o;
	out_puts(o, ch->first ? "{\"name\":" : ",\n{\"name\":");
	ch->first = 0;
	put_jstr(o, name);
	out_puts(o, ",\"cat\":");
	put_jstr(o, cat);
	out_puts(o, ph);
	put_ts(o, x->ns, ch->origin);
	out_puts(o, ",\"pid\":");
	out_u64(o, x->it->pid);
	out_puts(o, ",\"tid\":");
	out_u64(o, x->it->tid);
}

static void put_args(struct out_buf *o, const struct ctfr_item *it, int numeric_only)
{
	const struct ctfr_event *ev = it->ev;
	int any = 0;
	out_puts(o, ",\"args\":{");
	for (uint32_t i = 0; i < ev->nfields; i++) {
		const struct ctfr_value *v = &it->v[i];
		if (numeric_only && (!rmx_numeric(v->type) ||
				     ((v->type == RM_T_F32 || v->type == RM_T_F64) && !isfinite(v->d))))
			continue;
		if (any++)
			out_putc(o, ',');
		put_jstr(o, ev->fields[i].name);
		out_putc(o, ':');
		if (numeric_only && v->type == RM_T_BOOL)
			out_u64(o, v->u != 0);
		else
			put_value(o, v);
	}
	out_puts(o, "}}");
}

static int put_event(struct chrome *ch, const struct rmx_item *x, struct rmx_export_stats *st)
{
	const struct ctfr_item *it = x->it;
	struct rmx_thread *th = rmx_thread_get(&ch->threads, it->pid, it->tid);
	if (!th)
		return -1;
	if (it->kind == CTFR_LOST) {
		put_head(ch, RMX_LOST_NAME, RMX_LOST_CAT, ",\"ph\":\"i\",\"s\":\"t\",\"ts\":", x);
		out_puts(ch->o, ",\"args\":{\"lost\":");
		out_u64(ch->o, it->lost);
		out_puts(ch->o, "}}");
		st->lost += it->lost;
		st->lost_markers++;
		return 0;
	}
	const struct rmx_class *k = &ch->cls[x->trace][x->ev_index];
	st->events++;
	switch (rmx_slice_step(th, k)) {
	case RMX_BEGIN:
		put_head(ch, k->base, k->provider, ",\"ph\":\"B\",\"ts\":", x);
		st->begins++;
		break;
	case RMX_END:
		put_head(ch, k->base, k->provider, ",\"ph\":\"E\",\"ts\":", x);
		st->ends++;
		break;
	case RMX_COUNTER:
		put_head(ch, k->base, k->provider, ",\"ph\":\"C\",\"ts\":", x);
		put_args(ch->o, it, 1);
		st->counters++;
		return 0;
	default:
		put_head(ch, k->name, k->provider, ",\"ph\":\"i\",\"s\":\"t\",\"ts\":", x);
		st->instants++;
		break;
	}
	put_args(ch->o, it, 0);
	return 0;
}

static void put_i128(struct out_buf *o, __int128 v)
{
	if (v < 0) {
		out_putc(o, '-');
		v = -v;
	}
	if (v >= (__int128)10000000000000000000ull) { /* > 2^64: split the digits */
		put_i128(o, v / 10000000000000000000ull);
		char b[20];
		uint64_t r = (uint64_t)(v % 10000000000000000000ull);
		snprintf(b, sizeof(b), "%019llu", (unsigned long long)r);
		out_write(o, b, 19);
		return;
	}
	out_u64(o, (uint64_t)v);
}

int rmx_export_chrome(struct rmx_cursor *c, struct out_buf *o, struct rmx_export_stats *st)
{
	struct chrome ch = { .o = o, .first = 1 };
	int rc = -1;
	*st = (struct rmx_export_stats){ 0 };
	ch.cls = calloc(c->ntraces, sizeof(*ch.cls));
	for (size_t i = 0; ch.cls && i < c->ntraces; i++)
		if (!(ch.cls[i] = rmx_classes(&c->traces[i].meta)))
			goto out;
	if (!ch.cls)
		goto out;
	out_puts(o, "{\"traceEvents\":[\n");
	struct rmx_item x;
	int have_origin = 0;
	while (rmx_cursor_next(c, &x) && !o->err) {
		if (!have_origin) {
			const __int128 g = 1000000000;
			ch.origin = x.ns / g * g;
			if (ch.origin > x.ns)
				ch.origin -= g;
			have_origin = 1;
		}
		if (put_event(&ch, &x, st))
			goto out;
	}
	out_puts(o, "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"remora_clock_origin_ns\":");
	put_i128(o, ch.origin);
	out_puts(o, ",\"remora_events\":");
	out_u64(o, st->events);
	out_puts(o, ",\"remora_lost_events\":");
	out_u64(o, st->lost);
	out_puts(o, "}}\n");
	st->threads = ch.threads.n;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "%s: out of memory\n", c->prog);
	for (size_t i = 0; ch.cls && i < c->ntraces; i++)
		free(ch.cls[i]);
	free(ch.cls);
	rmx_threads_free(&ch.threads);
	return rc;
}
