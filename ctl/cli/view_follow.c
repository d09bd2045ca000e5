/* `remora view --follow [NAME|DIR]`: prints events as they are written.
 *
 * Every FOLLOW_TICK_MS: finds the traces under DIR (DIR/COMM-PID/, or
 * DIR/chunk-NNNNN/COMM-PID/ once chunked) and their stream files, known
 * by path, a trace directory by inode so one moved into chunk-00000/ by
 * the first rotation is not read twice; lets the strict reader (ctl/ctf/ctf_reader.h) see each
 * stream only up to its last complete packet (a packet's header says its
 * size; the writer appends whole packets); re-reads a trace's metadata
 * when it was replaced (new events), after the stream sizes were taken,
 * since the writer writes metadata before the packets that use it; and
 * prints what is new, merged in time order within the round (the export
 * cursor's order, rmx_merge_before; the cursor itself reads whole files
 * once, not growing ones, so this reader stays its own).
 *
 * It stops when DIR has no live writer any more (the `.remora-live` mark
 * of remorad's session or of `remora record` is gone, or its process is),
 * after a last round, or at Ctrl-C. The consumer drains a sleeping
 * producer's committed records every 50 ms (record) or 100 ms (remorad),
 * so an event is on screen within about 0.2 s plus this tick.
 *
 * This file holds the rounds: each stream as the strict reader's source,
 * the merge that prints, the status line, and the loop. Finding the
 * traces, their stream files and their metadata is view_follow_files.c;
 * what to follow, and waiting for it, view_follow_target.c. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl/export/ptr_heap.h"
#include "ctl/cli/escape.h"
#include "ctl/cli/verbs.h"
#include "ctl/cli/view_follow_int.h"
#include "ctl/consumer/live_mark.h"
#include "ctl/ctf/ctf_reader.h"
#include "ctl/export/trace_cursor.h"

volatile sig_atomic_t stop_follow;

static void on_stop(int sig)
{
	(void)sig;
	stop_follow = 1;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------ the stream as a source */

static int src_size(void *ctx, uint64_t *size, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	*size = ((struct fstream *)ctx)->visible;
	return 0;
}

static const unsigned char *src_fetch(void *ctx, uint64_t off, size_t n, char *err,
				      size_t errlen)
{
	struct fstream *s = ctx;
	return rmx_pread_packet(s->fd, &s->buf, &s->cap, off, n, err, errlen);
}

static void src_error(void *ctx, uint64_t off, const char *what)
{
	const struct fstream *s = ctx;
	fputs("\r\033[Kremora view: ", stderr);
	rm_put_str(stderr, s->path);
	fprintf(stderr, " at byte %" PRIu64 ": %s\n", off, what);
}

/* Moves s->visible over every complete packet now in the file. */
static void grow(struct fstream *s)
{
	struct stat st;
	if (s->fd < 0 || s->broken || fstat(s->fd, &st) < 0)
		return;
	uint64_t size = (uint64_t)st.st_size;
	/* where packet_size is depends on the layout the metadata declares
	 * (loaded before the sizes; reloaded after them, for the events) */
	if (!s->t->have_meta)
		return;
	const struct ctfr_meta *m = &s->t->meta;
	while (size - s->visible >= m->packet_hdr) {
		uint64_t bits;
		if (pread(s->fd, &bits, 8, (off_t)(s->visible + CTFR_PACKET_SIZE_OFF(m))) != 8)
			return;
		if (bits % 8 || bits / 8 < m->packet_hdr || bits / 8 > CTFR_PACKET_MAX) {
			/* the reader says what is wrong when it gets there */
			s->visible = size;
			s->broken = true;
			return;
		}
		if (bits / 8 > size - s->visible)
			return; /* being written */
		s->visible += bits / 8;
	}
}

/* ------------------------------------------------------------- a round */

static bool advance(struct fstream *s)
{
	if (ctfr_stream_next(&s->cur, &s->item) == CTFR_END)
		return false;
	s->key = ctfr_time_ns(&s->t->meta, s->item.ts);
	return true;
}

/* The export cursor's order (its walk needs whole files; this reader reads
 * growing ones up to their last complete packet, so only the rule is shared) */
static bool before(const struct fstream *a, const struct fstream *b)
{
	return rmx_merge_before(a->key, a->cur.ts_begin, a->idx, b->key, b->cur.ts_begin, b->idx,
				a->t == b->t);
}

PTR_HEAP_SIFT_DOWN(sift_down, struct fstream, before)

static void status_clear(struct follow *f)
{
	if (f->status_shown)
		fputs("\r\033[K", stderr);
	f->status_shown = false;
}

