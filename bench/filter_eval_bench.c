/* ns and callgrind Ir per call of the app-side filter path pieces: the
 * evaluator on the compiled 3-term filter 'id >= 1000 && id < 2000 &&
 * path == "/a/STAR"', for a value it filters out (second term) and one it
 * passes (all three terms). Usage: filter_eval_bench [N]; for instruction
 * counts: valgrind --tool=callgrind --toggle-collect=timed_out (or
 * timed_pass) filter_eval_bench 100000. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ctl/filter/filter.h"

int timed_out(const struct rm_filter_prog *, struct rm_filter_env *, long);
int timed_pass(const struct rm_filter_prog *, struct rm_filter_env *, long);

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

#define LOOP(name)                                                                          \
	__attribute__((noinline)) int name(const struct rm_filter_prog *p,                  \
					   struct rm_filter_env *env, long n)               \
	{                                                                                   \
		int kept = 0;                                                               \
		for (long i = 0; i < n; i++)                                                \
			kept += rm_filter_eval(p, env, NULL);                               \
		return kept;                                                                \
	}
/* one function per case, so callgrind --toggle-collect can count each */
LOOP(timed_out)
LOOP(timed_pass)

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000000;
	char err[256];
	struct rm_event_info e = { .valid = true, .nfields = 3, .provider = "bench", .name = "str" };
	snprintf(e.fields[0].name, RM_NAME_MAX, "id");
	e.fields[0].type = RM_T_U64;
	snprintf(e.fields[1].name, RM_NAME_MAX, "len");
	e.fields[1].type = RM_T_U32;
	snprintf(e.fields[2].name, RM_NAME_MAX, "path");
	e.fields[2].type = RM_T_STRING;
	struct rm_filter_expr *x = rm_filter_parse("id >= 1000 && id < 2000 && path == \"/a/*\"", err, sizeof(err));
	struct rm_filter_prog p;
	if (!x || rm_filter_compile(x, &e, &p, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	uint8_t types[3] = { RM_T_U64, RM_T_U32, RM_T_STRING };
	uint64_t id;
	uint32_t len = 16;
	const char *path = "/a/www/a.html";
	const void *vals[3] = { &id, &len, &path };
	struct rm_filter_env env = { .nfields = 3, .types = types, .vals = vals };
	for (int pass = 0; pass < 2; pass++) {
		id = pass ? 1500 : 5000;
		double t0 = now();
		int kept = pass ? timed_pass(&p, &env, n) : timed_out(&p, &env, n);
		printf("%s: %.2f ns/eval (kept %d of %ld)\n", pass ? "passing" : "filtered out",
		       (now() - t0) / n, kept, n);
	}
	rm_filter_expr_free(x);
	return 0;
}
