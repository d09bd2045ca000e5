/* The shipper's hook on the consumer's thread (ship_sender_int.h): it
 * only notes, under the mutex, which trace files exist and how far each
 * is final, wakes the sender and returns, so the consumer never waits on
 * the network. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ship/ship_sender_int.h"

void ship_path_token(char *dst, size_t size, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < size; i++) {
		char ch = src[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || (ch == '.' && i);
		dst[i] = ok ? ch : '_';
	}
	dst[i] = 0;
	if (!i && size > 1)
		snprintf(dst, size, "_");
}

static void *hook_opened(void *ctx, const char *dir)
{
	struct rm_ship *sh = ctx;
	struct strace *t = calloc(1, sizeof(*t));
	if (!t) {
		fprintf(stderr, "%s: ship: out of memory: %s will not be shipped\n", sh->who, dir);
		return NULL;
	}
	snprintf(t->dir, sizeof(t->dir), "%s", dir);
	size_t rl = strlen(sh->root);
	const char *slash = strrchr(dir, '/');
	const char *rel = rl && !strncmp(dir, sh->root, rl) && dir[rl] == '/' && dir[rl + 1]
				  ? dir + rl + 1 : slash ? slash + 1 : dir;
	/* each component a path token: no "..", no hidden name */
	size_t n = 0;
	for (const char *c = rel; *c && n + 2 < sizeof(t->name);) {
		size_t len = strcspn(c, "/");
		char comp[256];
		snprintf(comp, sizeof(comp), "%.*s", (int)(len < 255 ? len : 255), c);
		ship_path_token(t->name + n, sizeof(t->name) - n, comp);
		n = strlen(t->name);
		c += len;
		while (*c == '/')
			c++;
		if (*c && n + 2 < sizeof(t->name))
			t->name[n++] = '/', t->name[n] = 0;
	}
	t->meta.t = t;
	t->meta.stream = META_STREAM;
	t->meta.fd = -1;
	t->meta_due = true;
	pthread_mutex_lock(&sh->mu);
	t->next = sh->traces;
	sh->traces = t;
	pthread_cond_signal(&sh->cv);
	pthread_mutex_unlock(&sh->mu);
	return t;
}

static void hook_written(void *ctx, void *trace, unsigned stream, uint64_t size)
{
	struct rm_ship *sh = ctx;
	struct strace *t = trace;
	pthread_mutex_lock(&sh->mu);
	if (stream >= t->nstreams) {
		unsigned n = stream + 8;
		struct sfile **v = realloc(t->streams, n * sizeof(*v));
		if (!v)
			goto out;
		memset(v + t->nstreams, 0, (n - t->nstreams) * sizeof(*v));
		t->streams = v;
		t->nstreams = n;
	}
	struct sfile *f = t->streams[stream];
	if (!f && (f = t->streams[stream] = calloc(1, sizeof(*f)))) {
		f->t = t;
		f->stream = stream;
		f->fd = -1;
	}
	if (f && size > f->final)
		f->final = size;
	t->meta_due = true;
	pthread_cond_signal(&sh->cv);
out:
	pthread_mutex_unlock(&sh->mu);
}

static void hook_closed(void *ctx, void *trace)
{
	struct rm_ship *sh = ctx;
	struct strace *t = trace;
	pthread_mutex_lock(&sh->mu);
	t->closed = true;
	t->meta_due = true;
	t->meta_checked_ms = 0;
	pthread_cond_signal(&sh->cv);
	pthread_mutex_unlock(&sh->mu);
}

const struct rm_sink_hook rm_ship_hook = {
	.opened = hook_opened, .written = hook_written, .closed = hook_closed,
};

