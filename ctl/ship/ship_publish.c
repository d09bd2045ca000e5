/* The sender's messages: which final bytes get one of the SHIP_WINDOW
 * slots (plan), a slot's bytes read back from its file into a message
 * with the headers and the message id a collector and JetStream's
 * de-duplication go by (build), and the asynchronous publish of the
 * ready slots (publish_ready). Apart from ship_sender.c, the thread's
 * loop, its connection and the owner's calls, because this is what a
 * message holds and how it goes out: the loop only says when. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/ship/ship_sender_int.h"

static struct slot *free_slot(struct rm_ship *sh)
{
	for (int i = 0; i < SHIP_WINDOW; i++)
		if (sh->slots[i].state == SLOT_FREE)
			return &sh->slots[i];
	return NULL;
}

/* Under mu: the metadata file's current version, when it differs from the
 * one last given a slot. */
static void look_at_metadata(struct rm_ship *sh, struct strace *t, uint64_t now)
{
	if (!t->meta_due || t->meta.meta_busy || (!t->closed && now - t->meta_checked_ms < META_CHECK_MS))
		return;
	struct slot *s = free_slot(sh);
	if (!s)
		return;
	t->meta_checked_ms = now;
	t->meta_due = false;
	char path[PATH_MAX + 16];
	struct stat st;
	snprintf(path, sizeof(path), "%s/metadata", t->dir);
	if (stat(path, &st) < 0)
		return;
	int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if ((uint64_t)st.st_size == t->meta.meta_size && mt == t->meta.meta_mtime_ns)
		return;
	t->meta.meta_busy = true;
	*s = (struct slot){ .state = SLOT_READY, .f = &t->meta };
}

/* Under mu: gives free slots to what is final and not yet sent, and
 * failed ones whose time has come back to publishing. Returns how many
 * slots are ready. */
int plan(struct rm_ship *sh, uint64_t now)
{
	int ready = 0;
	for (int i = 0; i < SHIP_WINDOW; i++) {
		struct slot *s = &sh->slots[i];
		if (s->state == SLOT_FAILED && now >= s->at_ms) {
			s->state = SLOT_READY;
			s->resend = true;
		}
	}
	for (struct strace *t = sh->traces; t; t = t->next) {
		for (unsigned n = 0; n < t->nstreams; n++) {
			struct sfile *f = t->streams[n];
			struct slot *s;
			while (f && f->final > f->sent && (s = free_slot(sh))) {
				uint64_t len = f->final - f->sent;
				*s = (struct slot){ .state = SLOT_READY, .f = f, .off = f->sent,
						    .len = (uint32_t)(len < SHIP_CHUNK_MAX ? len : SHIP_CHUNK_MAX) };
				f->sent += s->len;
			}
		}
		look_at_metadata(sh, t, now);
	}
	for (int i = 0; i < SHIP_WINDOW; i++)
		ready += sh->slots[i].state == SLOT_READY;
	return ready;
}

static int open_file(struct sfile *f)
{
	if (f->fd >= 0)
		return f->fd;
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/stream_%u", f->t->dir, f->stream);
	return f->fd = open(path, O_RDONLY | O_CLOEXEC);
}

/* Reads a slot's bytes back from its file into a new message. The
 * metadata is read whole through one fd: the writer replaces it with a
 * rename, so this is one consistent version. */
