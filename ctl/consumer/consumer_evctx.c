/* Per-event contexts (shm/evctx.h) on the consumer's side. */
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>

#include "ctl/consumer/consumer_evctx.h"
#include "ctl/consumer/consumer_int.h"
#include "ctl/ctf/ctf_packet.h"

/* perf:thread:NAME, as LTTng names them; bit CTF_CTX_PERF(index). */
static const struct {
	const char *name;  /* after perf:thread: */
	const char *field; /* the CTF field, without '_' */
	uint32_t type;
	uint64_t config;
} perf[] = {
	{ "cpu-cycles", "perf_thread_cpu_cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "cycles", "perf_thread_cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", "perf_thread_instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	{ "cache-references", "perf_thread_cache_references", PERF_TYPE_HARDWARE,
	  PERF_COUNT_HW_CACHE_REFERENCES },
	{ "cache-misses", "perf_thread_cache_misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
	{ "branch-instructions", "perf_thread_branch_instructions", PERF_TYPE_HARDWARE,
	  PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branch-misses", "perf_thread_branch_misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
	{ "bus-cycles", "perf_thread_bus_cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BUS_CYCLES },
	{ "ref-cycles", "perf_thread_ref_cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES },
	{ "cpu-clock", "perf_thread_cpu_clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
	{ "task-clock", "perf_thread_task_clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
	{ "page-faults", "perf_thread_page_faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "minor-faults", "perf_thread_minor_faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN },
	{ "major-faults", "perf_thread_major_faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ },
	{ "context-switches", "perf_thread_context_switches", PERF_TYPE_SOFTWARE,
	  PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu-migrations", "perf_thread_cpu_migrations", PERF_TYPE_SOFTWARE,
	  PERF_COUNT_SW_CPU_MIGRATIONS },
};
#define NPERF (sizeof(perf) / sizeof(perf[0]))
_Static_assert(NPERF <= CTF_CTX_PERF_MAX, "perf bits fit the contexts word");

const char *rm_evctx_perf_names(void)
{
	return "cpu-cycles, cycles, instructions, cache-references,\n"
	       "cache-misses, branch-instructions, branch-misses, bus-cycles,\n"
	       "ref-cycles, cpu-clock, task-clock, page-faults, minor-faults,\n"
	       "major-faults, context-switches, cpu-migrations";
}

int rm_evctx_parse(const char *type, uint32_t *bit, char *err, size_t errlen)
{
	if (!strcmp(type, "ip")) {
		*bit = CTF_CTX_IP;
		return 1;
	}
	if (!strcmp(type, "cpu_id")) {
		*bit = CTF_CTX_CPU;
		return 1;
	}
	if (strncmp(type, "perf:thread:", 12))
		return 0;
	for (uint32_t i = 0; i < NPERF; i++)
		if (!strcmp(type + 12, perf[i].name)) {
			*bit = CTF_CTX_PERF(i);
			return 1;
		}
	snprintf(err, errlen, "unknown perf counter '%s' in context '%s' (see remora add-context "
			      "--help for the known ones)", type + 12, type);
	return -1;
}

/* The record mask of `bits`, giving each perf counter a slot of k's
 * arena (append-only: a slot never changes counter, so a record reads the
 * same whenever it was written); a counter past the last slot is not
 * recorded. The counter is written before any mask names its slot. */
static uint32_t mask_of(struct conn *k, uint32_t bits)
{
	uint32_t mask = 0;
	if (bits & CTF_CTX_IP)
		mask |= RM_EVCTX_IP;
	if (bits & CTF_CTX_CPU)
		mask |= RM_EVCTX_CPU;
	for (uint32_t i = 0; i < NPERF; i++) {
		if (!(bits & CTF_CTX_PERF(i)))
			continue;
		uint32_t s = 0;
		while (s < RM_EVCTX_PERF_SLOTS && k->perf_slot[s] && k->perf_slot[s] != i + 1)
			s++;
		if (s == RM_EVCTX_PERF_SLOTS)
			continue;
		if (!k->perf_slot[s]) {
			k->perf_slot[s] = (uint8_t)(i + 1);
			__atomic_store_n(&k->a.hdr->evctx_perf[s].type, perf[i].type, __ATOMIC_RELAXED);
			__atomic_store_n(&k->a.hdr->evctx_perf[s].config, perf[i].config, __ATOMIC_RELAXED);
		}
		mask |= RM_EVCTX_PERF0 << s;
	}
	return mask;
}

void evctx_sync_conn(struct conn *k, uint32_t bits)
{
	uint32_t mask = mask_of(k, bits);
	if (__atomic_load_n(&k->a.hdr->evctx, __ATOMIC_RELAXED) != mask)
		__atomic_store_n(&k->a.hdr->evctx, mask, __ATOMIC_RELEASE); /* after the slots */
}

uint32_t evctx_trace_mask(struct conn *k, uint32_t bits, const char *names[RM_EVCTX_PERF_SLOTS])
{
	uint32_t mask = mask_of(k, bits);
	for (uint32_t s = 0; s < RM_EVCTX_PERF_SLOTS; s++)
		names[s] = k->perf_slot[s] ? perf[k->perf_slot[s] - 1].field : NULL;
	return mask;
}

/* The offset of each context of mask m in its record, after the header;
 * -1 when m does not have it. Bit order: ip, cpu, perf slots. */
static void offsets(uint32_t m, int off[8])
{
	int o = RM_RECORD_HDR;
	for (int b = 0; b < 8; b++) {
		if (!(m & 1u << b)) {
			off[b] = -1;
			continue;
		}
		off[b] = o;
		o += b == 1 ? 4 : 8;
	}
}

size_t evctx_rewrite(unsigned char *dst, const struct rm_record *rec, uint32_t mask)
{
	const unsigned char *src = (const unsigned char *)rec;
	uint32_t have = RM_REC_CTX(rec->word), size = RM_REC_SIZE(rec->word);
	size_t from = RM_RECORD_HDR + rm_evctx_size(have), to = RM_RECORD_HDR + rm_evctx_size(mask);
	size_t payload = size - from; /* the reader checked size >= from */
	int so[8], dof[8];
	offsets(have, so);
	offsets(mask, dof);
	/* memmove: dst may be the record itself (a packet rewritten in place) */
	unsigned char ctx[64] = { 0 };
	for (int b = 0; b < 8; b++)
		if (dof[b] >= 0 && so[b] >= 0)
			memcpy(ctx + dof[b] - RM_RECORD_HDR, src + so[b], b == 1 ? 4 : 8);
	memmove(dst + to, src + from, payload);
	memmove(dst + 8, src + 8, 8); /* timestamp */
	memcpy(dst + RM_RECORD_HDR, ctx, to - RM_RECORD_HDR);
	uint64_t word = (uint64_t)RM_REC_ID(rec->word) << 32 | (uint64_t)mask << 24 |
			(uint32_t)(to + payload);
	memcpy(dst, &word, 8);
	size_t asz = RM_ALIGN8(to + payload);
	memset(dst + to + payload, 0, asz - (to + payload));
	return asz;
}

void evctx_clear_words(unsigned char *data, size_t len)
{
	for (size_t off = 0; off + RM_RECORD_HDR <= len;) {
		uint64_t word;
		memcpy(&word, data + off, 8);
		uint32_t size = RM_REC_SIZE(word);
		word &= ~(0xffull << 24);
		memcpy(data + off, &word, 8);
		if (size < RM_RECORD_HDR)
			break;
		off += RM_ALIGN8(size);
	}
}
