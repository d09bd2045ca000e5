/* The consumer trusts no fd: it maps only a memfd sealed against resizing
 * whose header matches its size; everything else is refused with a line
 * that says why. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shm/arena.h"

/* A valid arena image copied into a new memfd with the given seals, after
 * `tamper` had its way with the header copy. */
static int image_fd(unsigned seals, void (*tamper)(struct rm_arena_hdr *h))
{
	struct rm_arena a;
	struct rm_params p;
	rm_params_default(&p);
	p.chunk_count = 4;
	p.small_count = 0;
	p.chunk_size = 4096;
	assert_int_equal(rm_arena_create(&p, "remora-attach", &a), 0);
	int fd = memfd_create("copy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	struct rm_arena_hdr h;
	memcpy(&h, a.hdr, sizeof(h));
	if (tamper)
		tamper(&h);
	assert_int_equal(ftruncate(fd, (off_t)a.size), 0);
	assert_int_equal(pwrite(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	if (seals)
		assert_int_equal(fcntl(fd, F_ADD_SEALS, seals), 0);
	close(a.fd);
	rm_arena_unmap(&a);
	return fd;
}

static void expect_refused(int fd, int err, const char *why)
{
	struct rm_arena a = { 0 };
	char msg[256] = "";
	int r = rm_arena_attach(fd, &a, msg, sizeof(msg));
	assert_int_equal(r, -err);
	assert_null(a.base);
	if (!strstr(msg, why))
		fail_msg("message '%s' does not say '%s'", msg, why);
	close(fd);
}

static void test_a_sealed_arena_attaches(void **state)
{
	(void)state;
	int fd = image_fd(F_SEAL_SHRINK | F_SEAL_GROW, NULL);
	struct rm_arena a = { 0 };
	char msg[256] = "";
	assert_int_equal(rm_arena_attach(fd, &a, msg, sizeof(msg)), 0);
	assert_non_null(a.base);
	assert_int_equal(a.chunk_count, 4);
	rm_arena_unmap(&a);
	close(fd);
}

static void test_unsealed_memfd_is_refused(void **state)
{
	(void)state;
	expect_refused(image_fd(0, NULL), EPERM, "not sealed against resizing");
	expect_refused(image_fd(F_SEAL_SHRINK, NULL), EPERM, "not sealed against resizing");
	expect_refused(image_fd(F_SEAL_GROW, NULL), EPERM, "not sealed against resizing");
}

static void test_not_a_memfd_is_refused(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	close(p[1]);
	expect_refused(p[0], EINVAL, "not a memfd");
	char path[] = "/tmp/remora-attach-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	struct rm_arena a = { 0 };
	char msg[256];
	assert_true(rm_arena_attach(fd, &a, msg, sizeof(msg)) < 0);
	assert_null(a.base);
	close(fd);
}

static void bad_magic(struct rm_arena_hdr *h) { h->magic ^= 1; }
static void bad_version(struct rm_arena_hdr *h) { h->version = 99; }
static void bad_size(struct rm_arena_hdr *h) { h->arena_size += 4096; }
static void bad_chunks(struct rm_arena_hdr *h) { h->chunk_count = 5; }
static void bad_offset(struct rm_arena_hdr *h) { h->off_chunks -= 64; }
static void bad_chunk_size(struct rm_arena_hdr *h) { h->chunk_size = 4097; }
static void huge_counts(struct rm_arena_hdr *h) { h->chunk_count = 0xffffffffu; }
/* the small class: sizes that are no power of two, larger than the large
 * class, or chunks that the memfd does not hold */
static void bad_small_size(struct rm_arena_hdr *h) { h->small_size = 6000, h->small_count = 1; }
static void small_above_large(struct rm_arena_hdr *h) { h->small_size = 2 * h->chunk_size, h->small_count = 1; }
static void small_past_end(struct rm_arena_hdr *h) { h->small_size = 4096, h->small_count = 3; }
static void huge_small_count(struct rm_arena_hdr *h) { h->small_size = 4096, h->small_count = 0xffffffffu; }

static void test_bad_headers_are_refused(void **state)
{
	(void)state;
	unsigned s = F_SEAL_SHRINK | F_SEAL_GROW;
	expect_refused(image_fd(s, bad_magic), EINVAL, "bad magic");
	expect_refused(image_fd(s, bad_version), EINVAL, "layout version");
	expect_refused(image_fd(s, bad_size), EINVAL, "does not match its size");
	expect_refused(image_fd(s, bad_chunks), EINVAL, "does not match its size");
	expect_refused(image_fd(s, bad_offset), EINVAL, "does not match its size");
	expect_refused(image_fd(s, bad_chunk_size), EINVAL, "out of range");
	expect_refused(image_fd(s, huge_counts), EINVAL, "out of range");
	expect_refused(image_fd(s, bad_small_size), EINVAL, "out of range");
	expect_refused(image_fd(s, small_above_large), EINVAL, "out of range");
	expect_refused(image_fd(s, small_past_end), EINVAL, "does not match its size");
	expect_refused(image_fd(s, huge_small_count), EINVAL, "out of range");
}

static void test_tiny_memfd_is_refused(void **state)
{
	(void)state;
	int fd = memfd_create("tiny", MFD_ALLOW_SEALING);
	assert_int_equal(ftruncate(fd, 100), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
	expect_refused(fd, EINVAL, "too small");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_sealed_arena_attaches),
		cmocka_unit_test(test_unsealed_memfd_is_refused),
		cmocka_unit_test(test_not_a_memfd_is_refused),
		cmocka_unit_test(test_bad_headers_are_refused),
		cmocka_unit_test(test_tiny_memfd_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
