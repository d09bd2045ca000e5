/* `remora view [--clock-seconds|--clock-date] DIR`
 *
 * Prints every event of every trace under DIR (each directory holding a
 * `metadata` file, found recursively), merged in time order across all
 * streams of all traces. The walk and the merge are the export cursor's
 * (ctl/export/trace_cursor.h, shared with `remora export` and `stats`),
 * over the strict reader (ctl/ctf/ctf_reader.h) that checks everything;
 * this file prints lines nothing in a trace can use to drive the terminal. */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/ctf/ctf_packet.h"
#include "ctl/ctf/ctf_reader.h"
#include "ctl/cli/escape.h"
#include "ctl/cli/verb_view_causes.h"
#include "ctl/cli/verbs.h"
#include "ctl/export/trace_cursor.h"

enum clock_fmt { CLOCK_TIME, CLOCK_DATE, CLOCK_SECONDS };

/* What a stream file lost, by cause, for its line after the events. */
struct stream_lost {
	uint64_t lost, by[CTF_CAUSES];
};

struct view {
	enum clock_fmt clock;
	struct rmx_cursor c;
	uint64_t events, lost;
	struct stream_lost *slost; /* by rmx_item.stream; grown as streams lose */
	size_t nslost;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: remora view [--clock-seconds | --clock-date] DIR\n"
		"       remora view --follow [--clock-seconds | --clock-date] [NAME | DIR]\n"
		"Prints the events of every trace under DIR (each directory with a metadata\n"
		"file), all streams merged in time order, one line each:\n"
		"  [HH:MM:SS.nnnnnnnnn] PID/TID PROVIDER:NAME FIELD=VALUE ...\n"
		"  [HH:MM:SS.nnnnnnnnn] PID/TID -- N events lost (A buffer full, B record too large)\n"
		"Times are UTC wall-clock. Values: integers in decimal, true/false,\n"
		"floats in the shortest form that reads back exactly, strings in double\n"
		"quotes with \\\" \\\\ \\n \\t \\r \\xNN (control and invalid UTF-8 bytes) and\n"
		"\\uNNNN (C1 controls, bidi and line separators) escaped, byte sequences as\n"
		"hex:0a1b... A summary goes to stderr, after one line per stream file with\n"
		"losses, 'FILE: N lost: A buffer full, B record too large'; the causes are\n"
		"buffer full, record too large, catalog full, no thread slot, refused record,\n"
		"corrupt chunk, overwritten, write error (and 'cause unknown' for the rest).\n"
		"So does each corruption, as 'FILE at byte N: what' (the other packets and\n"
		"files are still shown).\n"
		"  --clock-seconds   [SECONDS.nnnnnnnnn] since the Unix epoch\n"
		"  --clock-date      [YYYY-MM-DD HH:MM:SS.nnnnnnnnn]\n"
		"  -f, --follow      print events as they are written (within a second), across\n"
		"                    rotations, until the session NAME is destroyed, the\n"
		"                    `remora record` writing DIR ends, or Ctrl-C (exit 0);\n"
		"                    NAME: a remorad session (default: the current one); DIR: a\n"
		"                    trace directory (one with a '/' or that exists); a DIR not\n"
		"                    made yet, or with no writer and no trace yet, is waited for.\n"
		"                    On a terminal, a status line on stderr: events/s, lost,\n"
		"                    bytes read\n"
		"  -h, --help        this text\n"
		"Exit status: 0, 1 when DIR holds no trace or a file is corrupt, 2 on usage.\n");
}

/* ----------------------------------------------------------- printing */

