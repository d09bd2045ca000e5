/* Snapshot mode: the flight recorder of `remora create --snapshot` and
 * `remora record --snapshot-on-exit`. The sink's traces hold their newest
 * packets in memory (consumer_ring.c, sink_ring_push), nothing is written at
 * stop or when a tree ends, and rm_sink_snapshot writes what the rings
 * hold, as it is at that moment, as one CTF trace per process tree in a
 * new directory. The rings stay: recording goes on, and two snapshots may
 * share events (as LTTng's do).
 *
 * A tree that ends takes its connection, its reader and its catalog with
 * it, so its ring is kept here with copies of the events it needs
 * (struct snap_kept): a snapshot taken after the app exited still holds
 * its last events. The kept rings of a sink share one budget, the sink's
 * ring size; the oldest packets of the oldest ended tree go first. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl/consumer/consumer_ctx.h"
#include "ctl/consumer/consumer_evctx.h"
#include "ctl/consumer/consumer_int.h"

struct snap_kept {
	struct snap_kept *next;
	char comm[17];
	uint32_t pid;
	uint32_t clock;
	double tsc_hz;
	struct rm_clock_pair calib;
	uint32_t nev;
	struct rm_event_info *ev;  /* the selected events of the tree, by id */
	/* per-event contexts its snapshots declare (as at the tree's end) */
	uint32_t evmask;
	const char *evperf[RM_EVCTX_PERF_SLOTS];
	struct ring_pkt *head, *tail;
	size_t bytes;
	uint64_t records;
};

void rm_sink_set_snapshot(struct rm_sink *s, size_t ring_bytes)
{
	s->overwrite = true;
	s->snapshot = true;
	s->ring_max = ring_bytes;
}

bool rm_sink_is_snapshot(const struct rm_sink *s)
{
	return s->snapshot;
}

