/* The expression tree of one filter, type-checked against one event's
 * fields and emitted as bytecode (shm/filter.h). && and || short-circuit
 * with forward jumps; a string comparison is one STR instruction against
 * a glob in the pool. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl/filter/filter_ast.h"

struct emit {
	struct rm_filter_prog *p;
	const struct rm_event_info *e;
	char *err;
	size_t errlen;
	bool failed;
};

static void cond(struct emit *m, const struct fx *x);

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

static uint32_t insn(struct emit *m, int col, uint8_t op, uint8_t a, uint16_t b, uint32_t c)
{
	if (m->p->ninsn == RM_FILTER_INSN_MAX) {
		fail(m, col, "expression too long (%d instructions at most)", RM_FILTER_INSN_MAX);
		return 0;
	}
	m->p->insn[m->p->ninsn] = (struct rm_filter_insn){ op, a, b, c };
	return m->p->ninsn++;
}

static uint32_t pool(struct emit *m, int col, const void *data, size_t len, size_t align)
{
	uint32_t off = (m->p->pool_len + (uint32_t)align - 1) & ~((uint32_t)align - 1);
	if (off > RM_FILTER_POOL_MAX || len > RM_FILTER_POOL_MAX - off) {
		fail(m, col, "constants too long (%d bytes at most)", RM_FILTER_POOL_MAX);
		return 0;
	}
	memcpy(m->p->pool + off, data, len);
	m->p->pool_len = off + (uint32_t)len;
	return off;
}

static int find_field(const struct rm_event_info *e, const char *name)
{
	for (uint32_t i = 0; i < e->nfields; i++)
		if (!strcmp(e->fields[i].name, name))
			return (int)i;
	return -1;
}

static int find_ctx(const char *name)
{
	for (int i = 0; i < RM_FCTX_COUNT; i++)
		if (!strcmp(ctx_names[i], name))
			return i;
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

/* What a leaf is: 'n' number, 's' string, 0 after an error. */
static char leaf_type(struct emit *m, const struct fx *x, int *index)
{
	if (x->kind == FX_FIELD) {
		int f = find_field(m->e, x->text);
		if (f < 0) {
			char list[RM_FIELDS_MAX * (RM_NAME_MAX + 2)];
			field_list(m->e, list, sizeof(list));
			fail(m, x->col, "unknown field '%s' (its fields: %s)", x->text, list);
			return 0;
		}
		*index = f;
		uint8_t t = m->e->fields[f].type;
		if (t == RM_T_BYTES) {
			fail(m, x->col, "field '%s' is a byte sequence, which filters cannot read", x->text);
			return 0;
		}
		return t == RM_T_STRING ? 's' : 'n';
	}
	if (x->kind == FX_CTX) {
		int c = find_ctx(x->text);
		if (c < 0) {
			fail(m, x->col, "unknown context '$ctx.%s' (pid, tid, vpid, vtid, procname)", x->text);
			return 0;
		}
		*index = c;
		return c == RM_FCTX_PROCNAME ? 's' : 'n';
	}
	return x->kind == FX_STR ? 's' : 'n';
}

static const char *what(const struct fx *x)
{
	switch (x->kind) {
	case FX_FIELD: return "field";
	case FX_CTX: return "context";
	case FX_STR: return "string";
	default: return "value";
	}
}

static void num(struct emit *m, const struct fx *x)
{
	int idx = 0;
	switch (x->kind) {
	case FX_FIELD:
	case FX_CTX:
		if (leaf_type(m, x, &idx) == 's')
			fail(m, x->col, "%s '%s' is a string, used as a number", what(x), x->text);
		else
			insn(m, x->col, x->kind == FX_FIELD ? RM_FOP_FIELD : RM_FOP_CTX, (uint8_t)idx, 0, 0);
		return;
	case FX_INT:
		insn(m, x->col, RM_FOP_CONST_S, 0, 0, pool(m, x->col, &x->i, 8, 8));
		return;
	case FX_UINT:
		insn(m, x->col, RM_FOP_CONST_U, 0, 0, pool(m, x->col, &x->u, 8, 8));
		return;
	case FX_FLOAT:
		insn(m, x->col, RM_FOP_CONST_F, 0, 0, pool(m, x->col, &x->d, 8, 8));
		return;
	case FX_STR:
		fail(m, x->col, "string \"%s\" used as a number", x->text);
		return;
	default: /* a condition used as a value: 0 or 1 */
		break;
	}
	cond(m, x);
}

