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
 * so an event is on screen within about 0.2 s plus this tick. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl/export/ptr_heap.h"
#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/escape.h"
#include "ctl/cli/verbs.h"
#include "ctl/consumer/live_mark.h"
#include "ctl/ctf/ctf_reader.h"
#include "ctl/export/trace_cursor.h"

#define FOLLOW_TICK_MS 100
#define FOLLOW_DEPTH 3 /* DIR, chunk-NNNNN, COMM-PID */

struct ftrace {
	char *dir;
	dev_t dev;
	ino_t ino;
	long chunk;                /* NNNNN of its chunk-NNNNN/, -1 when none */
	struct stat meta_st;       /* of the metadata parsed */
	bool have_meta, meta_bad;
	struct ctfr_meta meta;     /* in place: streams point at it */
	struct ftrace *next;
};

struct fstream {
	char *path;
	int fd;                    /* -1 once finished */
	dev_t dev;                 /* of the file opened at path */
	ino_t ino;
	struct ftrace *t;
	uint64_t visible;          /* bytes of complete packets */
	bool started, broken;
	bool stuck;                /* the reader stopped at an error */
	uint64_t errors_seen;
	unsigned char *buf;
	size_t cap;
	struct ctfr_stream cur;
	struct ctfr_item item;
	__int128 key;
	uint32_t idx;
};

struct follow {
	char dir[PATH_MAX];
	int clock;
	struct ftrace *traces;
	struct fstream **streams;
	size_t nstreams;
	long newest_chunk;
	uint64_t events, lost, errors, bytes;
	bool status_on, status_shown;
	uint64_t status_ms, status_events;
};

static volatile sig_atomic_t stop_follow;

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

/* ------------------------------------------------------ finding files */

static long chunk_of(const char *path)
{
	const char *p = strstr(path, "/chunk-");
	long n = -1;
	while (p) {
		char *end;
		long v = strtol(p + 7, &end, 10);
		if (end == p + 12 && (*end == '/' || !*end))
			n = v;
		p = strstr(p + 1, "/chunk-");
	}
	return n;
}

/* The first rotation moved trace t from t->dir to dir: so did its
 * stream files (known by path: inodes of deleted chunks come back). */
static void moved(struct follow *f, struct ftrace *t, const char *dir)
{
	size_t old = strlen(t->dir);
	for (size_t i = 0; i < f->nstreams; i++) {
		struct fstream *s = f->streams[i];
		char *p;
		if (s->t != t || strncmp(s->path, t->dir, old) || s->path[old] != '/' ||
		    asprintf(&p, "%s%s", dir, s->path + old) < 0)
			continue;
		free(s->path);
		s->path = p;
	}
	char *d = strdup(dir);
	if (d) {
		free(t->dir);
		t->dir = d;
		t->chunk = chunk_of(dir);
	}
}

static struct ftrace *trace_at(struct follow *f, const char *dir, const struct stat *st)
{
	for (struct ftrace *t = f->traces; t; t = t->next)
		if (t->dev == st->st_dev && t->ino == st->st_ino) {
			if (strcmp(t->dir, dir))
				moved(f, t, dir);
			return t;
		}
	struct ftrace *t = calloc(1, sizeof(*t));
	if (!t || !(t->dir = strdup(dir))) {
		free(t);
		return NULL;
	}
	t->dev = st->st_dev;
	t->ino = st->st_ino;
	t->chunk = chunk_of(dir);
	t->next = f->traces;
	f->traces = t;
	return t;
}

/* Whether the file at path is one we read. A new file at a known path
 * (a cleared session writes COMM-PID/stream_0 again) is not: the old
 * entry loses the path. */
static bool known_stream(const struct follow *f, const char *path)
{
	struct stat st;
	for (size_t i = 0; i < f->nstreams; i++) {
		struct fstream *s = f->streams[i];
		if (strcmp(s->path, path))
			continue;
		if (stat(path, &st) < 0 || (st.st_dev == s->dev && st.st_ino == s->ino))
			return true;
		s->path[0] = 0; /* replaced: its fd still reads the old file */
	}
	return false;
}

static void add_stream(struct follow *f, struct ftrace *t, const char *path)
{
	struct stat st;
	if (known_stream(f, path))
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	struct fstream *s = calloc(1, sizeof(*s));
	struct fstream **v = realloc(f->streams, (f->nstreams + 1) * sizeof(*v));
	if (v)
		f->streams = v;
	if (!s || !v || !(s->path = strdup(path))) {
		free(s);
		close(fd);
		return;
	}
	s->fd = fd;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->t = t;
	s->idx = (uint32_t)f->nstreams;
	f->streams[f->nstreams++] = s;
}

static void scan_trace(struct follow *f, const char *dir, const struct stat *st)
{
	struct ftrace *t = trace_at(f, dir, st);
	DIR *d = t ? opendir(dir) : NULL;
	if (!d)
		return;
	if (t->chunk > f->newest_chunk)
		f->newest_chunk = t->chunk;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "stream_", 7))
			continue;
		char path[PATH_MAX * 2];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		add_stream(f, t, path);
	}
	closedir(d);
}

static void walk(struct follow *f, const char *dir, int depth)
{
	char path[PATH_MAX * 2];
	struct stat st;
	snprintf(path, sizeof(path), "%s/metadata", dir);
	if (access(path, F_OK) == 0) {
		if (stat(dir, &st) == 0)
			scan_trace(f, dir, &st);
		return;
	}
	if (depth >= FOLLOW_DEPTH)
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			walk(f, path, depth + 1);
		/* a chunk seen empty still says the older ones are closed */
		long n = chunk_of(path);
		if (n > f->newest_chunk)
			f->newest_chunk = n;
	}
	closedir(d);
}

