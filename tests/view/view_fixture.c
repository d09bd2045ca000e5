/* The fixture of the strict CTF reader's tests (view_fixture.h). */
#define _GNU_SOURCE
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "view_fixture.h"
#include "view_gen.h"

static struct blob slurp(const char *dir, const char *name)
{
	char *path;
	struct blob r = { 0 };
	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	r.n = (size_t)ftell(f);
	rewind(f);
	r.b = malloc(r.n + 1);
	assert_non_null(r.b);
	assert_int_equal(fread(r.b, 1, r.n, f), r.n);
	r.b[r.n] = 0;
	fclose(f);
	free(path);
	return r;
}

static int rm_one(const char *p, const struct stat *st, int fl, struct FTW *ftw)
{
	(void)st, (void)fl, (void)ftw;
	return remove(p);
}

void fx_open(struct fixture *fx, const char *scenario, const char *sub, const char *stream)
{
	char dir[128], err[256] = "";
	snprintf(fx->base, sizeof(fx->base), "/tmp/remora-view-XXXXXX");
	assert_non_null(mkdtemp(fx->base));
	assert_int_equal(view_gen(fx->base, scenario), 0);
	snprintf(dir, sizeof(dir), "%s/%s", fx->base, sub);
	fx->md = slurp(dir, "metadata");
	fx->st = slurp(dir, stream);
	int r = ctfr_meta_parse(fx->md.b, fx->md.n, &fx->meta, err, sizeof(err));
	if (r)
		fprintf(stderr, "metadata: %s\n", err);
	assert_int_equal(r, 0);
}

void fx_close(struct fixture *fx)
{
	ctfr_meta_free(&fx->meta);
	free(fx->md.b);
	free(fx->st.b);
	nftw(fx->base, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}
