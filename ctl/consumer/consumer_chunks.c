/* A sink's trace chunks: rotation (by request, by size, by timer), the
 * ring of at most --max-chunks chunk directories, and clear.
 *
 * Layout (consumer.h): an unchunked sink writes OUT/COMM-PID/; a chunked
 * one OUT/chunk-NNNNN/COMM-PID/. A rotation closes every writer of the
 * sink between two packets (fdatasync at close: the chunk is complete on
 * disk before its number moves on), then opens the next chunk's writers
 * at once for the traces that were open, so a full disk is said by the
 * rotation that meets it, not later. Files are removed with unlinkat
 * only: remorad's seccomp filter has no rmdir. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/consumer/consumer_int.h"
#include "shm/clock.h"

#define CHUNK_FMT "chunk-%05u"

int rm_rotation_check(const struct rm_rotation *r, char *err, size_t errlen)
{
	if (r->size && r->size < RM_ROTATE_SIZE_MIN) {
		snprintf(err, errlen, "rotate size %llu bytes is below one packet: give at least "
				      "%uK", (unsigned long long)r->size, RM_ROTATE_SIZE_MIN / 1024);
		return -1;
	}
	if (r->timer_s > RM_ROTATE_TIMER_MAX) {
		snprintf(err, errlen, "rotate timer %u s is over a week (%u s)", r->timer_s,
			 RM_ROTATE_TIMER_MAX);
		return -1;
	}
	if (r->max_chunks > RM_MAX_CHUNKS_MAX) {
		snprintf(err, errlen, "max chunks %u is over %u", r->max_chunks, RM_MAX_CHUNKS_MAX);
		return -1;
	}
	return 0;
}

void sink_chunk_base(const struct rm_sink *s, char *buf, size_t size)
{
	if (s->ch.on)
		snprintf(buf, size, "%s/" CHUNK_FMT, s->out_dir, s->ch.cur);
	else
		snprintf(buf, size, "%s", s->out_dir);
}

void sink_chunk_note_dir(struct rm_sink *s, const char *dir)
{
	struct sink_chunks *ch = &s->ch;
	if (ch->ndirs == ch->capdirs) {
		size_t cap = ch->capdirs ? ch->capdirs * 2 : 16;
		char **v = realloc(ch->dirs, cap * sizeof(*v));
		if (!v)
			return;
		ch->dirs = v;
		ch->capdirs = cap;
	}
	if ((ch->dirs[ch->ndirs] = strdup(dir)))
		ch->ndirs++;
}

void sink_chunk_open_failed(struct rm_sink *s, const char *dir, const char *err)
{
	snprintf(s->ch.err, sizeof(s->ch.err), "%s", err);
	if (!dir)
		return;
	unlinkat(AT_FDCWD, dir, AT_REMOVEDIR); /* only when empty */
	if (s->ch.on) {
		char base[PATH_MAX];
		sink_chunk_base(s, base, sizeof(base));
		unlinkat(AT_FDCWD, base, AT_REMOVEDIR);
	}
}

static void forget_dirs(struct sink_chunks *ch)
{
	for (size_t i = 0; i < ch->ndirs; i++)
		free(ch->dirs[i]);
	ch->ndirs = 0;
}

void sink_chunk_free(struct rm_sink *s)
{
	forget_dirs(&s->ch);
	free(s->ch.dirs);
	s->ch.dirs = NULL;
	s->ch.capdirs = 0;
}

/* rm -r of name under dfd, by unlinkat only; depth-bounded (a trace is
 * two levels deep). 0, or -1 with errno. */
static int remove_tree(int dfd, const char *name, int depth)
{
	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if ((errno != EISDIR && errno != EPERM) || depth > 8)
		return -1;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    remove_tree(dirfd(d), de->d_name, depth + 1) < 0)
			r = -1;
	int e = errno;
	closedir(d);
	if (r == 0 && unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -1;
	errno = e;
	return r;
}

static int remove_path(const char *path)
{
	return remove_tree(AT_FDCWD, path, 0);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Numbers of the chunk directories under s->out_dir, sorted; *n of them. */
static uint32_t *list_chunks(const struct rm_sink *s, size_t *n)
{
	*n = 0;
	DIR *d = opendir(s->out_dir);
	if (!d)
		return NULL;
	uint32_t *v = NULL;
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		unsigned num;
		char tail;
		if (sscanf(de->d_name, "chunk-%5u%c", &num, &tail) != 1 || strlen(de->d_name) != 11)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			uint32_t *t = realloc(v, cap * sizeof(*v));
			if (!t)
				break;
			v = t;
		}
		v[(*n)++] = num;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_u32);
	return v;
}

/* --max-chunks: the oldest closed chunks go while the closed ones and the
 * current one are more than max. */
