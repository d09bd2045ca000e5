/* export_gen OUT slices | tie | tieslot | big N: test traces for `remora export` and
 * `remora stats`, written with the real CTF writer (ctl/ctf/ctf_writer.h).
 *
 *  slices   OUT/s: pids 100 and 200, two threads each; on every thread, in
 *           this order: op_begin, func_entry, op_begin, queue_counter,
 *           op_end, func_exit, note (hostile strings and bytes), stray_end
 *           (an end with no begin), op_end; the thread 100/101 loses 5
 *           events before its second packet.
 *  tie      OUT/t: thread 1/2's second packet lands in a lower-numbered
 *           stream file than its first (the writer's lanes), and the end
 *           that starts it has the same time as the begin that ends the
 *           first: the merge must not put the end first. Every packet
 *           says slot 0 (as from no arena), so the writer cannot tell the
 *           thread's contexts apart and the tie stays for readers to order.
 *  tieslot  OUT/ta, OUT/tb: the same packets with each thread in its own
 *           slot (as the consumer writes them), so the writer keeps 1/2's
 *           second packet out of a lower-numbered stream (ctl/ctf/
 *           ctf_ctx_lane.h): in its first packet's stream_1 (ta), or in a
 *           new stream_2 when 1/4's packet [500..700] took stream_1 after
 *           it (tb). babeltrace2 then shows begin, begin, end, end too.
 *  big N    OUT/big: N events on 4 threads of 2 processes (~1000 per
 *           packet): op_begin, note, queue_counter, op_end in turn (N is
 *           rounded down to a multiple of 4). For bench/export.sh. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl/ctf/ctf_writer.h"

#define PKT_MAX (256u << 10)

struct pkt {
	unsigned char *buf;
	size_t len;
	uint32_t n;
	uint64_t first, last;
};

struct pay {
	unsigned char b[1024];
	size_t n;
};

static void put(struct pay *p, const void *v, size_t n)
{
	if (p->n + n > sizeof(p->b))
		abort();
	memcpy(p->b + p->n, v, n);
	p->n += n;
}
#define PUT(p, T, v)                                                                         \
	do {                                                                                 \
		T put_v_ = (v);                                                              \
		put((p), &put_v_, sizeof(put_v_));                                           \
	} while (0)

static void put_str(struct pay *p, const char *s)
{
	put(p, s, strlen(s) + 1);
}

static void add(struct pkt *k, uint32_t id, uint64_t ts, const struct pay *p)
{
	size_t plen = p ? p->n : 0, off = RM_ALIGN8(k->len);
	uint64_t word = (RM_RECORD_HDR + plen) | (uint64_t)id << 32;
	if (off + RM_RECORD_HDR + plen > PKT_MAX)
		abort();
	memset(k->buf + k->len, 0, off - k->len);
	memcpy(k->buf + off, &word, 8);
	memcpy(k->buf + off + 8, &ts, 8);
	if (plen)
		memcpy(k->buf + off + 16, p->b, plen);
	k->len = off + RM_RECORD_HDR + plen;
	if (!k->n++)
		k->first = ts;
	k->last = ts;
}

static struct rm_event_info ev(uint32_t id, const char *name, int nf, ...)
{
	struct rm_event_info e;
	va_list ap;
	memset(&e, 0, sizeof(e));
	e.valid = true;
	e.id = id;
	e.nfields = (uint32_t)nf;
	snprintf(e.provider, sizeof(e.provider), "app");
	snprintf(e.name, sizeof(e.name), "%s", name);
	va_start(ap, nf);
	for (int i = 0; i < nf; i++) {
		snprintf(e.fields[i].name, sizeof(e.fields[i].name), "%s", va_arg(ap, const char *));
		e.fields[i].type = (uint8_t)va_arg(ap, int);
	}
	va_end(ap);
	return e;
}

static struct ctf_writer *w;
static char err[256];

static void die(void)
{
	fprintf(stderr, "export_gen: %s\n", err);
	exit(1);
}

static int slot_per_thread; /* tieslot: slot = tid, else every packet in slot 0 */

static void flush(struct pkt *k, uint32_t pid, uint32_t tid, uint64_t lost)
{
	struct rm_packet p = { .pid = pid, .tid = tid, .lost = lost, .nrecords = k->n,
			       .slot = slot_per_thread ? tid : 0,
			       .ts_begin = k->first, .ts_end = k->last, .data = k->buf,
			       .len = k->len };
	if (ctf_writer_packet(w, &p, err, sizeof(err)))
		die();
	k->len = k->n = 0;
}

