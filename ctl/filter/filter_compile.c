/* The expression tree of one filter, type-checked against one event's
 * fields and emitted as a decision graph (shm/filter.h). Emission runs
 * from the end: a node is compiled knowing where to go when it is true
 * and when it is false, so `l && r` compiles r first, then l with "true:
 * go to r". Instructions are numbered in emission order and laid out in
 * reverse, so every jump goes forward and the entry is instruction 0. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl/filter/filter_ast.h"

/* A label: an emission number, or one of these. */
enum { L_KEEP = -1, L_DROP = -2, L_NONE = -3 };

struct emit {
	struct rm_filter_prog *p;
	const struct rm_event_info *e;
	char *err;
	size_t errlen;
	bool failed;
};

static const char *const ctx_names[RM_FCTX_COUNT] = { "pid", "tid", "vpid", "vtid", "procname" };

static void fail(struct emit *m, int col, const char *fmt, ...)
{
	if (m->failed)
		return;
	m->failed = true;
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(m->err, m->errlen, "filter on %s:%s: %s at column %d", m->e->provider, m->e->name,
		 what, col);
}

/* Emits a test going to t when true and f when false; its label. Targets
 * are emission numbers until rm_filter_compile lays the program out. */
static int emit(struct emit *m, int col, struct rm_filter_insn in, int t, int f)
{
	if (m->p->ninsn == RM_FILTER_INSN_MAX) {
		fail(m, col, "expression too long (%d tests at most)", RM_FILTER_INSN_MAX);
		return L_KEEP;
	}
	in.jt = (uint8_t)(t == L_KEEP ? RM_FILTER_KEEP : t == L_DROP ? RM_FILTER_DROP : t);
	in.jf = (uint8_t)(f == L_KEEP ? RM_FILTER_KEEP : f == L_DROP ? RM_FILTER_DROP : f);
	m->p->insn[m->p->ninsn] = in;
	return (int)m->p->ninsn++;
}

static int find_field(const struct rm_event_info *e, const char *name)
{
	for (uint32_t i = 0; i < e->nfields; i++)
		if (!strcmp(e->fields[i].name, name))
			return (int)i;
	return -1;
}

static void field_list(const struct rm_event_info *e, char *buf, size_t n)
{
	size_t at = 0;
	buf[0] = 0;
	for (uint32_t i = 0; i < e->nfields && at < n; i++)
		at += (size_t)snprintf(buf + at, n - at, "%s%s", i ? ", " : "", e->fields[i].name);
	if (!e->nfields)
		snprintf(buf, n, "none");
}

/* A field or $ctx leaf: its operand code and 'n' (number) or 's'
 * (string); 0 after an error (reported). */
static char operand(struct emit *m, const struct fx *x, uint8_t *opnd)
{
	if (x->kind == FX_FIELD) {
		int f = find_field(m->e, x->text);
		if (f < 0) {
			char list[RM_FIELDS_MAX * (RM_NAME_MAX + 2)];
			field_list(m->e, list, sizeof(list));
			fail(m, x->col, "unknown field '%s' (its fields: %s)", x->text, list);
			return 0;
		}
		*opnd = (uint8_t)f;
		uint8_t t = m->e->fields[f].type;
		if (t == RM_T_BYTES) {
			fail(m, x->col, "field '%s' is a byte sequence, which filters cannot read", x->text);
			return 0;
		}
		return t == RM_T_STRING ? 's' : 'n';
	}
	for (int c = 0; c < RM_FCTX_COUNT; c++)
		if (!strcmp(ctx_names[c], x->text)) {
			*opnd = (uint8_t)(RM_FOPND_CTX | c);
			return c == RM_FCTX_PROCNAME ? 's' : 'n';
		}
	fail(m, x->col, "unknown context '$ctx.%s' (pid, tid, vpid, vtid, procname)", x->text);
	return 0;
}

static bool is_operand(const struct fx *x)
{
	return x->kind == FX_FIELD || x->kind == FX_CTX;
}

