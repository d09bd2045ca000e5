/* --rotate-size, --rotate-timer, --max-chunks (rotate_opts.h). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "ctl/cli/rotate_opts.h"
#include "shm/size.h"

void rm_rotate_usage(FILE *f)
{
	fprintf(f,
		"      --rotate-size SIZE  cut the trace into chunks (DIR/chunk-NNNNN/, each a\n"
		"                    complete trace): a new chunk after SIZE bytes (e.g. 64M,\n"
		"                    at least %uK)\n"
		"      --rotate-timer SECS  a new chunk every SECS seconds\n"
		"      --max-chunks N  keep the N newest chunks, deleting older ones (N >= 1)\n",
		RM_ROTATE_SIZE_MIN / 1024);
}

static int parse_count(const char *arg, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (!*arg || *end || errno || *arg == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

int rm_rotate_opt(int ch, const char *arg, struct rm_rotation *r, const char *verb)
{
	unsigned long long v;
	switch (ch) {
	case RM_OPT_ROTATE_SIZE:
		r->size = rm_parse_size(arg);
		if (!r->size) {
			fprintf(stderr, "remora %s: bad --rotate-size '%s' (bytes, or with K, M or G: "
					"64M)\n", verb, arg);
			return -1;
		}
		if (r->size < RM_ROTATE_SIZE_MIN) {
			fprintf(stderr, "remora %s: --rotate-size %s is below one packet: give at "
					"least %uK\n", verb, arg, RM_ROTATE_SIZE_MIN / 1024);
			return -1;
		}
		return 1;
	case RM_OPT_ROTATE_TIMER:
		if (parse_count(arg, RM_ROTATE_TIMER_MAX, &v) < 0 || v == 0) {
			fprintf(stderr, "remora %s: bad --rotate-timer '%s' (whole seconds, 1 to %u)\n",
				verb, arg, RM_ROTATE_TIMER_MAX);
			return -1;
		}
		r->timer_s = (uint32_t)v;
		return 1;
	case RM_OPT_MAX_CHUNKS:
		if (parse_count(arg, RM_MAX_CHUNKS_MAX, &v) < 0 || v == 0) {
			fprintf(stderr, "remora %s: bad --max-chunks '%s': give how many chunks to keep, "
					"1 to %u (0 would keep none)\n", verb, arg, RM_MAX_CHUNKS_MAX);
			return -1;
		}
		r->max_chunks = (uint32_t)v;
		return 1;
	default:
		return 0;
	}
}
