/* The consumer path at full speed: arena -> reader -> sink -> CTF files.
 *
 * In one process: a consumer (ctl/consumer.c, as `remora record` runs it)
 * listens on a private socket; the benchmark plays the helper (HELLO with
 * the arena memfd over SCM_RIGHTS) and the producer (rm_reserve/rm_commit
 * of two-int records, u64 + u32, 32 bytes each, from the main thread).
 * Each cycle fills most of the arena (untimed), then one rm_consumer_poll
 * drains it (timed): validation, the sink's selection, the CTF writer and
 * its pwritev to the trace directory. Records/s and MB/s (arena bytes) are
 * over the timed drains only; median and min-max over --reps.
 *
 *   bench_consumer [--reps N] [--records N] [--out DIR] [--tsc] [--keep] [--ship URL]
 *   bench_consumer --callgrind N      one repetition of N records, for
 *       valgrind --tool=callgrind --collect-atstart=no
 *                --toggle-collect=timed_drain  (Ir per record)
 *
 * --ship URL: the trace is also shipped to NATS JetStream (ctl/ship/, as
 * `remora record --ship` does); the drains still time the consumer thread,
 * "process CPU" adds the shipping thread and libnats, and the bytes per
 * event on the wire and the time until the last acknowledgment are shown
 * (bench/ship.sh runs both, with its own nats-server).
 *
 * The trace goes under --out (default /dev/shm: tmpfs, so the figure is
 * the consumer's, not the disk's) and is removed unless --keep. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl/consumer/consumer.h"
#include "ctl/ship/ship.h"
#include "helper/proto.h"
#include "shm/arena.h"
#include "shm/catalog_write.h"
#include "shm/producer.h"

#define REC_BYTES 32u /* 16 header + 12 payload, 8-aligned */

static struct rm_writer tw;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* CPU time of this thread (user + system): steadier than wall time on a
 * machine that other jobs share. */
static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint64_t fill(struct rm_arena *a, uint32_t id, uint64_t n, uint64_t base)
{
	uint64_t ok = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct rm_wr wr;
		unsigned char *p = rm_reserve(a, &tw, &wr, id, 12);
		if (!p)
			continue;
		uint64_t x = base + i;
		uint32_t c = (uint32_t)x;
		memcpy(p, &x, 8);
		memcpy(p + 8, &c, 4);
		rm_commit(&wr);
		ok++;
	}
	return ok;
}

__attribute__((noinline)) static void timed_drain(struct rm_consumer *c)
{
	if (rm_consumer_poll(c, 0)) {
		fprintf(stderr, "rm_consumer_poll failed\n");
		exit(1);
	}
}

static uint64_t dir_bytes(const char *dir)
{
	uint64_t sum = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char p[4096];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &st))
			continue;
		sum += S_ISDIR(st.st_mode) ? dir_bytes(p) : (uint64_t)st.st_size;
	}
	closedir(d);
	return sum;
}

static void rm_rf(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", dir);
}

struct rep {
	double secs;       /* in timed drains */
	double cpu;        /* CPU seconds in timed drains */
	uint64_t records;  /* written by the producer */
	uint64_t events;   /* in the trace, per the consumer's summary */
	uint64_t lost;
	uint64_t bytes;    /* trace files */
	double pcpu, tcpu; /* --ship: CPU seconds of the process, of this thread */
	double wire;       /* --ship: bytes on the wire (payload + headers) */
	double ship_secs;  /* --ship: from the start to the last acknowledgment */
};

static void send_hello(int s, int fd)
{
	struct rm_msg_hello m = { .h = { RM_PROTO_MAGIC, RM_PROTO_VERSION, RM_MSG_HELLO,
					 sizeof(m), 0 } };
	m.pid = (uint32_t)getpid();
	m.ppid = (uint32_t)getppid();
	m.uid = (uint32_t)getuid();
	m.gid = (uint32_t)getgid();
	m.helper_pid = m.pid;
	strcpy(m.comm, "bench");
	strcpy(m.exe, "bench_consumer");
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(s, &mh, 0) != (ssize_t)sizeof(m)) {
		perror("sendmsg HELLO");
		exit(1);
	}
}

static const char *ship_url;