static bool is_number(const struct fx *x)
{
	return x->kind == FX_INT || x->kind == FX_UINT || x->kind == FX_FLOAT;
}

static const char *what(const struct fx *x)
{
	return x->kind == FX_FIELD ? "field" : "context";
}

static const char *name_of(const struct fx *x)
{
	return x->text ? x->text : "";
}

static struct rm_filter_insn konst(const struct fx *k)
{
	struct rm_filter_insn in = { .op = RM_FOP_TEST_K };
	if (k->kind == FX_FLOAT)
		in.kind = RM_FK_F, in.k.d = k->d;
	else if (k->kind == FX_UINT)
		in.kind = RM_FK_U, in.k.u = k->u;
	else
		in.kind = RM_FK_S, in.k.i = k->i;
	return in;
}

static double num_value(const struct fx *k)
{
	return k->kind == FX_FLOAT ? k->d : k->kind == FX_UINT ? (double)k->u : (double)k->i;
}

static int string_test(struct emit *m, const struct fx *x, int t, int f)
{
	const struct fx *s = is_operand(x->l) ? x->l : x->r, *lit = s == x->l ? x->r : x->l;
	uint8_t o = 0;
	char ty = operand(m, s, &o);
	if (!ty)
		return L_KEEP;
	if (ty != 's') {
		fail(m, s->col, "%s '%s' is a number, compared to a string (a string compares only "
		     "with == or != to a string field or $ctx.procname)", what(s), name_of(s));
		return L_KEEP;
	}
	if (lit->kind != FX_STR) {
		fail(m, s->col, "%s '%s' is a string: it compares only with == or != to a \"string\" "
		     "literal", what(s), name_of(s));
		return L_KEEP;
	}
	if (x->cmp != RM_FCMP_EQ && x->cmp != RM_FCMP_NE) {
		fail(m, x->col, "strings compare with == or != only");
		return L_KEEP;
	}
	uint32_t off = m->p->pool_len;
	if (lit->len > RM_FILTER_POOL_MAX - off) {
		fail(m, lit->col, "strings too long (%d bytes in all at most)", RM_FILTER_POOL_MAX);
		return L_KEEP;
	}
	memcpy(m->p->pool + off, lit->text, lit->len);
	m->p->pool_len = off + (uint32_t)lit->len;
	struct rm_filter_insn in = { .op = RM_FOP_TEST_STR, .a = o, .cmp = x->cmp,
				     .len = (uint16_t)lit->len };
	in.k.u = off;
	return emit(m, x->col, in, t, f);
}

static int compare(struct emit *m, const struct fx *x, int t, int f)
{
	static const uint8_t mirror[] = { RM_FCMP_EQ, RM_FCMP_NE, RM_FCMP_GT, RM_FCMP_GE,
					  RM_FCMP_LT, RM_FCMP_LE };
	const struct fx *l = x->l, *r = x->r;
	if (l->kind == FX_STR || r->kind == FX_STR) {
		if (l->kind == FX_STR && r->kind == FX_STR) {
			fail(m, x->col, "two string literals compared: compare a field");
			return L_KEEP;
		}
		if (!is_operand(l->kind == FX_STR ? r : l)) {
			fail(m, x->col, "a string compares only with a string field or $ctx.procname");
			return L_KEEP;
		}
		return string_test(m, x, t, f);
	}
	if (!is_operand(l) && !is_operand(r)) {
		if (!is_number(l) || !is_number(r)) {
			fail(m, x->col, "a comparison compares a field or $ctx value, not a condition");
			return L_KEEP;
		}
		double a = num_value(l), b = num_value(r); /* constant: decided here */
		bool v = x->cmp == RM_FCMP_EQ ? a == b : x->cmp == RM_FCMP_NE ? a != b :
			 x->cmp == RM_FCMP_LT ? a < b : x->cmp == RM_FCMP_LE ? a <= b :
			 x->cmp == RM_FCMP_GT ? a > b : a >= b;
		return v ? t : f;
	}
	uint8_t how = x->cmp;
	if (!is_operand(l)) {
		const struct fx *tmp = l;
		l = r, r = tmp, how = mirror[how];
	}
	uint8_t a = 0, b = 0;
	char tl = operand(m, l, &a);
	if (!tl)
		return L_KEEP;
	if (tl == 's') {
		fail(m, l->col, "%s '%s' is a string, used as a number (a string compares with == or "
		     "!= to a \"string\")", what(l), name_of(l));
		return L_KEEP;
	}
	if (is_number(r)) {
		struct rm_filter_insn in = konst(r);
		in.a = a;
		in.cmp = how;
		return emit(m, x->col, in, t, f);
	}
	if (!is_operand(r)) {
		fail(m, r->col, "a comparison compares a field or $ctx value, not a condition");
		return L_KEEP;
	}
	char tr = operand(m, r, &b);
	if (!tr)
		return L_KEEP;
	if (tr == 's') {
		fail(m, r->col, "%s '%s' is a string, used as a number", what(r), name_of(r));
		return L_KEEP;
	}
	struct rm_filter_insn in = { .op = RM_FOP_TEST_V, .a = a, .cmp = how };
	in.k.u = b;
	return emit(m, x->col, in, t, f);
}