/* Parses t's metadata when it is new or was replaced. */
static void load_meta(struct follow *f, struct ftrace *t)
{
	char path[PATH_MAX * 2], err[256];
	snprintf(path, sizeof(path), "%s/metadata", t->dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CTFR_METADATA_MAX ||
	    (t->have_meta && st.st_ino == t->meta_st.st_ino && st.st_size == t->meta_st.st_size &&
	     st.st_mtim.tv_sec == t->meta_st.st_mtim.tv_sec &&
	     st.st_mtim.tv_nsec == t->meta_st.st_mtim.tv_nsec)) {
		close(fd);
		return;
	}
	char *text = malloc((size_t)st.st_size + 1);
	ssize_t got = text ? pread(fd, text, (size_t)st.st_size, 0) : -1;
	close(fd);
	struct ctfr_meta m;
	if (got != st.st_size || ctfr_meta_parse(text, (size_t)got, &m, err, sizeof(err)) < 0) {
		if (!t->meta_bad) {
			fputs("\r\033[Kremora view: ", stderr);
			rm_put_str(stderr, path);
			fprintf(stderr, ": %s\n", got != st.st_size ? "short read" : err);
			f->errors++;
		}
		t->meta_bad = true;
		free(text);
		return;
	}
	free(text);
	if (t->have_meta)
		ctfr_meta_free(&t->meta);
	t->meta = m; /* same address: the streams' meta pointers stay good */
	t->meta_st = st;
	t->have_meta = true;
	t->meta_bad = false;
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

/* ------------------------------------------------ what to follow */

/* The output directory of session `name` ("" = the current one), from
 * remorad's status text ("Session NAME (current) [state]", "  output: DIR"). */
static int session_dir(const char *name, char *dir, size_t size)
{
	struct rmd_req q;
	rmd_req_init(&q, RMD_STATUS);
	snprintf(q.session, sizeof(q.session), "%s", name);
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return -1;
	int r = rmd_call_to(&q, false, m);
	fclose(m);
	bool in = false, found = false;
	for (char *line = text, *next; r == 0 && line && *line && !found; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (!strncmp(line, "Session ", 8)) {
			const char *n = line + 8;
			size_t nl = strcspn(n, " ");
			in = name[0] ? (nl == strlen(name) && !strncmp(n, name, nl))
				     : strstr(n + nl, "(current)") == n + nl + 1;
		} else if (in && !strncmp(line, "  output: ", 10)) {
			snprintf(dir, size, "%s", line + 10);
			found = true;
		}
	}
	free(text);
	if (r == 0 && !found)
		fprintf(stderr, "remora view: %s: start one with `remora create NAME`, or give a "
				"trace directory\n", name[0] ? "remorad did not say where that session "
							       "writes" : "no current session");
	return r == 0 && found ? 0 : -1;
}

/* A trace directory not made yet, or with no writer and no trace yet:
 * `view --follow ./out & remora record -o ./out -- app`. Whether DIR holds
 * a trace: a metadata file in DIR, a COMM-PID/ or a chunk-NNNNN/COMM-PID/. */
static bool has_metadata;

static int note_metadata(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	has_metadata |= type == FTW_F && ftw->level <= FOLLOW_DEPTH - 1 &&
			!strcmp(path + ftw->base, "metadata");
	return has_metadata;
}

static bool nothing_yet(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		return true;
	if (rm_live_check(dir))
		return false;
	has_metadata = false;
	nftw(dir, note_metadata, 8, FTW_PHYS);
	return !has_metadata;
}

/* Until DIR is being written or holds a trace: 0, or -1 at Ctrl-C or when
 * DIR turns out to be something else than a directory. */
static int wait_for_dir(const char *dir)
{
	if (!nothing_yet(dir))
		return 0;
	fputs("remora view: waiting for ", stderr);
	rm_put_str(stderr, dir);
	fputs(" to be written (Ctrl-C to stop)\n", stderr);
	while (!stop_follow && nothing_yet(dir)) {
		struct timespec ts = { 0, FOLLOW_TICK_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
	struct stat st;
	if (!stop_follow && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
		fputs("remora view: ", stderr);
		rm_put_str(stderr, dir);
		fputs(": not a directory\n", stderr);
		return -1;
	}
	return stop_follow ? -1 : 0;
}

/* 0 with DIR, 1 with DIR when it does not exist yet (a path given with a
 * '/', to be waited for), -1 after an error message. */
static int resolve(const char *target, char *dir, size_t size)
{
	struct stat st;
	if (target && strchr(target, '/') && stat(target, &st) < 0 && errno == ENOENT) {
		snprintf(dir, size, "%s", target);
		return 1;
	}
	if (target && (strchr(target, '/') || stat(target, &st) == 0)) {
		if (stat(target, &st) < 0 || !S_ISDIR(st.st_mode)) {
			fputs("remora view: ", stderr);
			rm_put_str(stderr, target);
			fprintf(stderr, ": %s\n", stat(target, &st) < 0 ? strerror(errno)
								     : "not a directory");
			return -1;
		}
		snprintf(dir, size, "%s", target);
		return 0;
	}
	if (target && !rmd_name_ok(target)) {
		fprintf(stderr, "remora view: '%s' is neither a directory nor a session name\n",
			target);
		return -1;
	}
	return session_dir(target ? target : "", dir, size);
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
