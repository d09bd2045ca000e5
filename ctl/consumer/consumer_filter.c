/* Filters on the consumer side (`--filter`): a program per (trace, event),
 * compiled from the filters of the sink's patterns that select the event;
 * run on every drained record of a filtered event before it is written;
 * and, when every started trace selecting an event agrees on one program
 * that needs no context, copied into the arena's filter table and named by
 * the event's enable byte, so the app drops what it filters out before it
 * reserves (shm/filter.h, inject/filter_pass.c). The consumer's own pass
 * makes the trace exact whatever the app did: records made before a
 * change reached the app, by an older stub, or under several sessions. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/consumer/consumer_ctx.h"
#include "ctl/consumer/consumer_int.h"
#include "ctl/filter/filter.h"
#include "shm/glob.h"

enum { SLOT_USED = 1, SLOT_NOW = 2, SLOT_FULL = 4 };

static bool matches(const char *pattern, const struct rm_event_info *e)
{
	char full[RM_NAME_MAX + RM_EVENT_NAME_MAX + 1];
	snprintf(full, sizeof(full), "%s:%s", e->provider, e->name);
	return rm_glob_match(pattern, strlen(pattern), full);
}

static void report(struct rm_sink *s, const char *err)
{
	if (s->filter_errors++ == 0)
		snprintf(s->filter_err, sizeof(s->filter_err), "%s", err);
	fprintf(stderr, "%s: %s; its records are not kept\n", s->c->who, err);
}

/* The expression for e: one pattern's, or the || of several (parsed into
 * *tmp, which the caller frees). NULL when some pattern selects e with no
 * filter, or none has one. */
static const struct rm_filter_expr *expr_for(struct rm_sink *s, const struct rm_event_info *e,
					     struct rm_filter_expr **tmp)
{
	const struct rm_filter_expr *one = NULL;
	size_t len = 0;
	int n = 0;
	for (int i = 0; i < s->npatterns; i++) {
		if (!matches(s->patterns[i], e))
			continue;
		if (!s->exprs[i])
			return NULL;
		one = s->exprs[i];
		len += strlen(s->filters[i]) + 6;
		n++;
	}
	if (n <= 1)
		return one;
	char *text = malloc(len + 1), err[256];
	if (!text)
		return one;
	text[0] = 0;
	for (int i = 0; i < s->npatterns; i++)
		if (matches(s->patterns[i], e))
			strcat(strcat(strcat(text, text[0] ? " || (" : "("), s->filters[i]), ")");
	*tmp = rm_filter_parse(text, err, sizeof(err));
	free(text);
	return *tmp ? *tmp : one;
}

int filter_decide(struct trace *t, uint32_t id, const struct rm_event_info *e)
{
	if (t->prog) {
		free(t->prog[id]);
		t->prog[id] = NULL;
	}
	struct rm_filter_expr *tmp = NULL;
	const struct rm_filter_expr *x = expr_for(t->s, e, &tmp);
	if (!x)
		return 0;
	struct rm_filter_prog *p = malloc(sizeof(*p));
	if (!t->prog)
		t->prog = calloc(t->k->a.event_max, sizeof(*t->prog));
	char err[512];
	int rc = -1;
	if (!p || !t->prog)
		snprintf(err, sizeof(err), "filter on %s:%s: out of memory", e->provider, e->name);
	else if ((rc = rm_filter_compile(x, e, p, err, sizeof(err))) == 0)
		t->prog[id] = p, p = NULL;
	free(p);
	rm_filter_expr_free(tmp);
	if (rc < 0)
		report(t->s, err);
	return rc;
}

bool filter_pass(struct trace *t, const struct rm_packet *pk, const struct rm_record *rec)
{
	uint32_t id = RM_REC_ID(rec->word);
	const struct rm_filter_prog *prog = t->prog && id < t->k->a.event_max ? t->prog[id] : NULL;
	if (!prog)
		return true;
	const struct rm_event_info *e = rm_reader_event(t->k->r, id);
	if (!e)
		return true;
	/* the reader validated the payload against e: strings end inside it */
	/* after its per-event contexts, if it has any (shm/evctx.h) */
	const unsigned char *p = rec->payload + rm_evctx_size(RM_REC_CTX(rec->word));
	const void *vals[RM_FIELDS_MAX] = { 0 };
	const char *strs[RM_FIELDS_MAX];
	uint8_t types[RM_FIELDS_MAX];
	for (uint32_t i = 0; i < e->nfields && i < RM_FIELDS_MAX; i++) {
		types[i] = e->fields[i].type;
		if (types[i] == RM_T_STRING) {
			strs[i] = (const char *)p;
			vals[i] = &strs[i];
			p += strlen(strs[i]) + 1;
		} else if (types[i] == RM_T_BYTES) {
			uint32_t n;
			memcpy(&n, p, 4);
			p += 4 + n;
		} else {
			vals[i] = p;
			p += rm_type_size(types[i]);
		}
	}
	struct rm_task_ctx tc;
	rm_task_ctx(&t->k->tns, pk->pid, pk->tid, t->k->hello.comm, &tc);
	struct rm_filter_ctxv ctx = { .num = { [RM_FCTX_PID] = pk->pid, [RM_FCTX_TID] = pk->tid,
					      [RM_FCTX_VPID] = tc.vpid, [RM_FCTX_VTID] = tc.vtid },
				     .procname = tc.procname };
	struct rm_filter_env env = { .nfields = e->nfields, .types = types, .vals = vals, .ctx = &ctx };
	return rm_filter_eval(prog, &env, NULL) != 0;
}