static void status_tick(struct follow *f)
{
	uint64_t t = mono_ms();
	if (!f->status_on || t - f->status_ms < 1000)
		return;
	if (f->status_ms) {
		fprintf(stderr, "\r\033[Kremora view: %" PRIu64 " events/s, %" PRIu64 " events, %"
				PRIu64 " lost, %.1f MiB read",
			(f->events - f->status_events) * 1000 / (t - f->status_ms), f->events, f->lost,
			(double)f->bytes / 1048576);
		f->status_shown = true;
	}
	f->status_ms = t;
	f->status_events = f->events;
}

/* A stream of an older chunk, read to its end: its fd goes. */
static void maybe_finish(struct follow *f, struct fstream *s)
{
	struct stat st;
	if (s->fd < 0 || s->t->chunk < 0 || s->t->chunk >= f->newest_chunk ||
	    fstat(s->fd, &st) < 0 || (uint64_t)st.st_size != s->visible || !s->started ||
	    !s->cur.done)
		return;
	close(s->fd);
	s->fd = -1;
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
}

static void round_once(struct follow *f)
{
	walk(f, f->dir, 0);
	/* a new trace's layout first: grow finds packet_size by it */
	for (struct ftrace *t = f->traces; t; t = t->next)
		if (!t->have_meta)
			load_meta(f, t);
	for (size_t i = 0; i < f->nstreams; i++) {
		uint64_t v = f->streams[i]->visible;
		grow(f->streams[i]);
		f->bytes += f->streams[i]->visible - v;
	}
	/* after the sizes: a packet seen complete has its events declared */
	for (struct ftrace *t = f->traces; t; t = t->next)
		load_meta(f, t);
	struct fstream **h = malloc((f->nstreams + 1) * sizeof(*h));
	size_t n = 0;
	for (size_t i = 0; h && i < f->nstreams; i++) {
		struct fstream *s = f->streams[i];
		if (s->fd < 0 || !s->t->have_meta)
			continue;
		if (!s->started) {
			ctfr_stream_init(&s->cur, &s->t->meta,
					 (struct ctfr_source){ .ctx = s, .size = src_size,
							       .fetch = src_fetch },
					 src_error, s);
			s->started = true;
		}
		if (s->cur.done && !s->stuck && s->cur.pkt_off < s->visible)
			s->cur.done = false; /* more packets since it reached the end */
		if (advance(s))
			h[n++] = s;
	}
	for (size_t i = n / 2; i-- > 0;)
		sift_down(h, n, i);
	if (n)
		status_clear(f);
	while (n) {
		rm_view_put_item(stdout, f->clock, h[0]->key, h[0]->t->meta.contexts, &h[0]->item);
		if (h[0]->item.kind == CTFR_LOST)
			f->lost += h[0]->item.lost;
		else
			f->events++;
		if (!advance(h[0]))
			h[0] = h[--n];
		sift_down(h, n, 0);
	}
	free(h);
	fflush(stdout);
	for (size_t i = 0; i < f->nstreams; i++) {
		struct fstream *s = f->streams[i];
		/* ended by an error, not at the end of what is there: no retry */
		if (s->cur.done && s->cur.errors != s->errors_seen)
			s->stuck = true;
		s->errors_seen = s->cur.errors;
		maybe_finish(f, s);
	}
	status_tick(f);
}

static void follow_free(struct follow *f)
{
	for (size_t i = 0; i < f->nstreams; i++) {
		struct fstream *s = f->streams[i];
		if (s->fd >= 0)
			close(s->fd);
		free(s->buf);
		free(s->path);
		free(s);
	}
	free(f->streams);
	while (f->traces) {
		struct ftrace *t = f->traces;
		f->traces = t->next;
		if (t->have_meta)
			ctfr_meta_free(&t->meta);
		free(t->dir);
		free(t);
	}
}

int rm_view_follow(const char *target, int clock_fmt)
{
	static struct follow f;
	memset(&f, 0, sizeof(f));
	f.clock = clock_fmt;
	f.newest_chunk = -1;
	if (resolve(target, f.dir, sizeof(f.dir)) < 0)
		return 1;
	f.status_on = isatty(STDERR_FILENO);
	struct sigaction sa = { .sa_handler = on_stop };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (wait_for_dir(f.dir) < 0)
		return stop_follow ? 0 : 1;
	signal(SIGPIPE, SIG_DFL);
	bool live = true;
	while (!stop_follow && live) {
		live = rm_live_check(f.dir);
		round_once(&f); /* after the check: a writer gone has written all */
		if (!live)
			break;
		struct timespec ts = { 0, FOLLOW_TICK_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
	status_clear(&f);
	fprintf(stderr, "remora view: %" PRIu64 " events, %" PRIu64 " lost; %s\n", f.events,
		f.lost, stop_follow ? "interrupted" : "the trace is no longer written");
	uint64_t errors = f.errors;
	for (size_t i = 0; i < f.nstreams; i++)
		errors += f.streams[i]->cur.errors;
	follow_free(&f);
	return errors ? 1 : 0;
}