static void comm_of(char out[17], const char *comm)
{
	memcpy(out, comm, 16);
	out[16] = 0;
	for (char *p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-' || *p == '.'))
			*p = '_';
}

static void kept_free(struct snap_kept *kp)
{
	while (kp->head) {
		struct ring_pkt *r = kp->head;
		kp->head = r->next;
		free(r);
	}
	free(kp->ev);
	free(kp);
}

/* Drops the oldest packets of the oldest ended trees until the kept rings
 * fit `cap` (the newest tree's ring already fits it). */
static void kept_trim(struct rm_sink *s, size_t cap)
{
	while (s->kept_bytes > cap && s->kept && s->kept != s->kept_tail) {
		struct snap_kept *kp = s->kept;
		struct ring_pkt *r = kp->head;
		if (!r) {
			s->kept = kp->next;
			kept_free(kp);
			continue;
		}
		kp->head = r->next;
		kp->bytes -= r->size;
		kp->records -= r->p.nrecords;
		s->kept_bytes -= r->size;
		s->acc.overwritten += r->p.nrecords;
		free(r);
	}
}

void snap_keep(struct trace *t)
{
	struct rm_sink *s = t->s;
	struct conn *k = t->k;
	if (!t->head)
		return;
	/* the events the ring's records name, whatever the rules say now (a
	 * rule disabled since leaves its older records in the ring) */
	uint32_t max = k->a.event_max, n = 0;
	uint8_t *seen = calloc(max ? max : 1, 1);
	struct snap_kept *kp = calloc(1, sizeof(*kp));
	for (const struct ring_pkt *r = t->head; seen && r; r = r->next)
		for (size_t off = 0; off + sizeof(struct rm_record) <= r->p.len;) {
			const struct rm_record *rec = (const void *)(r->p.data + off);
			uint32_t id = RM_REC_ID(rec->word), asz = RM_ALIGN8(RM_REC_SIZE(rec->word));
			if (asz < sizeof(struct rm_record))
				break;
			if (id < max && !seen[id]) {
				seen[id] = 1;
				n++;
			}
			off += asz;
		}
	if (!seen || !kp || (n && !(kp->ev = calloc(n, sizeof(*kp->ev))))) {
		free(seen);
		free(kp);
		t->overwritten += t->ring_records; /* out of memory: dropped, said in stats */
		ring_free(t);
		return;
	}
	for (uint32_t id = 0; id < max && kp->nev < n; id++) {
		const struct rm_event_info *e;
		if (seen[id] && (e = rm_reader_event(k->r, id)))
			kp->ev[kp->nev++] = *e;
	}
	free(seen);
	comm_of(kp->comm, k->hello.comm);
	kp->evmask = evctx_trace_mask(k, s->contexts, kp->evperf);
	kp->pid = k->hello.pid;
	kp->clock = k->a.clock;
	if (kp->clock == RM_CLOCK_TSC) {
		kp->calib = rm_clock_pair_now();
		kp->tsc_hz = consumer_tsc_hz(s->c, kp->calib);
	}
	kp->head = t->head;
	kp->tail = t->tail;
	kp->bytes = t->ring_bytes;
	kp->records = t->ring_records;
	t->head = t->tail = NULL;
	t->ring_bytes = t->ring_records = 0;
	if (s->kept_tail)
		s->kept_tail->next = kp;
	else
		s->kept = kp;
	s->kept_tail = kp;
	s->kept_bytes += kp->bytes;
	kept_trim(s, s->ring_max ? s->ring_max : t->ring_max);
}

void snap_free_kept(struct rm_sink *s)
{
	while (s->kept) {
		struct snap_kept *kp = s->kept;
		s->kept = kp->next;
		kept_free(kp);
	}
	s->kept_tail = NULL;
	s->kept_bytes = 0;
}

void snap_stats(struct rm_sink *s, struct rm_sink_stats *out)
{
	for (struct snap_kept *kp = s->kept; kp; kp = kp->next)
		out->buffered += kp->records;
	out->snapshots = s->nsnap;
}

/* One ring to write: a live trace's, or a kept one's. */
struct snap_src {
	const char *comm;
	uint32_t pid, clock;
	double tsc_hz;
	struct rm_clock_pair calib;
	const struct ring_pkt *head;
	uint32_t event_max;
	const struct rm_event_info *(*event)(const void *ctx, uint32_t id);
	const void *ctx;
	struct rm_task_ns *ns; /* a live app's (NULL: a kept ring's, the tree ended) */
	/* the per-event contexts the snapshot declares: RM_EVCTX_* and the
	 * field name of each perf slot (consumer_evctx.c) */
	uint32_t evmask;
	const char *evperf[RM_EVCTX_PERF_SLOTS];
};

static const struct rm_event_info *live_event(const void *ctx, uint32_t id)
{
	const struct trace *t = ctx;
	return rm_reader_event(t->k->r, id);
}

static const struct rm_event_info *kept_event(const void *ctx, uint32_t id)
{
	const struct snap_kept *kp = ctx;
	for (uint32_t i = 0; i < kp->nev; i++)
		if (kp->ev[i].id == id)
			return &kp->ev[i];
	return NULL;
}

/* The records of r whose event the writer declared, into buf. */
static struct rm_packet select_records(struct ctf_writer *w, const struct snap_src *src,
				       uint8_t *st, const struct ring_pkt *r, unsigned char *buf,
				       struct rm_snapshot_result *out, const char *who)
{
	struct rm_packet q = r->p;
	q.nids = 0;
	q.nrecords = 0;
	q.corrupt = false;
	size_t len = 0;
	for (size_t off = 0; off + sizeof(struct rm_record) <= r->p.len;) {
		const struct rm_record *rec = (const void *)(r->p.data + off);
		uint32_t id = RM_REC_ID(rec->word), asz = RM_ALIGN8(RM_REC_SIZE(rec->word));
		if (asz < sizeof(struct rm_record) || off + asz > r->p.len)
			break; /* validated at drain time: cannot happen */
		off += asz;
		if (id >= src->event_max) {
			out->refused++;
			continue;
		}
		if (st[id] == 0) {
			char err[256];
			const struct rm_event_info *e = src->event(src->ctx, id);
			st[id] = e && ctf_writer_event_class(w, e, err, sizeof(err)) == 0 ? 1 : 2;
			if (st[id] == 2)
				fprintf(stderr, "%s: snapshot: event %u of pid %u refused: %s\n", who, id,
					src->pid, e ? err : "not in the catalog");
		}
		if (st[id] != 1) {
			out->refused++;
			continue;
		}
		if (q.nrecords++ == 0)
			q.ts_begin = rec->ts;
		q.ts_end = rec->ts;
		if (src->evmask || r->p.ctx_any) {
			/* the ring keeps each record's own contexts: to the
			 * layout this snapshot declares, 0 for what it lacks */
			len += evctx_rewrite(buf + len, rec, src->evmask);
		} else {
			memcpy(buf + len, rec, asz);
			len += asz;
		}
	}
	if (src->evmask || r->p.ctx_any)
		evctx_clear_words(buf, len); /* the metadata says the layout */
	q.data = buf;
	q.len = len;
	q.ctx_any = 0;
	return q;
}

static void write_src(struct rm_sink *s, const char *dir, const struct snap_src *src,
		      struct rm_snapshot_result *out)
{
	const char *who = s->c->who;
	char sub[PATH_MAX + 64], err[PATH_MAX + 128];
	struct timespec mono, real;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	struct ctf_trace_info info = {
		.hostname = s->c->hostname, .procname = src->comm, .clock = src->clock,
		.tsc_hz = src->tsc_hz, .calib = src->calib,
		.real_minus_mono_ns = (real.tv_sec - mono.tv_sec) * 1000000000ll +
				      (real.tv_nsec - mono.tv_nsec),
		.contexts = s->contexts, /* add-context (consumer_ctx.c) */
		.evctx = src->evmask,
	};
	memcpy(info.evctx_perf, src->evperf, sizeof(info.evctx_perf));
	struct ctf_writer *w = NULL;
	snprintf(err, sizeof(err), "no free trace directory name under %s", dir);
	for (int n = 0; n < 1000 && !w; n++) {
		if (n == 0)
			snprintf(sub, sizeof(sub), "%s/%s-%u", dir, src->comm, src->pid);
		else
			snprintf(sub, sizeof(sub), "%s/%s-%u.%d", dir, src->comm, src->pid, n);
		if (access(sub, F_OK) == 0)
			continue;
		w = ctf_writer_open(sub, &info, err, sizeof(err));
		break;
	}
	uint8_t *st = calloc(src->event_max ? src->event_max : 1, 1);
	size_t cap = 0;
	for (const struct ring_pkt *r = src->head; r; r = r->next)
		cap = r->p.len > cap ? r->p.len : cap;
	unsigned char *buf = malloc(cap ? evctx_grow_max(cap) : 8);
	if (!w || !st || !buf) {
		fprintf(stderr, "%s: snapshot of pid %u: %s\n", who, src->pid,
			w ? "out of memory" : err);
		out->write_errors++;
		ctf_writer_close(w, NULL, NULL, 0);
		free(st);
		free(buf);
		return;
	}
	out->traces++;
	for (const struct ring_pkt *r = src->head; r; r = r->next) {
		struct rm_packet q = select_records(w, src, st, r, buf, out, who);
		if (q.len == 0 && q.lost == 0)
			continue;
		struct ctf_packet_ctx pc = { 0 };
		if (s->contexts) {
			struct rm_task_ctx tc;
			rm_task_ctx(src->ns, q.pid, q.tid, src->comm, &tc);
			pc.vpid = tc.vpid;
			pc.vtid = tc.vtid;
			memcpy(pc.procname, tc.procname, sizeof(pc.procname));
		}
		if (ctf_writer_packet_ctx(w, &q, &pc, err, sizeof(err)) < 0) {
			if (out->write_errors++ == 0)
				fprintf(stderr, "%s: snapshot: %s\n", who, err);
			continue;
		}
		out->events += q.nrecords;
		out->discarded += q.lost;
	}
	if (ctf_writer_close(w, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: snapshot: %s\n", who, err);
		out->write_errors++;
	}
	free(st);
	free(buf);
}

static int mkdir_parents(const char *dir)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/* 1 when dir holds nothing but . and .., 0 when it holds something, -1
 * when it cannot be read. */
static int dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *e;
	int empty = 1;
	while (empty && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

/* The highest N of the OUT_DIR/snapshot-N-* already there, 0 for none. */
static uint32_t last_snapshot_number(const char *out_dir)
{
	DIR *d = opendir(out_dir);
	uint32_t max = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		unsigned n;
		int end = 0;
		if (sscanf(e->d_name, "snapshot-%u-%n", &n, &end) == 1 && end && n > max && n < 1u << 30)
			max = n;
	}
	closedir(d);
	return max;
}

/* The snapshot's directory: `dir` (absent or empty), or the next free
 * OUT_DIR/snapshot-N-YYYYmmdd-HHMMSS. Its path into out->path. */
static int make_dir(struct rm_sink *s, const char *dir, struct rm_snapshot_result *out,
		    char *err, size_t errlen)
{
	if (dir) {
		snprintf(out->path, sizeof(out->path), "%s", dir);
		if (mkdir_parents(dir) < 0 || (mkdir(dir, 0700) < 0 && errno != EEXIST)) {
			snprintf(err, errlen, "cannot create snapshot directory %s: %s", dir,
				 strerror(errno));
			return -1;
		}
		struct stat sb;
		if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen, "snapshot path %s is not a directory; give a new "
					      "directory with -o DIR", dir);
			return -1;
		}
		int e = dir_empty(dir);
		if (e < 0) {
			snprintf(err, errlen, "cannot read snapshot directory %s: %s", dir,
				 strerror(errno));
			return -1;
		}
		if (e == 0) {
			snprintf(err, errlen, "snapshot directory %s is not empty; give a new or "
					      "empty directory with -o DIR", dir);
			return -1;
		}
		if (access(dir, W_OK | X_OK) < 0) {
			snprintf(err, errlen, "snapshot directory %s is not writable: %s; give "
					      "another with -o DIR", dir, strerror(errno));
			return -1;
		}
		return 0;
	}
	char stamp[32];
	time_t now = time(NULL);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&now));
	char base[PATH_MAX + 2];
	snprintf(base, sizeof(base), "%s/", s->out_dir);
	if (mkdir_parents(base) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", s->out_dir, strerror(errno));
		return -1;
	}
	uint32_t first = s->nsnap + 1, taken = last_snapshot_number(s->out_dir);
	if (taken >= first)
		first = taken + 1; /* a restarted remorad numbers on */
	for (uint32_t n = first; n < first + 1000; n++) {
		if (snprintf(out->path, sizeof(out->path), "%.*s/snapshot-%u-%s",
			     (int)(sizeof(out->path) - 64), s->out_dir, n, stamp) < 0)
			return -1;
		if (mkdir(out->path, 0700) == 0) {
			s->nsnap = n - 1; /* snap_write counts this one */
			return 0;
		}
		if (errno != EEXIST) {
			snprintf(err, errlen, "cannot create snapshot directory %s: %s", out->path,
				 strerror(errno));
			return -1;
		}
	}
	snprintf(err, errlen, "no free snapshot directory name under %s", s->out_dir);
	return -1;
}