void filter_sync_begin(struct conn *k)
{
	for (int s = 0; s < RM_FILTER_SLOTS; s++)
		k->app_slot[s] &= (uint8_t)~SLOT_NOW;
}

static int slot_for(struct conn *k, const struct rm_filter_prog *want)
{
	for (int s = 0; s < RM_FILTER_SLOTS; s++)
		if ((k->app_slot[s] & SLOT_FULL) && !memcmp(&k->app_prog[s], want, sizeof(*want)))
			return s;
	/* a slot no byte named at the last sync either: a thread that read
	 * an old byte may still be running the old program */
	for (int s = 0; s < RM_FILTER_SLOTS; s++)
		if (!(k->app_slot[s] & (SLOT_USED | SLOT_NOW))) {
			k->app_prog[s] = *want;
			/* the program goes out before the byte that names it:
			 * the caller stores that byte with release order
			 * (sink_sync_conn), pairing with the app's load of it (a stale
			 * or torn program is safe, only wrong) */
			memcpy(&k->a.filters[s], want, sizeof(*want));
			k->app_slot[s] |= SLOT_FULL;
			return s;
		}
	return -1; /* 63 distinct programs in use: the consumer filters alone */
}

uint8_t filter_app_bits(struct conn *k, struct trace *const *ts, int nt, uint32_t id)
{
	const struct rm_filter_prog *want = NULL;
	for (int i = 0; i < nt; i++) {
		uint8_t st = ts[i]->st[id];
		if (st != EV_SELECTED && st != EV_DECLARED)
			continue;
		const struct rm_filter_prog *p = ts[i]->prog ? ts[i]->prog[id] : NULL;
		if (!p || (want && memcmp(want, p, sizeof(*p))))
			return 0; /* one takes every record, or they disagree */
		want = p;
	}
	const struct rm_event_info *e = want ? rm_reader_event(k->r, id) : NULL;
	if (!e)
		return 0;
	uint8_t types[RM_FIELDS_MAX];
	for (uint32_t i = 0; i < e->nfields && i < RM_FIELDS_MAX; i++)
		types[i] = e->fields[i].type;
	if (rm_filter_validate(want, e->nfields, types, true))
		return 0; /* reads a context: only the consumer can run it */
	int s = slot_for(k, want);
	if (s < 0)
		return 0;
	k->app_slot[s] |= SLOT_NOW;
	return (uint8_t)((s + 1) << RM_ENABLE_FILTER_SHIFT);
}

void filter_sync_end(struct conn *k)
{
	for (int s = 0; s < RM_FILTER_SLOTS; s++)
		k->app_slot[s] = (uint8_t)((k->app_slot[s] & SLOT_FULL) |
					   ((k->app_slot[s] & SLOT_NOW) ? SLOT_USED : 0));
}

void filter_trace_free(struct trace *t)
{
	if (!t->prog)
		return;
	for (uint32_t id = 0; id < t->k->a.event_max; id++)
		free(t->prog[id]);
	free(t->prog);
	t->prog = NULL;
}

int rm_consumer_check_filter(struct rm_consumer *c, const char *pattern, const char *filter,
			     char *err, size_t errlen)
{
	struct rm_filter_expr *x = rm_filter_parse(filter, err, errlen);
	if (!x)
		return -1;
	int rc = 0;
	struct conn *k;
	struct cds_lfht_iter it;
	struct rm_filter_prog prog;
	rcu_read_lock();
	EACH_CONN(c, it, k) {
		if (!k->attached || k->done || rc < 0)
			continue;
		uint32_t n = rm_reader_event_count(k->r);
		for (uint32_t id = 0; id < n && rc == 0; id++) {
			const struct rm_event_info *e = rm_reader_event(k->r, id);
			if (e && e->valid && matches(pattern, e))
				rc = rm_filter_compile(x, e, &prog, err, errlen);
		}
	}
	rcu_read_unlock();
	rm_filter_expr_free(x);
	return rc;
}

bool rm_consumer_event_app_filter(struct rm_consumer *c, uint32_t serial, uint32_t id)
{
	struct conn *k;
	struct cds_lfht_iter it;
	bool on = false;
	rcu_read_lock();
	EACH_CONN(c, it, k)
		if (k->serial == serial && k->attached && !k->done && id < k->a.event_max)
			on = (__atomic_load_n(&k->a.enable[id], __ATOMIC_RELAXED) >>
			      RM_ENABLE_FILTER_SHIFT) != 0;
	rcu_read_unlock();
	return on;
}
