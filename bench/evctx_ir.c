/* The app-side cost of per-event contexts (add-context -t ip|cpu_id|
 * perf:thread:...), end to end through the real macros and libremora, with
 * no consumer and no helper (as bench/filter_ir.c): the program finds its
 * own arena in /proc/self/maps, writes a perf slot and the evctx mask into
 * it and enables bench:str, exactly as the consumer does
 * (ctl/consumer/consumer_evctx.c). Then W warm-up and N timed events.
 *
 *   evctx_ir none|ip|cpu|perf|all N W
 *     none  enabled, no context          ip    the call site
 *     cpu   cpu_id                       perf  perf:thread:task-clock
 *     all   ip, cpu_id and task-clock
 * Prints ns per timed event (noisy on a shared machine); for instruction
 * counts run it under valgrind --tool=callgrind --toggle-collect=timed_region
 * (bench/evctx_cg.sh). Run with REMORA_SOCKET pointing nowhere and
 * REMORA_BUFFER_SIZE large enough to hold every event. */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <remora/remora.h>

#include "shm/arena.h"

REMORA_EVENT(bench, str, (uint64_t, id), (uint32_t, len), (const char *, path));

static const char path16[] = "/srv/www/a.html";

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
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: evctx_ir none|ip|cpu|perf|all N W\n");
		return 2;
	}
	const char *mode = argv[1];
	uint64_t n = strtoull(argv[2], NULL, 0), w = strtoull(argv[3], NULL, 0);
	struct remora_event *ev = &REMORA__EV(bench, str);
	struct rm_arena a;
	if (own_arena(&a) < 0 || ev->id >= a.event_max) {
		fprintf(stderr, "evctx_ir: no arena (is libremora loaded, REMORA_DISABLE unset?)\n");
		return 1;
	}
	uint32_t m = !strcmp(mode, "ip") ? RM_EVCTX_IP : !strcmp(mode, "cpu") ? RM_EVCTX_CPU :
		     !strcmp(mode, "perf") ? RM_EVCTX_PERF0 :
		     !strcmp(mode, "all") ? RM_EVCTX_IP | RM_EVCTX_CPU | RM_EVCTX_PERF0 : 0;
	a.hdr->evctx_perf[0].type = PERF_TYPE_SOFTWARE;
	a.hdr->evctx_perf[0].config = PERF_COUNT_SW_TASK_CLOCK;
	__atomic_store_n(&a.hdr->evctx, m, __ATOMIC_RELEASE);
	__atomic_store_n(&a.enable[ev->id], RM_ENABLE_ON, __ATOMIC_RELEASE);
	timed_region(0, w);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	timed_region(w, n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("mode=%s ns_per_event=%.2f perf_failed=%llu\n", mode,
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (double)n,
	       (unsigned long long)a.hdr->evctx_perf_failed);
	return 0;
}