static natsMsg *build(struct rm_ship *sh, struct slot *s, char *err, size_t errlen)
{
	struct sfile *f = s->f;
	struct strace *t = f->t;
	char file[32], id[1024], off[24];
	unsigned char *buf = NULL;
	ssize_t got = -1;
	if (f->stream == META_STREAM) {
		char path[PATH_MAX + 16];
		snprintf(path, sizeof(path), "%s/metadata", t->dir);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size <= SHIP_CHUNK_MAX &&
		    (buf = malloc((size_t)st.st_size + 1)))
			got = pread(fd, buf, (size_t)st.st_size, 0);
		if (got == (ssize_t)st.st_size) {
			s->len = (uint32_t)got;
			s->off = 0;
			f->meta_size = (uint64_t)st.st_size;
			f->meta_mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		} else {
			snprintf(err, errlen, "cannot read %s (%s)", path,
				 fd >= 0 && st.st_size > SHIP_CHUNK_MAX ? "larger than a message"
									 : strerror(errno));
			got = -1;
		}
		if (fd >= 0)
			close(fd);
		snprintf(file, sizeof(file), "metadata");
		snprintf(id, sizeof(id), "%s/%s/%s/metadata/%llu.%lld", sh->host, sh->session,
			 t->name, (unsigned long long)f->meta_size, (long long)f->meta_mtime_ns);
	} else {
		int fd = open_file(f);
		if (fd >= 0 && (buf = malloc(s->len ? s->len : 1)))
			got = pread(fd, buf, s->len, (off_t)s->off);
		if (got != (ssize_t)s->len) {
			snprintf(err, errlen, "cannot read %u bytes at %llu of %s/stream_%u (%s)",
				 s->len, (unsigned long long)s->off, t->dir, f->stream,
				 got < 0 ? strerror(errno) : "short read");
			got = -1;
		}
		snprintf(file, sizeof(file), "stream_%u", f->stream);
		snprintf(id, sizeof(id), "%s/%s/%s/%s/%llu", sh->host, sh->session, t->name, file,
			 (unsigned long long)s->off);
	}
	natsMsg *m = NULL;
	if (got >= 0 && natsMsg_Create(&m, sh->pub_subject, NULL, (const char *)buf, (int)got) != NATS_OK)
		m = NULL;
	free(buf);
	if (!m)
		return NULL;
	snprintf(off, sizeof(off), "%llu", (unsigned long long)s->off);
	natsMsgHeader_Set(m, SHIP_H_HOST, sh->host);
	natsMsgHeader_Set(m, SHIP_H_SESSION, sh->session);
	natsMsgHeader_Set(m, SHIP_H_TRACE, t->name);
	natsMsgHeader_Set(m, SHIP_H_FILE, file);
	natsMsgHeader_Set(m, SHIP_H_OFFSET, off);
	natsMsgHeader_Set(m, "Nats-Msg-Id", id);
	/* what the headers and the PUB line cost on the wire, roughly: the
	 * header block, the subject twice (subject and reply inbox) */
	s->hdr = (uint32_t)(12 + 2 + strlen(SHIP_H_HOST) + strlen(sh->host) + 4 +
			    strlen(SHIP_H_SESSION) + strlen(sh->session) + 4 + strlen(SHIP_H_TRACE) +
			    strlen(t->name) + 4 + strlen(SHIP_H_FILE) + strlen(file) + 4 +
			    strlen(SHIP_H_OFFSET) + strlen(off) + 4 + 11 + strlen(id) + 4 +
			    strlen(sh->pub_subject) + 40 + 24);
	return m;
}

/* Publishes the ready slots (mu not held: a publish may take the
 * library's locks, which its acknowledgment thread holds while it calls
 * on_ack, which takes mu). */
void publish_ready(struct rm_ship *sh)
{
	char err[PATH_MAX + 128];
	for (int i = 0; i < SHIP_WINDOW; i++) {
		pthread_mutex_lock(&sh->mu);
		struct slot *s = &sh->slots[i];
		bool go = s->state == SLOT_READY;
		pthread_mutex_unlock(&sh->mu);
		if (!go)
			continue;
		natsMsg *m = build(sh, s, err, sizeof(err));
		pthread_mutex_lock(&sh->mu);
		if (!m) {
			fprintf(stderr, "%s: ship: %s; that part of the trace is not shipped\n",
				sh->who, err);
			if (s->f->stream == META_STREAM)
				s->f->meta_busy = false;
			s->state = SLOT_FREE;
			pthread_mutex_unlock(&sh->mu);
			continue;
		}
		if (s->resend)
			sh->st.resent++;
		s->resend = false;
		s->msg = m;
		s->state = SLOT_INFLIGHT;
		s->at_ms = now_ms();
		sh->published = true;
		pthread_mutex_unlock(&sh->mu);
		jsPubOptions po;
		jsPubOptions_Init(&po);
		po.MaxWait = ACK_WAIT_MS;
		natsStatus r = js_PublishMsgAsync(sh->js, &m, &po);
		if (r != NATS_OK) {
			pthread_mutex_lock(&sh->mu);
			if (s->msg == m) {
				s->msg = NULL;
				s->state = SLOT_FAILED;
				s->at_ms = now_ms() + RETRY_MS;
			}
			pthread_mutex_unlock(&sh->mu);
			natsMsg_Destroy(m);
		}
	}
}