static void str_cmp(struct emit *m, const struct fx *x)
{
	const struct fx *s = x->l, *lit = x->r;
	if (s->kind == FX_STR) {
		s = x->r;
		lit = x->l;
	}
	int idx = 0;
	char ts = leaf_type(m, s, &idx);
	if (!ts)
		return;
	if (ts != 's') {
		fail(m, s->col, "%s '%s' is a number, compared to a string (a string compares only "
		     "with == or != to a string field or $ctx.procname)", what(s), s->text ? s->text : "");
		return;
	}
	if (lit->kind != FX_STR) {
		fail(m, s->col, "%s '%s' is a string: it compares only with == or != to a \"string\" "
		     "literal, not a number", what(s), s->text);
		return;
	}
	if (x->cmp != RM_FCMP_EQ && x->cmp != RM_FCMP_NE) {
		fail(m, x->col, "strings compare with == or != only");
		return;
	}
	uint32_t off = pool(m, lit->col, lit->text, lit->len, 1);
	insn(m, s->col, s->kind == FX_FIELD ? RM_FOP_STR : RM_FOP_CTXSTR, (uint8_t)idx,
	     (uint16_t)lit->len, off);
	if (x->cmp == RM_FCMP_NE)
		insn(m, x->col, RM_FOP_NOT, 0, 0, 0);
}

static bool literal(const struct fx *x)
{
	return x->kind == FX_INT || x->kind == FX_UINT || x->kind == FX_FLOAT;
}

/* field OP literal (or literal OP field, mirrored) as one FCMP: the common
 * shape, three instructions' work in one dispatch. */
static bool fused(struct emit *m, const struct fx *x)
{
	static const uint8_t mirror[] = { RM_FCMP_EQ, RM_FCMP_NE, RM_FCMP_GT, RM_FCMP_GE,
					  RM_FCMP_LT, RM_FCMP_LE };
	const struct fx *f = x->l, *k = x->r;
	uint8_t how = x->cmp;
	if (f->kind != FX_FIELD || !literal(k)) {
		f = x->r, k = x->l, how = mirror[x->cmp];
		if (f->kind != FX_FIELD || !literal(k))
			return false;
	}
	int idx = 0;
	if (leaf_type(m, f, &idx) != 'n')
		return false; /* num() reports it */
	uint16_t kind = k->kind == FX_INT ? 0 : k->kind == FX_UINT ? 1 : 2;
	const void *v = k->kind == FX_INT ? (const void *)&k->i : k->kind == FX_UINT ?
			(const void *)&k->u : (const void *)&k->d;
	uint32_t off = pool(m, k->col, v, 8, 8);
	insn(m, f->col, RM_FOP_FCMP, (uint8_t)idx, (uint16_t)(how | kind << 8), off);
	return true;
}

static bool stringy(struct emit *m, const struct fx *x)
{
	int idx;
	if (x->kind == FX_STR)
		return true;
	if (x->kind != FX_FIELD && x->kind != FX_CTX)
		return false;
	bool failed = m->failed;
	char t = leaf_type(m, x, &idx);
	if (!failed && m->failed)
		return false; /* reported */
	return t == 's';
}

/* Leaves one 0/1 (or, for a bare number, its truth) on the stack. */
static void cond(struct emit *m, const struct fx *x)
{
	if (m->failed)
		return;
	switch (x->kind) {
	case FX_OR:
	case FX_AND: {
		cond(m, x->l);
		uint32_t j = insn(m, x->col, x->kind == FX_OR ? RM_FOP_JT : RM_FOP_JF, 0, 0, 0);
		cond(m, x->r);
		if (!m->failed)
			m->p->insn[j].c = m->p->ninsn;
		return;
	}
	case FX_NOT:
		cond(m, x->l);
		insn(m, x->col, RM_FOP_NOT, 0, 0, 0);
		return;
	case FX_CMP:
		if (stringy(m, x->l) || stringy(m, x->r)) {
			str_cmp(m, x);
			return;
		}
		if (fused(m, x))
			return;
		num(m, x->l);
		num(m, x->r);
		insn(m, x->col, RM_FOP_CMP, x->cmp, 0, 0);
		return;
	case FX_STR:
		fail(m, x->col, "a string alone is not a condition: compare it with == or !=");
		return;
	default:
		if (stringy(m, x)) {
			if (!m->failed)
				fail(m, x->col, "string %s '%s' alone is not a condition: compare it with == or !=",
				     what(x), x->text);
			return;
		}
		num(m, x);
		insn(m, x->col, RM_FOP_BOOL, 0, 0, 0);
	}
}

int rm_filter_compile(const struct rm_filter_expr *x, const struct rm_event_info *e,
		      struct rm_filter_prog *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	struct emit m = { .p = out, .e = e, .err = err, .errlen = errlen };
	cond(&m, x->root);
	insn(&m, 1, RM_FOP_RET, 0, 0, 0);
	if (m.failed)
		return -1;
	uint8_t types[RM_FIELDS_MAX];
	for (uint32_t i = 0; i < e->nfields && i < RM_FIELDS_MAX; i++)
		types[i] = e->fields[i].type;
	const char *why = rm_filter_validate(out, e->nfields, types, false);
	if (why) {
		snprintf(err, errlen, "filter on %s:%s: internal error, bytecode refused: %s",
			 e->provider, e->name, why);
		return -1;
	}
	return 0;
}