static double proc_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static struct rm_ship *ship_begin(int rep)
{
	if (!ship_url)
		return NULL;
	char session[32], err[512];
	snprintf(session, sizeof(session), "bench-%d-rep-%d", (int)getpid(), rep + 1);
	struct ship_opts so = { .urls = ship_url, .session = session, .who = "bench" };
	struct rm_ship *sh = rm_ship_new(&so, err, sizeof(err));
	if (!sh || rm_ship_start(sh, err, sizeof(err))) {
		fprintf(stderr, "ship: %s\n", err);
		exit(1);
	}
	return sh;
}

static void ship_end(struct rm_ship *sh, struct rep *r, double t_start)
{
	if (!sh)
		return;
	struct ship_stats st;
	if (rm_ship_finish(sh, 120000, &st)) {
		fprintf(stderr, "ship: %llu bytes not acknowledged\n", (unsigned long long)st.unacked_bytes);
		exit(1);
	}
	r->wire = (double)(st.bytes + st.header_bytes);
	r->ship_secs = (now_ns() - t_start) / 1e9;
}

static struct rep run_one(const char *out, int rep, uint64_t n, uint32_t clock, bool keep)
{
	char sock[108], dir[4096];
	snprintf(sock, sizeof(sock), "/tmp/remora-bench-consumer-%d.sock", (int)getpid());
	snprintf(dir, sizeof(dir), "%s/rep-%d", out, rep);
	struct rm_ship *sh = ship_begin(rep);
	double t_start = now_ns(), p_start = proc_cpu_ns(), th_start = cpu_ns();
	struct rm_consumer_opts o = { .socket_path = sock, .out_dir = dir, .log_prefix = "bench",
				      .hook = sh ? &rm_ship_hook : NULL, .hook_ctx = sh };
	char err[512];
	struct rm_consumer *c = rm_consumer_new(&o, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "consumer: %s\n", err);
		exit(1);
	}
	struct rm_params p;
	rm_params_default(&p);
	p.clock = clock;
	/* 16 MiB of 64 KiB chunks: a flat-out producer's class, and the
	 * arithmetic of `cycle` below */
	p.chunk_count = 256;
	p.small_count = 0;
	struct rm_arena a;
	memset(&tw, 0, sizeof(tw));
	if (rm_arena_create(&p, "remora-bench", &a) || rm_arena_producer_init(&a)) {
		fprintf(stderr, "arena create failed\n");
		exit(1);
	}
	static const char *const names[] = { "a", "b" };
	static const uint8_t types[] = { RM_T_U64, RM_T_U32 };
	struct rm_event_decl d = { "bench", "rec", 2, names, types };
	uint32_t id = (uint32_t)rm_catalog_add(&a, &d);
	a.enable[id] = 1;

	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect");
		exit(1);
	}
	rm_consumer_poll(c, 0); /* accept */
	send_hello(s, a.fd);
	for (int i = 0; i < 100; i++) { /* attach, open the trace, ACK */
		rm_consumer_poll(c, 10);
		struct rm_msg_ack ack;
		if (recv(s, &ack, sizeof(ack), MSG_DONTWAIT) == (ssize_t)sizeof(ack))
			break;
	}

	/* fill all but a few chunks per cycle: nothing is dropped */
	uint64_t per_chunk = a.chunk_size / REC_BYTES;
	uint64_t cycle = per_chunk * (a.chunk_count - 8);
	struct rep r = { 0 };
	while (r.records < n) {
		uint64_t want = n - r.records < cycle ? n - r.records : cycle;
		uint64_t ok = fill(&a, id, want, r.records);
		if (ok != want)
			fprintf(stderr, "warning: %lu of %lu records dropped by the producer\n",
				(unsigned long)(want - ok), (unsigned long)want);
		r.records += want;
		double t0 = now_ns(), c0 = cpu_ns();
		timed_drain(c);
		r.secs += (now_ns() - t0) / 1e9;
		r.cpu += (cpu_ns() - c0) / 1e9;
	}
	/* the producer (this thread) lives on: its last chunk is read where
	 * it stands, then the final drain of finish() takes the rest */
	double t0 = now_ns(), c0 = cpu_ns();
	timed_drain(c);
	r.secs += (now_ns() - t0) / 1e9;
	r.cpu += (cpu_ns() - c0) / 1e9;

	struct rm_msg_hdr gone = { RM_PROTO_MAGIC, RM_PROTO_VERSION, RM_MSG_GONE, sizeof(gone), 0 };
	send(s, &gone, sizeof(gone), 0);
	struct rm_consumer_summary sum;
	rm_consumer_finish(c, &sum);
	close(s);
	ship_end(sh, &r, t_start);
	r.pcpu = (proc_cpu_ns() - p_start) / 1e9;
	r.tcpu = (cpu_ns() - th_start) / 1e9;
	r.events = sum.events;
	r.lost = sum.lost;
	r.bytes = dir_bytes(dir);
	rm_arena_unmap(&a);
	close(a.fd);
	if (!keep)
		rm_rf(dir);
	return r;
}