int snap_write(struct rm_sink *s, const char *dir, struct rm_snapshot_result *out, char *err,
	       size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!s->snapshot) {
		snprintf(err, errlen, "not in snapshot mode");
		return -1;
	}
	if (make_dir(s, dir, out, err, errlen) < 0)
		return -1;
	struct rm_sink_stats st;
	rm_sink_stats(s, &st);
	out->overwritten = st.overwritten;
	for (struct snap_kept *kp = s->kept; kp; kp = kp->next) {
		struct snap_src src = { kp->comm, kp->pid, kp->clock, kp->tsc_hz, kp->calib, kp->head,
					kp->nev ? kp->ev[kp->nev - 1].id + 1 : 0, kept_event, kp, NULL,
					kp->evmask, { 0 } };
		memcpy(src.evperf, kp->evperf, sizeof(src.evperf));
		if (kp->head)
			write_src(s, out->path, &src, out);
	}
	struct trace *t;
	struct cds_lfht_iter it;
	rcu_read_lock();
	EACH_TRACE(s->c, it, t) {
		if (t->s != s || !t->head)
			continue;
		char comm[17];
		comm_of(comm, t->k->hello.comm);
		struct snap_src src = { comm, t->k->hello.pid, t->k->a.clock, 0, { 0 }, t->head,
					t->k->a.event_max, live_event, t, &t->k->tns, 0, { 0 } };
		src.evmask = evctx_trace_mask(t->k, s->contexts, src.evperf);
		if (src.clock == RM_CLOCK_TSC) {
			src.calib = rm_clock_pair_now();
			src.tsc_hz = consumer_tsc_hz(s->c, src.calib);
		}
		write_src(s, out->path, &src, out);
	}
	rcu_read_unlock();
	s->nsnap++;
	return 0;
}
