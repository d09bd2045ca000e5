/* Harness (f): the filter evaluator and validator on arbitrary bytecode
 * (anyone of the same uid can write the arena's filter table), and the
 * expression parser and compiler on arbitrary text.
 *
 * Input: one flag byte, then a struct rm_filter_prog (zero-filled when
 * short). Flag bit 0: run the rest of the input as filter text through
 * rm_filter_parse/rm_filter_compile instead (a compiled program must pass
 * the validator). Bits 1-4: how many fields the event has (0..15).
 * Checks: the evaluator answers 0 or 1 and never spends more than its step
 * bound; reads stay inside the program and the fields (ASan), the
 * prefilter's too (its word is as hostile as the rest); a prefilter made
 * by rm_filter_prefilter never drops what the program keeps; the inline
 * prefilter of remora_trace() (remora.h), run on the same program in a
 * table of RM_FILTER_SLOTS programs (one allocation), reads nothing
 * outside it and drops exactly what the stub's check drops. */
#include <stdlib.h>
#include <string.h>

#include <remora/remora.h>

#include "fuzz.h"
#include "ctl/filter/filter.h"
#include "shm/filter_eval.h"

/* What the macros call, here instead of libremora: the filter "keeps"
 * and counts, nothing is reserved. */
const volatile uint8_t remora_off = 0;
static unsigned asked;
void remora_register_events(struct remora_event *const *b, struct remora_event *const *e)
{
	(void)b, (void)e;
}
void remora_unregister_events(struct remora_event *const *b, struct remora_event *const *e)
{
	(void)b, (void)e;
}
unsigned char *remora_reserve(struct remora_event *ev, size_t payload, struct remora_wr *wr)
{
	(void)ev, (void)payload, (void)wr;
	return NULL;
}
void remora_commit(struct remora_wr *wr)
{
	(void)wr;
}
void remora_count_truncated(void)
{
}
int remora_filter_pass(struct remora_event *ev, const void *const *vals)
{
	(void)ev, (void)vals;
	asked++;
	return 1;
}

/* the types of field_types[0..11], in order */
REMORA_EVENT(fz, ev, (uint64_t, id), (int32_t, s), (double, d), (const char *, path), (bool, flag),
	     (uint8_t, a), (int8_t, b), (uint16_t, c), (int16_t, e), (uint32_t, f), (int64_t, g),
	     (float, h));

/* p in slot 1 + (p->ninsn % 63) of a fresh table, the byte naming it;
 * one call with values taken from the program's pool */
static void run_inline(const struct rm_filter_prog *p)
{
	struct remora_event *ev = &REMORA__EV(fz, ev);
	struct rm_filter_prog *table = malloc(RM_FILTER_SLOTS * sizeof(*table));
	if (!table)
		return;
	uint32_t slot = 1 + p->ninsn % RM_FILTER_SLOTS;
	memcpy(&table[slot - 1], p, sizeof(*p));
	uint8_t byte = (uint8_t)(slot << RM_ENABLE_FILTER_SHIFT | (p->pool_len & 3));
	ev->enabled = &byte;
	ev->stub_private = (const void *)((uintptr_t)table - sizeof(*table));
	uint64_t id, g;
	int32_t s;
	memcpy(&id, p->pool, 8);
	memcpy(&g, p->pool + 8, 8);
	memcpy(&s, p->pool + 16, 4);
	uint8_t a = p->pool[20], fl = p->pool[21] & 1;
	int8_t b = (int8_t)p->pool[22];
	uint16_t c = (uint16_t)(p->pool[23] | p->pool[24] << 8);
	int16_t e = (int16_t)c;
	uint32_t f = (uint32_t)s;
	double d = 1.5;
	float h = 0.5f;
	const char *path = "/a/b";
	bool flag = fl;
	int64_t gs = (int64_t)g;
	const void *vals[12] = { &id, &s, &d, &path, &flag, &a, &b, &c, &e, &f, &gs, &h };
	int drops = rm_filter_pre_drops(&table[slot - 1], 12, &ev->fields[0].type,
					sizeof(ev->fields[0]), vals);
	unsigned before = asked;
	remora_trace(fz, ev, id, s, d, path, flag, a, b, c, e, f, gs, h);
	FUZZ_CHECK((asked != before) == (byte >= REMORA_ENABLE_FILTERED && !drops));
	ev->enabled = &remora_off;
	ev->stub_private = NULL;
	free(table);
}

