/* The merged, time-ordered walk over the traces under a directory
 * (trace_cursor.h): the one copy of it, for `remora view`, `export` and
 * `stats`, so all show the same events in the same order. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/export/ptr_heap.h"
#include "ctl/export/trace_cursor.h"

#define WALK_DEPTH_MAX 32

struct rmx_stream {
	char *path;
	int fd;
	unsigned char *buf;
	size_t cap;
	const struct rmx_cursor *c;
	uint32_t trace, idx;
	struct ctfr_stream cur;
	struct ctfr_item item;
	__int128 key;
};

/* "PROG: PATH" on stderr, the path through c->put_path */
static void say_path(const struct rmx_cursor *c, const char *path)
{
	fprintf(stderr, "%s: ", c->prog);
	if (c->put_path)
		c->put_path(stderr, path);
	else
		fputs(path, stderr);
}

static void report(struct rmx_cursor *c, const char *path, const char *what)
{
	say_path(c, path);
	fprintf(stderr, ": %s\n", what);
	c->errors++;
}

static void stream_error(void *ctx, uint64_t off, const char *what)
{
	const struct rmx_stream *s = ctx;
	say_path(s->c, s->path);
	fprintf(stderr, " at byte %llu: %s\n", (unsigned long long)off, what);
}

static int file_size(void *ctx, uint64_t *size, char *err, size_t errlen)
{
	struct rmx_stream *s = ctx;
	struct stat st;
	if (fstat(s->fd, &st) < 0) {
		snprintf(err, errlen, "cannot stat: %s", strerror(errno));
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

const unsigned char *rmx_pread_packet(int fd, unsigned char **buf, size_t *cap, uint64_t off,
				     size_t n, char *err, size_t errlen)
{
	if (n > *cap) {
		unsigned char *b = realloc(*buf, n);
		if (!b) {
			snprintf(err, errlen, "out of memory for a packet of %zu bytes", n);
			return NULL;
		}
		*buf = b;
		*cap = n;
	}
	for (size_t got = 0; got < n;) {
		ssize_t r = pread(fd, *buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "cannot read %zu bytes: %s", n,
				 r < 0 ? strerror(errno) : "the file shrank");
			return NULL;
		}
		got += (size_t)r;
	}
	return *buf;
}

static const unsigned char *file_fetch(void *ctx, uint64_t off, size_t n, char *err,
				       size_t errlen)
{
	struct rmx_stream *s = ctx;
	return rmx_pread_packet(s->fd, &s->buf, &s->cap, off, n, err, errlen);
}

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

static int cmp_str(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

static int is_kind(int dfd, const char *name, int want_dir)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

/* Entries of dir that are directories (or regular files but `metadata`),
 * hidden ones left out, sorted so stream_2 < stream_10. */
static char **list_dir(struct rmx_cursor *c, const char *dir, int dirs, size_t *count)
{
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t n = 0, cap = 0;
	*count = 0;
	if (!d) {
		report(c, dir, strerror(errno));
		return NULL;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		if (name[0] == '.' || (!dirs && !strcmp(name, "metadata")) ||
		    !is_kind(dirfd(d), name, dirs))
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

static void add_trace(struct rmx_cursor *c, const char *dir)
{
	char err[256];
	size_t len = 0;
	char *text = read_metadata(dir, &len, err, sizeof(err));
	struct ctfr_meta meta;
	if (!text || ctfr_meta_parse(text, len, &meta, err, sizeof(err))) {
		char *mpath = NULL;
		if (asprintf(&mpath, "%s/metadata", dir) < 0)
			mpath = NULL;
		report(c, mpath ? mpath : dir, err);
		free(mpath);
		free(text);
		return;
	}
	free(text);
	struct rmx_trace *t = realloc(c->traces, (c->ntraces + 1) * sizeof(*t));
	char *d = strdup(dir);
	if (!t || !d) {
		if (t)
			c->traces = t;
		free(d);
		ctfr_meta_free(&meta);
		report(c, dir, "out of memory");
		return;
	}
	c->traces = t;
	t[c->ntraces++] = (struct rmx_trace){ .dir = d, .meta = meta };
}

static void walk(struct rmx_cursor *c, const char *dir, int depth)
{
	char *m = NULL;
	if (asprintf(&m, "%s/metadata", dir) < 0)
		return;
	int trace = access(m, F_OK) == 0;
	free(m);
	if (trace) { /* a trace is a leaf: its files are streams */
		add_trace(c, dir);
		return;
	}
	if (depth >= WALK_DEPTH_MAX)
		return;
	size_t n;
	char **subs = list_dir(c, dir, 1, &n);
	for (size_t i = 0; i < n; i++) {
		char *sub;
		if (asprintf(&sub, "%s/%s", dir, subs[i]) < 0)
			continue;
		walk(c, sub, depth + 1);
		free(sub);
	}
	free_list(subs, n);
}

static void open_streams(struct rmx_cursor *c, uint32_t ti)
{
	const struct rmx_trace *t = &c->traces[ti];
	size_t n;
	char **files = list_dir(c, t->dir, 0, &n);
	for (size_t i = 0; i < n; i++) {
		struct rmx_stream *s = calloc(1, sizeof(*s));
		struct rmx_stream **v = realloc(c->streams, (c->nstreams + 1) * sizeof(*v));
		if (v)
			c->streams = v;
		if (!s || !v || asprintf(&s->path, "%s/%s", t->dir, files[i]) < 0) {
			free(s);
			report(c, t->dir, "out of memory");
			break;
		}
		s->fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (s->fd < 0) {
			report(c, s->path, strerror(errno));
			free(s->path);
			free(s);
			continue;
		}
		s->c = c;
		s->trace = ti;
		s->idx = (uint32_t)c->nstreams;
		ctfr_stream_init(&s->cur, &t->meta,
				 (struct ctfr_source){ .ctx = s, .size = file_size, .fetch = file_fetch },
				 stream_error, s);
		c->streams[c->nstreams++] = s;
	}
	free_list(files, n);
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int rmx_cursor_open(struct rmx_cursor *c, const char *dir, const char *prog)
{
	return rmx_cursor_open_with(c, dir, prog, NULL);
}

int rmx_cursor_open_with(struct rmx_cursor *c, const char *dir, const char *prog,
			 void (*put_path)(FILE *, const char *))
{
	memset(c, 0, sizeof(*c));
	c->prog = prog;
	c->put_path = put_path;
	struct stat st;
	const char *bad = stat(dir, &st) < 0 ? strerror(errno)
			  : !S_ISDIR(st.st_mode) ? "not a directory" : NULL;
	if (bad) {
		say_path(c, dir);
		fprintf(stderr, ": %s\n", bad);
		return -1;
	}
	raise_fd_limit();
	walk(c, dir, 0);
	if (!c->ntraces) {
		if (!c->errors) {
			fprintf(stderr, "%s: no trace under ", prog);
			if (put_path)
				put_path(stderr, dir);
			else
				fputs(dir, stderr);
			fputs(" (no directory there holds a metadata file)\n", stderr);
		}
		return -1;
	}
	for (uint32_t i = 0; i < c->ntraces; i++)
		open_streams(c, i);
	c->heap = malloc((c->nstreams + 1) * sizeof(*c->heap));
	if (!c->heap) {
		report(c, dir, "out of memory");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------- the merge */

static int before(const struct rmx_stream *a, const struct rmx_stream *b)
{
	return rmx_merge_before(a->key, a->cur.ts_begin, a->idx, b->key, b->cur.ts_begin, b->idx,
				a->trace == b->trace);
}

PTR_HEAP_SIFT_DOWN(sift_down, struct rmx_stream, before)

static int advance(struct rmx_cursor *c, struct rmx_stream *s)
{
	if (ctfr_stream_next(&s->cur, &s->item) == CTFR_END)
		return 0;
	s->key = ctfr_time_ns(&c->traces[s->trace].meta, s->item.ts);
	return 1;
}

const struct rmx_item *rmx_cursor_next(struct rmx_cursor *c, struct rmx_item *out)
{
	if (!c->heap)
		return NULL;
	if (!c->started) {
		c->started = 1;
		for (size_t i = 0; i < c->nstreams; i++)
			if (advance(c, c->streams[i]))
				c->heap[c->nheap++] = c->streams[i];
		for (size_t i = c->nheap / 2; i-- > 0;)
			sift_down(c->heap, c->nheap, i);
	} else if (c->nheap) {
		/* the top was handed out last time: move it on now */
		if (!advance(c, c->heap[0]))
			c->heap[0] = c->heap[--c->nheap];
		sift_down(c->heap, c->nheap, 0);
	}
	if (!c->nheap)
		return NULL;
	struct rmx_stream *s = c->heap[0];
	const struct rmx_trace *t = &c->traces[s->trace];
	out->it = &s->item;
	out->ns = s->key;
	out->trace = s->trace;
	out->ev_index = s->item.kind == CTFR_EVENT ? (uint32_t)(s->item.ev - t->meta.events) : 0;
	out->stream = s->idx;
	return out;
}

const char *rmx_cursor_stream_path(const struct rmx_cursor *c, uint32_t i)
{
	return i < c->nstreams ? c->streams[i]->path : NULL;
}

uint32_t rmx_cursor_stream_trace(const struct rmx_cursor *c, uint32_t i)
{
	return i < c->nstreams ? c->streams[i]->trace : 0;
}

void rmx_cursor_close(struct rmx_cursor *c)
{
	for (size_t i = 0; i < c->nstreams; i++) {
		struct rmx_stream *s = c->streams[i];
		c->errors += s->cur.errors;
		close(s->fd);
		free(s->buf);
		free(s->path);
		free(s);
	}
	free(c->streams);
	free(c->heap);
	for (size_t i = 0; i < c->ntraces; i++) {
		ctfr_meta_free(&c->traces[i].meta);
		free(c->traces[i].dir);
	}
	free(c->traces);
	c->streams = c->heap = NULL;
	c->traces = NULL;
	c->nstreams = c->nheap = c->ntraces = 0;
}