/* One bound of a range: `field OP integer` (either way round) with OP
 * one of < <= > >=, as an inclusive bound. False when x is not one. */
static bool bound(const struct fx *x, const char **field, bool *lower, struct fx *k)
{
	static const uint8_t mirror[] = { RM_FCMP_EQ, RM_FCMP_NE, RM_FCMP_GT, RM_FCMP_GE,
					  RM_FCMP_LT, RM_FCMP_LE };
	if (x->kind != FX_CMP || x->cmp < RM_FCMP_LT)
		return false;
	const struct fx *f = x->l, *c = x->r;
	uint8_t how = x->cmp;
	if (f->kind != FX_FIELD)
		f = x->r, c = x->l, how = mirror[how];
	if (f->kind != FX_FIELD || (c->kind != FX_INT && c->kind != FX_UINT))
		return false;
	*field = f->text;
	*k = *c;
	bool uns = c->kind == FX_UINT;
	*lower = how == RM_FCMP_GT || how == RM_FCMP_GE;
	/* > A is >= A + 1, < B is <= B - 1; at the type's edge, no range */
	if (how == RM_FCMP_GT) {
		if (uns ? k->u == UINT64_MAX : k->i == INT64_MAX)
			return false;
		uns ? (void)k->u++ : (void)k->i++;
	} else if (how == RM_FCMP_LT) {
		if (uns ? k->u == 0 : k->i == INT64_MIN)
			return false;
		uns ? (void)k->u-- : (void)k->i--;
	}
	return true;
}

/* `f >= A && f < B` on one integer field as one TEST_RANGE (both
 * constants signed, or both unsigned); L_NONE when x is not that. */
static int range(struct emit *m, const struct fx *x, int t, int f)
{
	const char *n1, *n2;
	bool lo1, lo2;
	struct fx k1, k2;
	if (!bound(x->l, &n1, &lo1, &k1) || !bound(x->r, &n2, &lo2, &k2) || lo1 == lo2 ||
	    strcmp(n1, n2) || k1.kind != k2.kind)
		return L_NONE;
	int idx = find_field(m->e, n1);
	if (idx < 0 || m->e->fields[idx].type < RM_T_U8 || m->e->fields[idx].type > RM_T_S64)
		return L_NONE; /* floats, bools, strings, unknown: the general way reports */
	const struct fx *low = lo1 ? &k1 : &k2, *high = lo1 ? &k2 : &k1;
	uint32_t off = (m->p->pool_len + 7) & ~7u;
	if (off + 8 > RM_FILTER_POOL_MAX)
		return L_NONE;
	memcpy(m->p->pool + off, low->kind == FX_UINT ? (const void *)&high->u : (const void *)&high->i, 8);
	m->p->pool_len = off + 8;
	struct rm_filter_insn in = { .op = RM_FOP_TEST_RANGE, .a = (uint8_t)idx,
				     .kind = low->kind == FX_UINT ? RM_FK_U : RM_FK_S,
				     .len = (uint16_t)off };
	if (low->kind == FX_UINT)
		in.k.u = low->u;
	else
		in.k.i = low->i;
	return emit(m, x->col, in, t, f);
}