enum { OP_BEGIN, OP_END, FUNC_ENTRY, FUNC_EXIT, QUEUE_COUNTER, NOTE, STRAY_END };

static void open_trace(const char *dir)
{
	struct ctf_trace_info info = { .hostname = "testhost", .procname = "export_gen",
				       .clock = RM_CLOCK_MONOTONIC,
				       .real_minus_mono_ns = 1700000000LL * 1000000000LL };
	if (!(w = ctf_writer_open(dir, &info, err, sizeof(err))))
		die();
	const struct rm_event_info cls[] = {
		ev(OP_BEGIN, "op_begin", 2, "depth", RM_T_U32, "what", RM_T_STRING),
		ev(OP_END, "op_end", 1, "depth", RM_T_U32),
		ev(FUNC_ENTRY, "func_entry", 1, "addr", RM_T_U64),
		ev(FUNC_EXIT, "func_exit", 1, "addr", RM_T_U64),
		ev(QUEUE_COUNTER, "queue_counter", 4, "value", RM_T_U32, "load", RM_T_F64, "note",
		   RM_T_STRING, "delta", RM_T_S16),
		ev(NOTE, "note", 3, "text", RM_T_STRING, "raw", RM_T_BYTES, "ok", RM_T_BOOL),
		ev(STRAY_END, "stray_end", 1, "x", RM_T_U32),
	};
	for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++)
		if (ctf_writer_event_class(w, &cls[i], err, sizeof(err)))
			die();
}

static void close_trace(void)
{
	if (ctf_writer_close(w, NULL, err, sizeof(err)))
		die();
}

static void op_begin(struct pkt *k, uint64_t ts, uint32_t depth, const char *what)
{
	struct pay p = { .n = 0 };
	PUT(&p, uint32_t, depth);
	put_str(&p, what);
	add(k, OP_BEGIN, ts, &p);
}

static void u32_event(struct pkt *k, uint32_t id, uint64_t ts, uint32_t v)
{
	struct pay p = { .n = 0 };
	PUT(&p, uint32_t, v);
	add(k, id, ts, &p);
}

static void u64_event(struct pkt *k, uint32_t id, uint64_t ts, uint64_t v)
{
	struct pay p = { .n = 0 };
	PUT(&p, uint64_t, v);
	add(k, id, ts, &p);
}

static void counter(struct pkt *k, uint64_t ts, uint32_t v, double load, int16_t delta)
{
	struct pay p = { .n = 0 };
	PUT(&p, uint32_t, v);
	PUT(&p, double, load);
	put_str(&p, "n/a");
	PUT(&p, int16_t, delta);
	add(k, QUEUE_COUNTER, ts, &p);
}

static void note(struct pkt *k, uint64_t ts, const char *text, const void *raw, uint32_t n)
{
	struct pay p = { .n = 0 };
	put_str(&p, text);
	PUT(&p, uint32_t, n);
	if (n)
		put(&p, raw, n);
	PUT(&p, uint8_t, 1);
	add(k, NOTE, ts, &p);
}

/* The strings tests/export/check_export.py expects, in this order. */
static const char *const hostile[] = {
	"plain", "esc\x1b[31m bell\x07", "nl\nq\"b\\s\tt\rr", "bad\xff\xfe end\xe2\x82",
	"caf\xc3\xa9 \xe2\x82\xac", "sep\xe2\x80\xa8 del\x7f c1\xc2\x9b",
};

static void slices(const char *out)
{
	char *dir;
	if (asprintf(&dir, "%s/s", out) < 0)
		exit(1);
	open_trace(dir);
	free(dir);
	struct pkt k = { .buf = calloc(1, PKT_MAX) };
	const uint32_t thr[4][2] = { { 100, 101 }, { 100, 102 }, { 200, 201 }, { 200, 202 } };
	for (int i = 0; i < 4; i++) {
		uint64_t t = 1000000 + (uint64_t)i * 10; /* the threads interleave */
		uint32_t pid = thr[i][0], tid = thr[i][1];
		op_begin(&k, t, 1, "outer");
		u64_event(&k, FUNC_ENTRY, t + 100, 0x401000 + (uint64_t)i);
		op_begin(&k, t + 200, 2, "inner");
		counter(&k, t + 300, 3 + (uint32_t)i, 0.5, (int16_t)-i);
		u32_event(&k, OP_END, t + 400, 2);
		flush(&k, pid, tid, 0);
		u64_event(&k, FUNC_EXIT, t + 500, 0x401000 + (uint64_t)i);
		note(&k, t + 600, hostile[i + 1 < 6 ? i + 1 : 0], "\x00\x1b\xff", 3);
		if (i == 0)
			note(&k, t + 650, hostile[5], "", 0);
		u32_event(&k, STRAY_END, t + 700, 7);
		u32_event(&k, OP_END, t + 800, 1);
		flush(&k, pid, tid, i == 0 ? 5 : 0);
	}
	free(k.buf);
	close_trace();
}

