/* `remora view [--clock-seconds|--clock-date] DIR`
 *
 * Prints every event of every trace under DIR (each directory holding a
 * `metadata` file, found recursively), merged in time order across all
 * streams of all traces: a heap of stream cursors keyed by wall-clock ns.
 * The reader (ctl/ctf/ctf_reader.h) checks everything; this file walks
 * directories, feeds it file bytes, and prints lines nothing in a trace can
 * use to drive the terminal. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctf/ctf_packet.h"
#include "ctl/ctf/ctf_reader.h"
#include "ctl/cli/escape.h"
#include "ctl/cli/verbs.h"

#define WALK_DEPTH_MAX 32

enum clock_fmt { CLOCK_TIME, CLOCK_DATE, CLOCK_SECONDS };

struct trace {
	char *dir;
	struct ctfr_meta meta;
};

/* A stream file as a ctfr_source: packets are pread() on demand into buf. */
struct vstream {
	char *path;
	int fd;
	unsigned char *buf;
	size_t cap;
	const struct trace *t;
	struct ctfr_stream cur;
	struct ctfr_item item;
	__int128 key; /* ns since the epoch of item */
	uint32_t idx; /* tie-break: equal times come out in file order */
};

struct view {
	enum clock_fmt clock;
	struct trace *traces;
	size_t ntraces;
	struct vstream **streams;
	size_t nstreams;
	uint64_t events, lost, errors;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: remora view [--clock-seconds | --clock-date] DIR\n"
		"       remora view --follow [--clock-seconds | --clock-date] [NAME | DIR]\n"
		"Prints the events of every trace under DIR (each directory with a metadata\n"
		"file), all streams merged in time order, one line each:\n"
		"  [HH:MM:SS.nnnnnnnnn] PID/TID PROVIDER:NAME FIELD=VALUE ...\n"
		"  [HH:MM:SS.nnnnnnnnn] PID/TID -- N events lost\n"
		"Times are UTC wall-clock. Values: integers in decimal, true/false,\n"
		"floats in the shortest form that reads back exactly, strings in double\n"
		"quotes with \\\" \\\\ \\n \\t \\r \\xNN (control and invalid UTF-8 bytes) and\n"
		"\\uNNNN (C1 controls, bidi and line separators) escaped, byte sequences as\n"
		"hex:0a1b... A summary goes to stderr; so does each corruption, as\n"
		"'FILE at byte N: what' (the other packets and files are still shown).\n"
		"  --clock-seconds   [SECONDS.nnnnnnnnn] since the Unix epoch\n"
		"  --clock-date      [YYYY-MM-DD HH:MM:SS.nnnnnnnnn]\n"
		"  -f, --follow      print events as they are written (within a second), across\n"
		"                    rotations, until the session NAME is destroyed, the\n"
		"                    `remora record` writing DIR ends, or Ctrl-C (exit 0);\n"
		"                    NAME: a remorad session (default: the current one); DIR: a\n"
		"                    trace directory (one with a '/' or that exists). On a\n"
		"                    terminal, a status line on stderr: events/s, lost, bytes read\n"
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
		fprintf(f, "-- %" PRIu64 " events lost\n", it->lost);
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

static void put_item(struct view *w, const struct vstream *s)
{
	rm_view_put_item(stdout, w->clock, s->key, s->cur.meta ? s->cur.meta->contexts : 0,
			 &s->item);
	if (s->item.kind == CTFR_LOST)
		w->lost += s->item.lost;
	else
		w->events++;
}

/* --------------------------------------------------------- file access */

static void stream_error(void *ctx, uint64_t off, const char *what)
{
	const struct vstream *s = ctx;
	fputs("remora view: ", stderr);
	rm_put_str(stderr, s->path);
	fprintf(stderr, " at byte %" PRIu64 ": %s\n", off, what);
}

static int file_size(void *ctx, uint64_t *size, char *err, size_t errlen)
{
	struct vstream *s = ctx;
	struct stat st;
	if (fstat(s->fd, &st) < 0) {
		snprintf(err, errlen, "cannot stat: %s", strerror(errno));
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

static const unsigned char *file_fetch(void *ctx, uint64_t off, size_t n, char *err,
				       size_t errlen)
{
	struct vstream *s = ctx;
	if (n > s->cap) {
		unsigned char *b = realloc(s->buf, n);
		if (!b) {
			snprintf(err, errlen, "out of memory for a packet of %zu bytes", n);
			return NULL;
		}
		s->buf = b;
		s->cap = n;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(s->fd, s->buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "cannot read %zu bytes: %s", n,
				 r < 0 ? strerror(errno) : "the file shrank");
			return NULL;
		}
		got += (size_t)r;
	}
	return s->buf;
}

/* Reads DIR/metadata whole (bounded), or NULL with a message. */
static char *read_metadata(const char *dir, size_t *len, char *err, size_t errlen)
{
	char *path = NULL, *text = NULL;
	int fd = -1;
	struct stat st;
	if (asprintf(&path, "%s/metadata", dir) < 0) {
		path = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > CTFR_METADATA_MAX) {
		snprintf(err, errlen, "not a regular file of at most %u bytes", CTFR_METADATA_MAX);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (text && got < (size_t)st.st_size) {
		ssize_t r = read(fd, text + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (!text || got < (size_t)st.st_size) {
		snprintf(err, errlen, "cannot read: %s", text ? "short read" : "out of memory");
		free(text);
		text = NULL;
		goto out;
	}
	*len = got;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return text;
}

/* ----------------------------------------------------- finding traces */

static void report(struct view *w, const char *path, const char *what)
{
	fputs("remora view: ", stderr);
	rm_put_str(stderr, path);
	fprintf(stderr, ": %s\n", what);
	w->errors++;
}

static int cmp_str(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

static bool is_file(int dfd, const char *name, bool want_dir)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

/* Names of the entries of `dir` that are directories (or regular files,
 * hidden ones and `metadata` left out), sorted so stream_2 < stream_10. */
static char **list_dir(struct view *w, const char *dir, bool dirs, size_t *count)
{
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t n = 0, cap = 0;
	*count = 0;
	if (!d) {
		report(w, dir, strerror(errno));
		return NULL;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		if (name[0] == '.' || (!dirs && !strcmp(name, "metadata")) ||
		    !is_file(dirfd(d), name, dirs))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **t = realloc(v, cap * sizeof(*v));
			if (!t)
				break;
			v = t;
		}
		if (!(v[n] = strdup(name)))
			break;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*count = n;
	return v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void add_trace(struct view *w, const char *dir)
{
	char err[256];
	size_t len;
	char *text = read_metadata(dir, &len, err, sizeof(err));
	struct ctfr_meta meta;
	char *mpath = NULL;
	if (asprintf(&mpath, "%s/metadata", dir) < 0)
		mpath = NULL;
	if (!text || ctfr_meta_parse(text, len, &meta, err, sizeof(err))) {
		report(w, mpath ? mpath : dir, err);
		free(text);
		free(mpath);
		return;
	}
	free(text);
	free(mpath);
	struct trace *t = realloc(w->traces, (w->ntraces + 1) * sizeof(*t));
	if (!t) {
		ctfr_meta_free(&meta);
		report(w, dir, "out of memory");
		return;
	}
	w->traces = t;
	t[w->ntraces++] = (struct trace){ .dir = strdup(dir), .meta = meta };
}

static void walk(struct view *w, const char *dir, int depth)
{
	char *m = NULL;
	if (asprintf(&m, "%s/metadata", dir) < 0)
		return;
	bool trace = access(m, F_OK) == 0;
	free(m);
	if (trace) { /* a trace is a leaf: its files are streams */
		add_trace(w, dir);
		return;
	}
	if (depth >= WALK_DEPTH_MAX)
		return;
	size_t n;
	char **subs = list_dir(w, dir, true, &n);
	for (size_t i = 0; i < n; i++) {
		char *sub;
		if (asprintf(&sub, "%s/%s", dir, subs[i]) < 0)
			continue;
		walk(w, sub, depth + 1);
		free(sub);
	}
	free_list(subs, n);
}

/* ---------------------------------------------------------- the merge */

static bool before(const struct vstream *a, const struct vstream *b)
{
	return a->key < b->key || (a->key == b->key && a->idx < b->idx);
}

static void sift_down(struct vstream **h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && before(h[l], h[m]))
			m = l;
		if (l + 1 < n && before(h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		struct vstream *t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* Moves s to its next item; false at its end. */
static bool advance(struct vstream *s)
{
	if (ctfr_stream_next(&s->cur, &s->item) == CTFR_END)
		return false;
	s->key = ctfr_time_ns(&s->t->meta, s->item.ts);
	return true;
}

static void open_streams(struct view *w, const struct trace *t)
{
	size_t n;
	char **files = list_dir(w, t->dir, false, &n);
	for (size_t i = 0; i < n; i++) {
		struct vstream *s = calloc(1, sizeof(*s));
		struct vstream **v = realloc(w->streams, (w->nstreams + 1) * sizeof(*v));
		if (!s || !v || asprintf(&s->path, "%s/%s", t->dir, files[i]) < 0) {
			free(s);
			if (v)
				w->streams = v;
			report(w, t->dir, "out of memory");
			break;
		}
		w->streams = v;
		s->fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (s->fd < 0) {
			report(w, s->path, strerror(errno));
			free(s->path);
			free(s);
			continue;
		}
		s->t = t;
		s->idx = (uint32_t)w->nstreams;
		ctfr_stream_init(&s->cur, &t->meta,
				 (struct ctfr_source){ .ctx = s, .size = file_size, .fetch = file_fetch },
				 stream_error, s);
		w->streams[w->nstreams++] = s;
	}
	free_list(files, n);
}

static void run_merge(struct view *w)
{
	struct vstream **h = malloc((w->nstreams + 1) * sizeof(*h));
	size_t n = 0;
	if (!h) {
		report(w, "merge", "out of memory");
		return;
	}
	for (size_t i = 0; i < w->nstreams; i++)
		if (advance(w->streams[i]))
			h[n++] = w->streams[i];
	for (size_t i = n / 2; i-- > 0;)
		sift_down(h, n, i);
	while (n) {
		put_item(w, h[0]);
		if (!advance(h[0]))
			h[0] = h[--n];
		sift_down(h, n, 0);
	}
	free(h);
}

static void view_free(struct view *w)
{
	for (size_t i = 0; i < w->nstreams; i++) {
		struct vstream *s = w->streams[i];
		w->errors += s->cur.errors;
		close(s->fd);
		free(s->buf);
		free(s->path);
		free(s);
	}
	free(w->streams);
	for (size_t i = 0; i < w->ntraces; i++) {
		ctfr_meta_free(&w->traces[i].meta);
		free(w->traces[i].dir);
	}
	free(w->traces);
}

/* Every stream is open at once; make room for many traces. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
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
	const char *dir = argv[optind];
	struct stat st;
	const char *bad = stat(dir, &st) < 0 ? strerror(errno)
			  : !S_ISDIR(st.st_mode) ? "not a directory" : NULL;
	if (bad) {
		fputs("remora view: ", stderr);
		rm_put_str(stderr, dir);
		fprintf(stderr, ": %s\n", bad);
		return 1;
	}
	raise_fd_limit();
	walk(&w, dir, 0);
	if (!w.ntraces) {
		if (!w.errors) {
			fputs("remora view: no trace under ", stderr);
			rm_put_str(stderr, dir);
			fputs(" (no directory there holds a metadata file)\n", stderr);
		}
		view_free(&w);
		return 1;
	}
	for (size_t i = 0; i < w.ntraces; i++)
		open_streams(&w, &w.traces[i]);
	run_merge(&w);
	fflush(stdout);
	size_t nstreams = w.nstreams, ntraces = w.ntraces;
	view_free(&w);
	fprintf(stderr,
		"remora view: %" PRIu64 " events, %" PRIu64 " lost, %zu stream file%s in %zu "
		"trace%s",
		w.events, w.lost, nstreams, nstreams == 1 ? "" : "s", ntraces,
		ntraces == 1 ? "" : "s");
	if (w.errors)
		fprintf(stderr, ", %" PRIu64 " error%s", w.errors, w.errors == 1 ? "" : "s");
	fputc('\n', stderr);
	return w.errors ? 1 : 0;
}