static const uint8_t field_types[RM_FIELDS_MAX] = {
	RM_T_U64, RM_T_S32, RM_T_F64, RM_T_STRING, RM_T_BOOL, RM_T_U8, RM_T_S8, RM_T_U16,
	RM_T_S16, RM_T_U32, RM_T_S64, RM_T_F32, RM_T_BYTES, RM_T_STRING, RM_T_U64, RM_T_S64,
};

static void run_text(const uint8_t *data, size_t size, uint32_t nfields)
{
	char *text = malloc(size + 1), err[512];
	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = 0;
	struct rm_filter_expr *x = rm_filter_parse(text, err, sizeof(err));
	free(text);
	if (!x)
		return;
	struct rm_event_info e = { .valid = true, .nfields = nfields, .provider = "p", .name = "e" };
	static const char *const names[RM_FIELDS_MAX] = { "id", "s", "d", "path", "flag", "a", "b",
							    "c", "e", "f", "g", "h", "bytes", "name",
							    "x", "y" };
	for (uint32_t i = 0; i < nfields; i++) {
		strcpy(e.fields[i].name, names[i]);
		e.fields[i].type = field_types[i];
	}
	struct rm_filter_prog p;
	/* the compiler never makes a program its own validator refuses */
	if (rm_filter_compile(x, &e, &p, err, sizeof(err)) == 0)
		FUZZ_CHECK(!rm_filter_validate(&p, nfields, field_types, false));
	rm_filter_expr_free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	uint32_t nfields = (flags >> 1) & 15;
	if (flags & 1) {
		run_text(data + 1, size - 1, nfields);
		return 0;
	}
	struct rm_filter_prog *p = malloc(sizeof(*p));
	if (!p)
		return 0;
	memset(p, 0, sizeof(*p));
	memcpy(p, data + 1, size - 1 < sizeof(*p) ? size - 1 : sizeof(*p));
	uint64_t u64 = 1234, s64v = (uint64_t)-5;
	int32_t s32 = -3;
	double d = 2.5;
	float f = 0.5f;
	const char *str = "/a/b", *name = "";
	uint8_t u8 = 7, flag = 1;
	uint16_t u16 = 9;
	uint32_t u32 = 11;
	const void *vals[RM_FIELDS_MAX] = { &u64, &s32, &d, &str, &flag, &u8, &u8, &u16,
					    &u16, &u32, &s64v, &f, NULL, &name, &u64, &s64v };
	struct rm_filter_ctxv ctx = { .num = { 1, 2, 3, 4 }, .procname = "proc" };
	struct rm_filter_env env = { .nfields = nfields, .types = field_types, .vals = vals,
				     .ctx = flags & 32 ? &ctx : NULL };
	uint32_t steps = 0;
	int r = rm_filter_eval(p, &env, &steps);
	FUZZ_CHECK(r == 0 || r == 1);
	FUZZ_CHECK(steps <= RM_FILTER_INSN_MAX + RM_FILTER_STEP_MAX);
	(void)rm_filter_validate(p, nfields, field_types, !(flags & 32));
	r = rm_filter_pre_drops(p, nfields, field_types, 1, vals);
	FUZZ_CHECK(r == 0 || r == 1);
	run_inline(p); /* the word as the input wrote it */
	rm_filter_prefilter(p, nfields, field_types);
	FUZZ_CHECK(!rm_filter_pre_drops(p, nfields, field_types, 1, vals) ||
		   !rm_filter_run(p, &env, NULL));
	run_inline(p); /* and as the compiler's prefilter makes it */
	free(p);
	return 0;
}
