/* The trace directory on disk: permissions, refusal of a used directory,
 * metadata replaced atomically, and write errors that leave only complete
 * packets behind. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctf_test_util.h"

static mode_t mode_of(const char *dir, const char *name)
{
	char *path;
	struct stat st;
	assert_true(asprintf(&path, "%s%s%s", dir, name ? "/" : "", name ? name : "") > 0);
	assert_int_equal(stat(path, &st), 0);
	free(path);
	return st.st_mode & 07777;
}

static off_t size_of(const char *dir, const char *name)
{
	char *path;
	struct stat st;
	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	assert_int_equal(stat(path, &st), 0);
	free(path);
	return st.st_size;
}

static void one_event_trace(const char *dir)
{
	struct ctf_trace_info info = tinfo_mono();
	struct ctf_writer *w = tw_open(dir, &info);
	struct rm_event_info e = tev(0, "a", "b", 1, "x", RM_T_U32);
	tw_class(w, &e);
	struct tpkt k;
	struct tpay a = { .n = 0 };
	TPAY(&a, uint32_t, 9);
	tpkt_init(&k);
	tpkt_add(&k, 0, 1, &a);
	struct rm_packet p = tpkt_packet(&k, 1, 1, 0);
	tw_packet(w, &p);
	tw_close(w);
}

static void test_private_modes_whatever_the_umask(void **state)
{
	(void)state;
	static const mode_t masks[] = { 0, 022, 0277 };
	for (size_t i = 0; i < 3; i++) {
		char *base = tdir_new();
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/deeper/still", base); /* parents created too */
		mode_t old = umask(masks[i]);
		one_event_trace(dir);
		umask(old);
		assert_int_equal(mode_of(dir, NULL), 0700);
		assert_int_equal(mode_of(dir, "metadata"), 0600);
		assert_int_equal(mode_of(dir, "stream_0"), 0600);
		struct bt2 r;
		bt2_ok(&r, dir);
		assert_int_equal(count_events(r.out), 1);
		bt2_free(&r);
		tdir_free(base);
	}
}