static void put_i128(FILE *f, unsigned __int128 v)
{
	char b[48];
	size_t n = sizeof(b);
	b[--n] = 0;
	do {
		b[--n] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	fputs(b + n, f);
}

static void put_time(FILE *f, enum clock_fmt fmt, __int128 ns)
{
	const __int128 g = 1000000000;
	__int128 s = ns / g, r = ns % g;
	if (r < 0) {
		r += g;
		s--;
	}
	struct tm tm;
	time_t t = (time_t)s;
	fputc('[', f);
	if (fmt != CLOCK_SECONDS && (__int128)t == s && gmtime_r(&t, &tm)) {
		if (fmt == CLOCK_DATE)
			fprintf(f, "%04d-%02d-%02d ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		fprintf(f, "%02d:%02d:%02d.%09d]", tm.tm_hour, tm.tm_min, tm.tm_sec, (int)r);
		return;
	}
	/* seconds, signed as the value is: -1.5 s is "-1.500000000" */
	unsigned __int128 mag = ns < 0 ? (unsigned __int128)0 - (unsigned __int128)ns
				       : (unsigned __int128)ns;
	if (ns < 0)
		fputc('-', f);
	put_i128(f, mag / (unsigned __int128)g);
	fprintf(f, ".%09d]", (int)(mag % (unsigned __int128)g));
}

/* The shortest decimal that reads back as the same value. */
static void put_float(FILE *f, double d, bool single)
{
	char b[40];
	for (int prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
		snprintf(b, sizeof(b), "%.*g", prec, d);
		if (single ? strtof(b, NULL) == (float)d : strtod(b, NULL) == d)
			break;
	}
	fputs(b, f);
}

static void put_value(FILE *f, const struct ctfr_value *v)
{
	switch (v->type) {
	case RM_T_S8: case RM_T_S16: case RM_T_S32: case RM_T_S64:
		fprintf(f, "%" PRId64, v->s);
		break;
	case RM_T_BOOL:
		if (v->u <= 1)
			fputs(v->u ? "true" : "false", f);
		else
			fprintf(f, "%" PRIu64, v->u);
		break;
	case RM_T_F32: case RM_T_F64:
		put_float(f, v->d, v->type == RM_T_F32);
		break;
	case RM_T_STRING:
		fputc('"', f);
		rm_put_escaped(f, v->b.p, v->b.n);
		fputc('"', f);
		break;
	case RM_T_BYTES:
		fputs("hex:", f);
		for (size_t i = 0; i < v->b.n; i++)
			fprintf(f, "%02x", v->b.p[i]);
		break;
	default:
		fprintf(f, "%" PRIu64, v->u);
		break;
	}
}

/* One line for an event or a loss (view_follow.c prints with it too). */
void rm_view_put_item(FILE *f, int clock, __int128 key, uint32_t ctx, const struct ctfr_item *it)
{
	put_time(f, (enum clock_fmt)clock, key);
	fprintf(f, " %u/%u ", it->pid, it->tid);
	/* add-context fields (ctx: the trace's CTF_CTX_*), as name=value before the event */
	if (ctx & CTF_CTX_PROCNAME) {
		fputs("procname=", f);
		rm_put_str(f, it->procname);
		fputc(' ', f);
	}
	if (ctx & CTF_CTX_VPID)
		fprintf(f, "vpid=%u ", it->vpid);
	if (ctx & CTF_CTX_VTID)
		fprintf(f, "vtid=%u ", it->vtid);
	if (it->kind == CTFR_LOST) {
		fprintf(f, "-- %" PRIu64 " events lost", it->lost);
		if (it->causes) {
			fputs(" (", f);
			view_put_causes(f, it->lost_by, it->lost, true);
			fputc(')', f);
		}
		fputc('\n', f);
		return;
	}
	rm_put_str(f, it->ev->name);
	/* per-event contexts (add-context -t ip|cpu_id|perf:...), before the fields */
	const struct ctfr_meta *m = it->meta;
	for (uint32_t i = 0; m && i < m->nevctx; i++)
		fprintf(f, m->evctx[i].hex ? " %s=0x%" PRIx64 : " %s=%" PRIu64, m->evctx[i].name,
			it->evctx[i]);
	for (uint32_t i = 0; i < it->ev->nfields; i++) {
		fputc(' ', f);
		rm_put_str(f, it->ev->fields[i].name);
		fputc('=', f);
		put_value(f, &it->v[i]);
	}
	fputc('\n', f);
}

/* Counts a stream's loss for its line by cause; an allocation failure
 * only costs that line (the events and the summary still add up). */
static void note_lost(struct view *w, const struct rmx_item *x)
{
	if (x->stream >= w->nslost) {
		size_t n = (size_t)x->stream + 16;
		struct stream_lost *v = realloc(w->slost, n * sizeof(*v));
		if (!v)
			return;
		memset(v + w->nslost, 0, (n - w->nslost) * sizeof(*v));
		w->slost = v;
		w->nslost = n;
	}
	struct stream_lost *l = &w->slost[x->stream];
	l->lost += x->it->lost;
	for (int i = 0; i < CTF_CAUSES; i++)
		l->by[i] += x->it->lost_by[i];
}

static void put_item(struct view *w, const struct rmx_item *x)
{
	rm_view_put_item(stdout, w->clock, x->ns, w->c.traces[x->trace].meta.contexts, x->it);
	if (x->it->kind == CTFR_LOST) {
		w->lost += x->it->lost;
		note_lost(w, x);
	} else {
		w->events++;
	}
}

int rm_cmd_view(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "clock-seconds", no_argument, 0, 's' }, { "clock-date", no_argument, 0, 'd' },
		{ "help", no_argument, 0, 'h' }, { "follow", no_argument, 0, 'f' }, { 0, 0, 0, 0 },
	};
	struct view w = { .clock = CLOCK_TIME };
	bool follow = false;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "hf", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': follow = true; break;
		case 's': w.clock = CLOCK_SECONDS; break;
		case 'd': w.clock = CLOCK_DATE; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (follow && argc - optind <= 1)
		return rm_view_follow(optind < argc ? argv[optind] : NULL, (int)w.clock);
	if (argc - optind != 1) {
		fprintf(stderr, "remora view: %s\n", optind >= argc ? "no trace directory given"
								    : "one trace directory only");
		usage(stderr);
		return 2;
	}
	if (rmx_cursor_open_with(&w.c, argv[optind], "remora view", rm_put_str)) {
		rmx_cursor_close(&w.c);
		return 1;
	}
	struct rmx_item x;
	while (rmx_cursor_next(&w.c, &x))
		put_item(&w, &x);
	fflush(stdout);
	for (size_t i = 0; i < w.nslost; i++) {
		if (!w.slost[i].lost)
			continue;
		uint32_t t = rmx_cursor_stream_trace(&w.c, (uint32_t)i);
		fputs("remora view: ", stderr);
		rm_put_str(stderr, rmx_cursor_stream_path(&w.c, (uint32_t)i));
		fprintf(stderr, ": %" PRIu64 " lost: ", w.slost[i].lost);
		view_put_causes(stderr, w.slost[i].by, w.slost[i].lost, w.c.traces[t].meta.causes);
		fputc('\n', stderr);
	}
	free(w.slost);
	size_t nstreams = w.c.nstreams, ntraces = w.c.ntraces;
	rmx_cursor_close(&w.c); /* adds the streams' errors to w.c.errors */
	uint64_t errors = w.c.errors;
	fprintf(stderr,
		"remora view: %" PRIu64 " events, %" PRIu64 " lost, %zu stream file%s in %zu "
		"trace%s",
		w.events, w.lost, nstreams, nstreams == 1 ? "" : "s", ntraces,
		ntraces == 1 ? "" : "s");
	if (errors)
		fprintf(stderr, ", %" PRIu64 " error%s", errors, errors == 1 ? "" : "s");
	fputc('\n', stderr);
	return errors ? 1 : 0;
}
