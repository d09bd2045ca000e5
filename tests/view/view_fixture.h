/* A scenario of view_gen.h read into memory for the strict CTF reader's
 * tests (test_view_reader_meta.c, test_view_reader_stream.c): its
 * metadata parsed, one stream file's bytes. Apart from both because both
 * start from the same fixture; cmocka's asserts stop the test on a
 * failure, so these are for cmocka test programs only. */
#ifndef REMORA_TESTS_VIEW_VIEW_FIXTURE_H
#define REMORA_TESTS_VIEW_VIEW_FIXTURE_H

#include <stddef.h>

#include "ctl/ctf/ctf_reader.h"

struct blob {
	char *b;
	size_t n;
};

/* A scenario's trace `sub` read into memory: metadata parsed, one stream. */
struct fixture {
	char base[64];
	struct ctfr_meta meta;
	struct blob md, st;
};

/* Generates `scenario` in a new directory under /tmp and reads its trace
 * `sub`: metadata and `stream`. */
void fx_open(struct fixture *fx, const char *scenario, const char *sub, const char *stream);
/* Frees it and removes the directory. */
void fx_close(struct fixture *fx);

#endif