static int cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static void show(const char *what, double *v, int n, const char *unit)
{
	qsort(v, n, sizeof(*v), cmp_d);
	double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	printf("  %-22s %9.1f %s  (min %.1f, max %.1f)\n", what, med, unit, v[0], v[n - 1]);
}

static void clocksource(char *buf, size_t len)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	snprintf(buf, len, "unknown");
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	int reps = 7;
	uint64_t n = 10000000, cg = 0;
	const char *out = NULL;
	uint32_t clock = RM_CLOCK_MONOTONIC;
	bool keep = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--records") && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--callgrind") && i + 1 < argc)
			cg = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--tsc"))
			clock = RM_CLOCK_TSC;
		else if (!strcmp(argv[i], "--keep"))
			keep = true;
		else if (!strcmp(argv[i], "--ship") && i + 1 < argc)
			ship_url = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--reps N] [--records N] [--out DIR] [--tsc] "
					"[--keep] [--callgrind N] [--ship URL]\n", argv[0]);
			return 2;
		}
	}
	char outbuf[256];
	if (!out) {
		snprintf(outbuf, sizeof(outbuf), "/dev/shm/remora-bench-consumer-%d", (int)getpid());
		out = outbuf;
	}
	if (cg) {
		struct rep r = run_one(out, 0, cg, clock, keep);
		printf("callgrind mode: %lu records drained (%lu in the trace)\n",
		       (unsigned long)r.records, (unsigned long)r.events);
		if (!keep)
			rmdir(out);
		return r.events == r.records ? 0 : 1;
	}
	if (reps < 1 || reps > 1000 || n < 1000) {
		fprintf(stderr, "bad --reps or --records\n");
		return 2;
	}
	char cs[64];
	clocksource(cs, sizeof(cs));
	printf("consumer path (reader -> sink -> CTF writer) into %s\n", out);
	printf("%lu two-int records (u64 + u32, %u bytes each) per repetition, %d repetitions, "
	       "clock %s, clocksource %s\n", (unsigned long)n, REC_BYTES, reps,
	       clock == RM_CLOCK_TSC ? "TSC" : "MONOTONIC", cs);
	double *rps = calloc(reps, sizeof(double)), *mbs = calloc(reps, sizeof(double)),
	       *tbs = calloc(reps, sizeof(double)), *cps = calloc(reps, sizeof(double));
	double *wpe = calloc(reps, sizeof(double)), *sns = calloc(reps, sizeof(double)),
	       *srs = calloc(reps, sizeof(double));
	run_one(out, -1, n < 2000000 ? n : 2000000, clock, false); /* warm-up */
	int bad = 0;
	for (int i = 0; i < reps; i++) {
		struct rep r = run_one(out, i, n, clock, keep);
		if (r.events != r.records || r.lost) {
			fprintf(stderr, "rep %d: %lu records written, %lu in the trace, %lu lost\n", i,
				(unsigned long)r.records, (unsigned long)r.events, (unsigned long)r.lost);
			bad = 1;
		}
		rps[i] = r.records / r.secs / 1e6;
		mbs[i] = r.records * (double)REC_BYTES / r.secs / 1e6;
		tbs[i] = r.bytes / r.secs / 1e6;
		cps[i] = r.records / r.cpu / 1e6;
		wpe[i] = r.wire / r.records;
		sns[i] = (r.pcpu - r.tcpu) * 1e9 / r.records;
		srs[i] = r.records / r.ship_secs / 1e6;
	}
	show("records/s", rps, reps, "M");
	show("arena bytes/s", mbs, reps, "MB/s");
	show("trace file bytes/s", tbs, reps, "MB/s");
	show("records/CPU-s", cps, reps, "M");
	if (ship_url) {
		show("wire bytes/record", wpe, reps, "B");
		show("shipping CPU/record", sns, reps, "ns");
		show("shipped+acked rec/s", srs, reps, "M");
	}
	free(wpe);
	free(sns);
	free(srs);
	if (!keep)
		rmdir(out);
	free(rps);
	free(mbs);
	free(tbs);
	free(cps);
	return bad;
}
