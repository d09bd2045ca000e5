/* `remora view --follow`: finding what to read. The traces under DIR
 * (DIR/COMM-PID/, or DIR/chunk-NNNNN/COMM-PID/ once chunked), known by
 * inode so one moved into chunk-00000/ by the first rotation is not read
 * twice; their stream files, known by path; and each trace's metadata,
 * parsed again when it was replaced. Apart from view_follow.c, which
 * reads and prints what these files hold: this side only looks at the
 * directory tree. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/cli/escape.h"
#include "ctl/cli/view_follow_int.h"
#include "ctl/ctf/ctf_reader.h"


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

void walk(struct follow *f, const char *dir, int depth)
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
void load_meta(struct follow *f, struct ftrace *t)
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
