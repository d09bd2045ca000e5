#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctf_test_util.h"

void tpay_put(struct tpay *p, const void *v, size_t n)
{
	assert_true(p->n + n <= sizeof(p->b));
	assert_true(v || n == 0);
	if (v) /* gcc 12 + UBSan flags memcpy(dst, NULL, 0) even behind if (n) */
		memcpy(p->b + p->n, v, n);
	p->n += n;
}

void tpay_str(struct tpay *p, const char *s)
{
	tpay_put(p, s, strlen(s) + 1);
}

void tpay_bytes(struct tpay *p, const void *v, uint32_t n)
{
	tpay_put(p, &n, 4);
	tpay_put(p, v, n);
}

void tpkt_init(struct tpkt *k)
{
	memset(k, 0, sizeof(*k));
}

void tpkt_add(struct tpkt *k, uint32_t id, uint64_t ts, const struct tpay *p)
{
	size_t plen = p ? p->n : 0;
	uint32_t size = (uint32_t)(RM_RECORD_HDR + plen);
	size_t off = RM_ALIGN8(k->len);
	assert_true(off + size <= sizeof(k->buf));
	/* the arena's chunks are zeroed, so padding between records is zero */
	memset(k->buf + k->len, 0, off - k->len);
	uint64_t word = size | (uint64_t)id << 32;
	memcpy(k->buf + off, &word, 8);
	memcpy(k->buf + off + 8, &ts, 8);
	if (plen)
		memcpy(k->buf + off + 16, p->b, plen);
	k->len = off + size;
	if (!k->n++)
		k->first = ts;
	k->last = ts;
}

struct rm_packet tpkt_packet(const struct tpkt *k, uint32_t pid, uint32_t tid, uint64_t lost)
{
	return (struct rm_packet){
		.pid = pid, .tid = tid, .lost = lost, .nrecords = k->n,
		.ts_begin = k->first, .ts_end = k->last, .data = k->buf, .len = k->len,
	};
}

struct rm_event_info tev(uint32_t id, const char *provider, const char *name, int nfields, ...)
{
	struct rm_event_info e;
	va_list ap;
	memset(&e, 0, sizeof(e));
	e.valid = true;
	e.id = id;
	e.nfields = (uint32_t)nfields;
	snprintf(e.provider, sizeof(e.provider), "%s", provider);
	snprintf(e.name, sizeof(e.name), "%s", name);
	va_start(ap, nfields);
	for (int i = 0; i < nfields; i++) {
		snprintf(e.fields[i].name, sizeof(e.fields[i].name), "%s", va_arg(ap, const char *));
		e.fields[i].type = (uint8_t)va_arg(ap, int);
	}
	va_end(ap);
	return e;
}

struct ctf_trace_info tinfo_mono(void)
{
	return (struct ctf_trace_info){
		.hostname = "testhost",
		.procname = "testprog",
		.clock = RM_CLOCK_MONOTONIC,
		.real_minus_mono_ns = 1700000000LL * 1000000000LL,
	};
}

char *tdir_new(void)
{
	const char *tmp = getenv("TMPDIR");
	char *base, *dir;
	assert_true(asprintf(&base, "%s/remora-ctf-XXXXXX", tmp && *tmp ? tmp : "/tmp") > 0);
	assert_non_null(mkdtemp(base));
	assert_true(asprintf(&dir, "%s/trace", base) > 0);
	free(base);
	return dir;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tdir_free(char *dir)
{
	char *slash = strrchr(dir, '/');
	*slash = 0; /* the mkdtemp directory */
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static char *slurp(FILE *f)
{
	char *buf = NULL;
	size_t cap = 0, n = 0, got;
	rewind(f);
	do {
		if (cap - n < 65536) {
			cap = cap * 2 + 65536;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	buf[n] = 0;
	return buf;
}

void bt2_run(struct bt2 *r, const char *const *argv)
{
	const char *args[32] = { BABELTRACE2_PATH };
	size_t i = 0;
	while (argv[i] && i + 2 < 32) {
		args[i + 1] = argv[i];
		i++;
	}
	args[i + 1] = NULL;

	FILE *out = tmpfile(), *err = tmpfile();
	assert_non_null(out);
	assert_non_null(err);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		unsetenv("LD_PRELOAD"); /* no valgrind or sanitizer runtime in babeltrace2 */
		setenv("TZ", "UTC", 1);  /* times print the same everywhere */
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r->out = slurp(out);
	r->err = slurp(err);
	fclose(out);
	fclose(err);
}

void bt2_ok(struct bt2 *r, const char *dir)
{
	const char *argv[] = { dir, NULL };
	bt2_run(r, argv);
	if (r->status != 0 || r->err[0])
		fprintf(stderr, "babeltrace2 %s: status %d\nstderr:\n%s\n", dir, r->status, r->err);
	assert_int_equal(r->status, 0);
	assert_string_equal(r->err, "");
}

void bt2_free(struct bt2 *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);
	for (const char *p = hay; (p = strstr(p, needle)); p += len)
		n++;
	return n;
}

size_t count_events(const char *out)
{
	size_t n = out[0] == '[';
	for (const char *p = out; (p = strchr(p, '\n')); p++)
		n += p[1] == '[';
	return n;
}

struct ctf_writer *tw_open(const char *dir, const struct ctf_trace_info *info)
{
	char err[256] = "";
	struct ctf_writer *w = ctf_writer_open(dir, info, err, sizeof(err));
	if (!w)
		fprintf(stderr, "ctf_writer_open: %s\n", err);
	assert_non_null(w);
	return w;
}

void tw_class(struct ctf_writer *w, const struct rm_event_info *e)
{
	char err[256] = "";
	int r = ctf_writer_event_class(w, e, err, sizeof(err));
	if (r)
		fprintf(stderr, "ctf_writer_event_class: %s\n", err);
	assert_int_equal(r, 0);
}

void tw_packet(struct ctf_writer *w, const struct rm_packet *p)
{
	char err[256] = "";
	int r = ctf_writer_packet(w, p, err, sizeof(err));
	if (r)
		fprintf(stderr, "ctf_writer_packet: %s\n", err);
	assert_int_equal(r, 0);
}

struct ctf_writer_stats tw_close(struct ctf_writer *w)
{
	char err[256] = "";
	struct ctf_writer_stats st;
	int r = ctf_writer_close(w, &st, err, sizeof(err));
	if (r)
		fprintf(stderr, "ctf_writer_close: %s\n", err);
	assert_int_equal(r, 0);
	return st;
}