static void prune(struct rm_sink *s)
{
	uint32_t max = s->ch.sched.max_chunks;
	if (!max)
		return;
	size_t n;
	uint32_t *v = list_chunks(s, &n);
	size_t closed = 0;
	for (size_t i = 0; i < n; i++)
		closed += v[i] < s->ch.cur;
	for (size_t i = 0; i < n && closed + 1 > max; i++) {
		if (v[i] >= s->ch.cur)
			continue;
		char path[PATH_MAX + 32];
		snprintf(path, sizeof(path), "%s/" CHUNK_FMT, s->out_dir, v[i]);
		if (remove_path(path) < 0)
			fprintf(stderr, "%s: cannot delete the oldest chunk %s (--max-chunks %u): %s\n",
				s->c->who, path, max, strerror(errno));
		closed--;
	}
	free(v);
}

/* Chunking starts after the chunks already there (a restarted remorad,
 * or -o DIR --force). */
static void chunking_on(struct rm_sink *s)
{
	size_t n;
	uint32_t *v = list_chunks(s, &n);
	s->ch.on = true;
	s->ch.cur = n ? v[n - 1] + 1 : 0;
	s->ch.closed = (uint32_t)n;
	s->ch.began_ns = rm_clock_mono_ns();
	free(v);
}

void rm_sink_chunked(struct rm_sink *s)
{
	if (!s->ch.on)
		chunking_on(s);
}

/* The first rotation of an unchunked sink: what it wrote moves into the
 * first chunk (chunk-00000/), so every chunk looks alike. */
static int move_into_first_chunk(struct rm_sink *s, char *msg, size_t msglen)
{
	char chunk[PATH_MAX + 32];
	snprintf(chunk, sizeof(chunk), "%s/" CHUNK_FMT, s->out_dir, s->ch.cur);
	if (mkdir(chunk, 0700) < 0 && errno != EEXIST) {
		snprintf(msg, msglen, "cannot create %s: %s; the trace stays in %s", chunk,
			 strerror(errno), s->out_dir);
		return -1;
	}
	int r = 0;
	for (size_t i = 0; i < s->ch.ndirs; i++) {
		const char *base = strrchr(s->ch.dirs[i], '/');
		char to[PATH_MAX * 2];
		snprintf(to, sizeof(to), "%s%s", chunk, base ? base : "/trace");
		if (rename(s->ch.dirs[i], to) < 0 && r == 0) {
			snprintf(msg, msglen, "cannot move %s into %s: %s (it stays where it is)",
				 s->ch.dirs[i], chunk, strerror(errno));
			r = -1;
		}
	}
	return r;
}

static void declared_to_selected(struct trace *t)
{
	for (uint32_t id = 0; id < t->k->a.event_max; id++)
		if (t->st[id] == EV_DECLARED)
			t->st[id] = EV_SELECTED;
}

/* Closes every writer of s; marks the traces it closed in *reopen (up to
 * max). Returns how many close calls failed (err holds the first). */
static int close_writers(struct rm_sink *s, struct trace **reopen, size_t max, size_t *nreopen,
			 char *err, size_t errlen)
{
	struct trace *t;
	struct cds_lfht_iter it;
	int bad = 0;
	*nreopen = 0;
	rcu_read_lock();
	EACH_TRACE(s->c, it, t) {
		if (t->s != s)
			continue;
		bool was_open = t->w || t->failed; /* failed: a rotation retries it */
		if (t->w) {
			char e[512];
			if (ctf_writer_close(t->w, NULL, e, sizeof(e)) < 0) {
				if (bad++ == 0)
					snprintf(err, errlen, "%s", e);
				t->write_errors++;
			}
			t->w = NULL;
		}
		if (was_open && *nreopen < max && t->k->attached && !t->k->done)
			reopen[(*nreopen)++] = t;
		declared_to_selected(t);
		t->failed = false;
	}
	rcu_read_unlock();
	return bad;
}

int sink_rotate(struct rm_sink *s, char *msg, size_t msglen)
{
	struct sink_chunks *ch = &s->ch;
	if (s->overwrite || s->snapshot) {
		snprintf(msg, msglen, "a session in %s mode keeps its newest data in memory and "
				      "writes it %s: it has no chunks to rotate",
			 s->snapshot ? "snapshot" : "overwrite",
			 s->snapshot ? "when asked (`remora snapshot`)" : "at stop");
		return -1;
	}
	if (ch->bytes == 0 && !ch->reopen_failed) {
		char base[PATH_MAX];
		sink_chunk_base(s, base, sizeof(base));
		snprintf(msg, msglen, "nothing written since the %s: %s stays current",
			 ch->closed ? "last rotation" : "start", ch->on ? base : "the trace");
		return 0;
	}
	struct trace *reopen[1024];
	size_t nreopen;
	char err[512] = "";
	int bad = close_writers(s, reopen, 1024, &nreopen, err, sizeof(err));
	int r = 0;
	if (!ch->on) {
		chunking_on(s);
		r = move_into_first_chunk(s, msg, msglen);
	}
	char closed[PATH_MAX];
	sink_chunk_base(s, closed, sizeof(closed));
	forget_dirs(ch);
	ch->closed++;
	ch->cur++;
	ch->bytes = 0;
	ch->began_ns = rm_clock_mono_ns();
	prune(s);
	if (bad && r == 0) {
		snprintf(msg, msglen, "closing %s: %s", closed, err);
		r = -1;
	}
	if (s->state != SINK_STARTED)
		nreopen = 0; /* the next start opens them */
	ch->reopen_failed = false;
	for (size_t i = 0; i < nreopen; i++) {
		if (sink_open_writer(reopen[i]) == 0)
			continue;
		ch->reopen_failed = true;
		if (r < 0)
			continue;
		snprintf(msg, msglen, "%s is complete, but the next chunk cannot be written: %s "
				      "(its events are counted lost until a rotation succeeds)",
			 closed, ch->err[0] ? ch->err : "see the log");
		r = -1;
	}
	if (r == 0)
		snprintf(msg, msglen, "%s", closed);
	return r;
}