/* Compiles x to go to t when it is true, f when false; its entry label. */
static int cond(struct emit *m, const struct fx *x, int t, int f)
{
	if (m->failed)
		return L_KEEP;
	switch (x->kind) {
	case FX_AND: {
		int r = range(m, x, t, f);
		if (r != L_NONE)
			return r;
		return cond(m, x->l, cond(m, x->r, t, f), f);
	}
	case FX_OR:
		return cond(m, x->l, t, cond(m, x->r, t, f));
	case FX_NOT:
		return cond(m, x->l, f, t);
	case FX_CMP:
		return compare(m, x, t, f);
	case FX_STR:
		fail(m, x->col, "a string alone is not a condition: compare it with == or !=");
		return L_KEEP;
	case FX_INT:
	case FX_UINT:
	case FX_FLOAT:
		return num_value(x) != 0 || (x->kind != FX_FLOAT && x->u) ? t : f;
	default: {
		uint8_t o = 0;
		char ty = operand(m, x, &o);
		if (ty == 's')
			fail(m, x->col, "string %s '%s' alone is not a condition: compare it with == or !=",
			     what(x), name_of(x));
		if (ty != 'n')
			return L_KEEP;
		return emit(m, x->col, (struct rm_filter_insn){ .op = RM_FOP_TEST_NZ, .a = o }, t, f);
	}
	}
}

/* Emission numbers to positions: the last emitted is the entry, at 0. */
static uint8_t place(uint8_t target, uint32_t n)
{
	return target == RM_FILTER_KEEP || target == RM_FILTER_DROP ? target : (uint8_t)(n - 1 - target);
}

int rm_filter_compile(const struct rm_filter_expr *x, const struct rm_event_info *e,
		      struct rm_filter_prog *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	struct emit m = { .p = out, .e = e, .err = err, .errlen = errlen };
	int entry = cond(&m, x->root, L_KEEP, L_DROP);
	if (m.failed)
		return -1;
	if (entry < 0) /* decided without a test: one that always gives it */
		entry = emit(&m, 1, (struct rm_filter_insn){ .op = RM_FOP_TEST_CONST,
							    .a = entry == L_KEEP },
			     L_KEEP, L_DROP);
	else if (entry != (int)out->ninsn - 1) /* tests after it were folded away: go to it */
		entry = emit(&m, 1, (struct rm_filter_insn){ .op = RM_FOP_TEST_CONST, .a = 1 },
			     entry, entry);
	if (m.failed)
		return -1;
	uint32_t n = out->ninsn;
	struct rm_filter_insn tmp[RM_FILTER_INSN_MAX];
	for (uint32_t i = 0; i < n; i++) {
		tmp[n - 1 - i] = out->insn[i];
		tmp[n - 1 - i].jt = place(out->insn[i].jt, n);
		tmp[n - 1 - i].jf = place(out->insn[i].jf, n);
	}
	memcpy(out->insn, tmp, n * sizeof(tmp[0]));
	uint8_t types[RM_FIELDS_MAX];
	for (uint32_t i = 0; i < e->nfields && i < RM_FIELDS_MAX; i++)
		types[i] = e->fields[i].type;
	/* after the pool is final: the bounds go at its end */
	rm_filter_prefilter(out, e->nfields, types);
	const char *why = rm_filter_validate(out, e->nfields, types, false);
	if (why) {
		snprintf(err, errlen, "filter on %s:%s: internal error, bytecode refused: %s",
			 e->provider, e->name, why);
		return -1;
	}
	return 0;
}