static void test_refuses_a_directory_in_use(void **state)
{
	(void)state;
	char *dir = tdir_new();
	char err[256] = "", path[4096];
	struct ctf_trace_info info = tinfo_mono();

	assert_int_equal(mkdir(dir, 0755), 0); /* empty and existing: accepted, mode kept */
	one_event_trace(dir);
	assert_int_equal(mode_of(dir, NULL), 0755);

	/* now it holds a trace */
	assert_null(ctf_writer_open(dir, &info, err, sizeof(err)));
	assert_non_null(strstr(err, "is not empty"));
	assert_non_null(strstr(err, dir));

	/* a regular file in the way */
	snprintf(path, sizeof(path), "%s/metadata", dir);
	err[0] = 0;
	assert_null(ctf_writer_open(path, &info, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open trace directory"));
	fprintf(stderr, "%s\n", err);

	/* NULL err is allowed */
	assert_null(ctf_writer_open(dir, &info, NULL, 0));
	tdir_free(dir);
}

static void test_metadata_is_replaced_atomically(void **state)
{
	(void)state;
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	struct ctf_writer *w = tw_open(dir, &info);
	char path[4096];
	struct stat st;
	ino_t prev = 0;
	snprintf(path, sizeof(path), "%s/metadata", dir);

	for (uint32_t id = 0; id < 6; id++) {
		char name[16];
		snprintf(name, sizeof(name), "ev%u", id);
		struct rm_event_info e = tev(id, "p", name, 1, "v", RM_T_S32);
		tw_class(w, &e);
		tw_class(w, &e); /* idempotent: no rewrite */
		assert_int_equal(stat(path, &st), 0);
		assert_int_not_equal(st.st_ino, prev); /* a new file renamed over */
		prev = st.st_ino;
		assert_int_equal(st.st_mode & 07777, 0600);

		struct tpkt k;
		struct tpay a = { .n = 0 };
		TPAY(&a, int32_t, -(int32_t)id);
		tpkt_init(&k);
		tpkt_add(&k, id, 100 + id, &a);
		struct rm_packet p = tpkt_packet(&k, 1, 1, 0);
		tw_packet(w, &p);

		/* readable at any moment, with every event so far */
		struct bt2 r;
		bt2_ok(&r, dir);
		assert_int_equal(count_events(r.out), id + 1);
		assert_non_null(strstr(r.out, "p:ev0:"));
		bt2_free(&r);
		assert_int_not_equal(access(path, F_OK), -1);
	}
	tw_close(w);

	FILE *f = fopen(path, "r");
	char head[16] = "";
	assert_non_null(f);
	assert_non_null(fgets(head, sizeof(head), f));
	fclose(f);
	assert_string_equal(head, "/* CTF 1.8 */\n");
	snprintf(path, sizeof(path), "%s/.metadata.tmp", dir);
	assert_int_equal(access(path, F_OK), -1); /* no temp file left */
	tdir_free(dir);
}

static void set_fsize(rlim_t bytes)
{
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = bytes;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/* EFBIG from RLIMIT_FSIZE takes the same path as ENOSPC: a short or
 * failed pwritev in the middle of a packet. */
static void test_write_error_keeps_only_complete_packets(void **state)
{
	(void)state;
	char *dir = tdir_new();
	struct ctf_trace_info info = tinfo_mono();
	struct ctf_writer *w = tw_open(dir, &info);
	struct rm_event_info e = tev(1, "big", "rec", 1, "s", RM_T_STRING);
	tw_class(w, &e);
	char text[700];
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = 0;

	signal(SIGXFSZ, SIG_IGN);
	set_fsize(10000); /* a packet is ~1.5 KiB: the 7th crosses the limit */
	char err[512] = "";
	int r = 0, written = 0;
	for (int i = 0; i < 20 && !r; i++) {
		struct tpkt k;
		struct tpay a = { .n = 0 };
		tpay_str(&a, text);
		tpkt_init(&k);
		tpkt_add(&k, 1, 1000 + 10 * (uint64_t)i, &a);
		tpkt_add(&k, 1, 1001 + 10 * (uint64_t)i, &a);
		struct rm_packet p = tpkt_packet(&k, 1, 1, 0);
		r = ctf_writer_packet(w, &p, err, sizeof(err));
		written += !r;
	}
	/* a new event class is written with the next packet: that packet
	 * fails when the metadata cannot be, and the old metadata stays */
	struct rm_event_info e2 = tev(2, "big", "other", 0);
	set_fsize(100);
	char err2[512] = "";
	assert_int_equal(ctf_writer_event_class(w, &e2, err2, sizeof(err2)), 0);
	struct rm_packet lost_only = { .pid = 1, .tid = 1, .lost = 1 };
	assert_int_not_equal(ctf_writer_packet(w, &lost_only, err2, sizeof(err2)), 0);
	set_fsize(RLIM_INFINITY);
	signal(SIGXFSZ, SIG_DFL);

	fprintf(stderr, "packet error: %s\nmetadata error: %s\n", err, err2);
	assert_int_equal(r, -1);
	assert_int_equal(written, 6);
	assert_non_null(strstr(err, "stream_0: File too large ("));
	assert_non_null(strstr(err, "bytes written; file cut back to its last complete packet"));
	assert_non_null(strstr(err2, "metadata: File too large"));
	assert_non_null(strstr(err2, "previous metadata kept"));

	struct ctf_writer_stats st = tw_close(w);
	assert_int_equal(st.packets, 6);
	assert_int_equal(st.events, 12);
	assert_int_equal(size_of(dir, "stream_0"), (off_t)st.bytes);
	struct bt2 b;
	bt2_ok(&b, dir);
	assert_int_equal(count_events(b.out), 12);
	bt2_free(&b);
	tdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private_modes_whatever_the_umask),
		cmocka_unit_test(test_refuses_a_directory_in_use),
		cmocka_unit_test(test_metadata_is_replaced_atomically),
		cmocka_unit_test(test_write_error_keeps_only_complete_packets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