/* tie_into(out, "t", 0): the packets of `tie`; with_q: 1/4's [500..700]
 * comes right after 1/2's first packet (tieslot's tb). */
static void tie_into(const char *out, const char *name, int with_q)
{
	char *dir;
	if (asprintf(&dir, "%s/%s", out, name) < 0)
		exit(1);
	open_trace(dir);
	free(dir);
	struct pkt k = { .buf = calloc(1, PKT_MAX) };
	u32_event(&k, STRAY_END, 10, 1);     /* 1/3 [10..400] -> stream_0 */
	u32_event(&k, STRAY_END, 400, 2);
	flush(&k, 1, 3, 0);
	op_begin(&k, 5, 1, "outer");         /* 1/2 [5..500] -> stream_1 */
	op_begin(&k, 500, 2, "inner");
	flush(&k, 1, 2, 0);
	if (with_q) {
		u32_event(&k, STRAY_END, 500, 5); /* 1/4 [500..700] -> stream_1 */
		u32_event(&k, STRAY_END, 700, 6);
		flush(&k, 1, 4, 0);
	}
	u32_event(&k, STRAY_END, 450, 3);    /* 1/3 [450..500] -> stream_0 */
	u32_event(&k, STRAY_END, 500, 4);
	flush(&k, 1, 3, 0);
	u32_event(&k, OP_END, 500, 2);       /* 1/2 [500..600] -> stream_0 by time alone */
	u32_event(&k, OP_END, 600, 1);
	flush(&k, 1, 2, 0);
	free(k.buf);
	close_trace();
}

static void tie(const char *out)
{
	tie_into(out, "t", 0);
}

static void tieslot(const char *out)
{
	slot_per_thread = 1;
	tie_into(out, "ta", 0);
	tie_into(out, "tb", 1);
}

static void big(const char *out, uint64_t n)
{
	char *dir;
	if (asprintf(&dir, "%s/big", out) < 0)
		exit(1);
	open_trace(dir);
	free(dir);
	const uint32_t thr[4][2] = { { 300, 301 }, { 300, 302 }, { 400, 401 }, { 400, 402 } };
	struct pkt k[4];
	for (int i = 0; i < 4; i++)
		k[i] = (struct pkt){ .buf = calloc(1, PKT_MAX) };
	uint64_t per = n / 4;
	for (uint64_t e = 0; e < per; e += 4) {
		for (int i = 0; i < 4; i++) {
			uint64_t t = 1000000 + e * 50 + (uint64_t)i * 5;
			op_begin(&k[i], t, 1, "request");
			note(&k[i], t + 10, "GET /index.html", "ab", 2);
			counter(&k[i], t + 20, (uint32_t)(e & 1023), 0.25, 1);
			u32_event(&k[i], OP_END, t + 30, 1);
			if (k[i].n >= 1000)
				flush(&k[i], thr[i][0], thr[i][1], 0);
		}
	}
	for (int i = 0; i < 4; i++) {
		if (k[i].n)
			flush(&k[i], thr[i][0], thr[i][1], 0);
		free(k[i].buf);
	}
	close_trace();
}

int main(int argc, char **argv)
{
	if (argc < 3 || (!strcmp(argv[2], "big") && argc < 4)) {
		fprintf(stderr, "usage: export_gen OUT slices | tie | tieslot | big N\n");
		return 2;
	}
	mkdir(argv[1], 0700);
	if (!strcmp(argv[2], "slices"))
		slices(argv[1]);
	else if (!strcmp(argv[2], "tie"))
		tie(argv[1]);
	else if (!strcmp(argv[2], "tieslot"))
		tieslot(argv[1]);
	else if (!strcmp(argv[2], "big"))
		big(argv[1], strtoull(argv[3], NULL, 10));
	else {
		fprintf(stderr, "export_gen: unknown scenario %s\n", argv[2]);
		return 2;
	}
	return 0;
}