void sink_chunk_after_packet(struct rm_sink *s)
{
	if (!s->ch.sched.size || s->ch.bytes < s->ch.sched.size || s->ch.clearing)
		return;
	char msg[PATH_MAX + 512];
	if (sink_rotate(s, msg, sizeof(msg)) < 0)
		fprintf(stderr, "%s: rotation by size: %s\n", s->c->who, msg);
}

void sink_chunk_tick(struct rm_consumer *c, uint64_t now_ns)
{
	for (struct rm_sink *s = c->sinks; s; s = s->next) {
		struct sink_chunks *ch = &s->ch;
		if (!ch->sched.timer_s || s->state != SINK_STARTED)
			continue;
		if (!ch->began_ns)
			ch->began_ns = now_ns;
		if (now_ns - ch->began_ns < (uint64_t)ch->sched.timer_s * 1000000000ull)
			continue;
		if (ch->bytes == 0) { /* no empty chunks: the period starts over */
			ch->began_ns = now_ns;
			continue;
		}
		char msg[PATH_MAX + 512];
		if (sink_rotate(s, msg, sizeof(msg)) < 0)
			fprintf(stderr, "%s: rotation by timer: %s\n", c->who, msg);
	}
}

int rm_sink_set_rotation(struct rm_sink *s, const struct rm_rotation *r, char *err,
			 size_t errlen)
{
	if (rm_rotation_check(r, err, errlen) < 0)
		return -1;
	if ((s->overwrite || s->snapshot) && (r->size || r->timer_s || r->max_chunks)) {
		snprintf(err, errlen, "overwrite mode (a flight recorder) writes once, at stop: it "
				      "cannot rotate");
		return -1;
	}
	s->ch.sched = *r;
	if ((r->size || r->timer_s) && !s->ch.on && s->ch.ndirs == 0)
		chunking_on(s);
	return 0;
}

void rm_sink_rotation(const struct rm_sink *s, struct rm_rotation *out)
{
	*out = s->ch.sched;
}

void rm_sink_chunk_info(const struct rm_sink *s, uint32_t *closed, int64_t *current,
			uint64_t *bytes)
{
	*closed = s->ch.closed;
	*current = s->ch.on ? (int64_t)s->ch.cur : -1;
	*bytes = s->ch.total_bytes;
}

int sink_clear_end(struct rm_sink *s, char *msg, size_t msglen)
{
	struct sink_chunks *ch = &s->ch;
	struct trace *t;
	struct cds_lfht_iter it;
	rcu_read_lock();
	EACH_TRACE(s->c, it, t) {
		if (t->s != s)
			continue;
		ring_free(t);
		t->evicted = 0;
		if (t->w)
			ctf_writer_close(t->w, NULL, NULL, 0); /* deleted below */
		t->w = NULL;
		declared_to_selected(t);
		t->failed = false;
		t->events = t->discarded = t->unwritten = t->refused = 0;
		t->write_errors = 0;
	}
	rcu_read_unlock();
	s->acc.events = s->acc.discarded = s->acc.unwritten = s->acc.refused = 0;
	s->acc.write_errors = 0;
	int r = 0;
	size_t gone = 0;
	const char *what = "trace director";
	if (ch->on) {
		size_t n;
		uint32_t *v = list_chunks(s, &n);
		for (size_t i = 0; i < n; i++) {
			char path[PATH_MAX + 32];
			snprintf(path, sizeof(path), "%s/" CHUNK_FMT, s->out_dir, v[i]);
			if (remove_path(path) < 0 && r == 0) {
				snprintf(msg, msglen, "cannot delete %s: %s", path, strerror(errno));
				r = -1;
			}
			gone++;
		}
		free(v);
		what = "chunk";
		ch->cur++; /* a follower never sees a number come back */
	} else {
		for (size_t i = 0; i < ch->ndirs; i++) {
			if (remove_path(ch->dirs[i]) < 0 && r == 0) {
				snprintf(msg, msglen, "cannot delete %s: %s", ch->dirs[i], strerror(errno));
				r = -1;
			}
			gone++;
		}
	}
	forget_dirs(ch);
	ch->bytes = 0;
	ch->began_ns = rm_clock_mono_ns();
	if (r == 0)
		snprintf(msg, msglen, "%zu %s%s deleted", gone, what,
			 !strcmp(what, "chunk") ? (gone == 1 ? "" : "s") : (gone == 1 ? "y" : "ies"));
	return r;
}
