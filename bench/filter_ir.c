/* The app-side cost of --filter, end to end through the real macros and
 * libremora, with no consumer and no helper needed (callgrind cannot run
 * the helper's seccomp lockdown): the program finds its own arena in
 * /proc/self/maps, compiles the filter, writes it into the arena's filter
 * table and names it in the event's enable byte, exactly as the consumer
 * does (ctl/consumer/consumer_filter.c). Then W warm-up and N timed
 * bench:str events (id, len, path "/srv/www/a.html"), as bench/workload.c.
 *
 *   filter_ir none|out|pass|off N W
 *     none  enabled, no filter
 *     out   'id >= 1000 && id < 2000 && path == "/a/STAR"'  (ids >= W: every
 *           timed event fails the second test)
 *     pass  'id >= 0 && len >= 0 && path == "/srv/STAR"'    (all three tests run)
 *     off   disabled
 * Prints ns per timed event, whole loop and median of 20 blocks (noisy on
 * a shared machine: bench/filter_wall.sh repeats and interleaves); for instruction
 * counts run it under valgrind --tool=callgrind --toggle-collect=timed_region
 * (bench/filter_cg.sh). Run with REMORA_SOCKET pointing nowhere and
 * REMORA_BUFFER_SIZE large enough to hold every passing event; the chunk
 * pages are made resident first (MADV_POPULATE_WRITE). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <remora/remora.h>

#include "ctl/filter/filter.h"
#include "shm/arena.h"

REMORA_EVENT(bench, str, (uint64_t, id), (uint32_t, len), (const char *, path));

static const char path16[] = "/srv/www/a.html";

/* The one call site of the event: with a second one (a warm-up loop of
 * its own) gcc no longer inlines remora_trace__bench__str, with main's
 * header as with this one (+11 Ir per event). So the warm-up runs here
 * too and callgrind counts it: bench/filter_cg.sh takes the difference
 * of two runs (N and 2N timed events, the same warm-up). */
__attribute__((noinline)) void timed_region(uint64_t base, uint64_t n);
__attribute__((noinline)) void timed_region(uint64_t base, uint64_t n)
{
	for (uint64_t i = base; i < base + n; i++)
		remora_trace(bench, str, i, (uint32_t)i, path16);
}

static int own_arena(struct rm_arena *a)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	unsigned long lo = 0;
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "/memfd:remora") && sscanf(line, "%lx-", &lo) == 1)
			break;
		else
			lo = 0;
	if (f)
		fclose(f);
	if (!lo)
		return -1;
	const struct rm_arena_hdr *h = (const void *)lo;
	struct rm_params p = { .chunk_size = h->chunk_size, .chunk_count = h->chunk_count,
			       .small_size = h->small_size, .small_count = h->small_count,
			       .event_max = h->event_max, .pid_max = h->pid_max,
			       .slot_max = h->slot_max, .mode = h->mode, .clock = h->clock };
	struct rm_layout l;
	if (rm_layout_compute(&p, &l) < 0)
		return -1;
	rm_arena_bind(a, (char *)lo, &p, &l);
	/* Every chunk page resident before anything is timed, as in a traced
	 * app whose consumer recycles its chunks (and as LTTng-UST's ring
	 * buffer is by the time the loop runs): without a consumer each new
	 * chunk's first touch would fault, about 30 ns per event here. */
	if (madvise((char *)lo + l.off_chunks, l.off_catalog - l.off_chunks, MADV_POPULATE_WRITE))
		perror("filter_ir: madvise(MADV_POPULATE_WRITE), chunk pages fault in the loop");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: filter_ir none|out|pass|off N W\n");
		return 2;
	}
	const char *mode = argv[1];
	uint64_t n = strtoull(argv[2], NULL, 0), w = strtoull(argv[3], NULL, 0);
	struct remora_event *ev = &REMORA__EV(bench, str);
	struct rm_arena a;
	if (own_arena(&a) < 0 || ev->id >= a.event_max) {
		fprintf(stderr, "filter_ir: no arena (is libremora loaded, REMORA_DISABLE unset?)\n");
		return 1;
	}
	uint8_t on = RM_ENABLE_ON;
	const char *text = !strcmp(mode, "out") ? "id >= 1000 && id < 2000 && path == \"/a/*\"" :
			   !strcmp(mode, "pass") ? "id >= 0 && len >= 0 && path == \"/srv/*\"" : NULL;
	if (text) {
		char err[512];
		struct rm_event_info e = { .valid = true, .nfields = 3, .provider = "bench", .name = "str" };
		for (uint32_t i = 0; i < 3; i++) {
			snprintf(e.fields[i].name, RM_NAME_MAX, "%s", ev->fields[i].name);
			e.fields[i].type = ev->fields[i].type;
		}
		struct rm_filter_expr *x = rm_filter_parse(text, err, sizeof(err));
		if (!x || rm_filter_compile(x, &e, &a.filters[0], err, sizeof(err)) < 0) {
			fprintf(stderr, "filter_ir: %s\n", err);
			return 1;
		}
		rm_filter_expr_free(x);
		on |= 1 << RM_ENABLE_FILTER_SHIFT; /* slot 1 */
	}
	__atomic_store_n(&a.enable[ev->id], !strcmp(mode, "off") ? 0 : on, __ATOMIC_RELEASE);
	timed_region(0, w);
	/* 20 blocks, each timed: the median block (block_ns_per_event, as
	 * bench/workload.c prints it) is robust against the preemptions of
	 * a shared machine, the whole loop (ns_per_event) is not */
	uint64_t blk[20], per = n / 20, base = w;
	struct timespec t0, t1, b0, b1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int b = 0; b < 20; b++) {
		uint64_t k = b == 19 ? n - per * 19 : per;
		clock_gettime(CLOCK_MONOTONIC, &b0);
		timed_region(base, k);
		clock_gettime(CLOCK_MONOTONIC, &b1);
		blk[b] = (uint64_t)((b1.tv_sec - b0.tv_sec) * 1000000000ll + (b1.tv_nsec - b0.tv_nsec));
		base += k;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (int i = 1; i < 20; i++) /* insertion sort: 20 values */
		for (int j = i; j > 0 && blk[j - 1] > blk[j]; j--) {
			uint64_t x = blk[j];
			blk[j] = blk[j - 1];
			blk[j - 1] = x;
		}
	printf("mode=%s ns_per_event=%.2f\nblock_ns_per_event=%.4f\n", mode,
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (double)n,
	       (double)blk[10] / (double)(per ? per : 1));
	return 0;
}
