/* Recursive descent over the grammar in filter.h; every node keeps the
 * column of its first token so the compiler's type errors can point. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/filter/filter_ast.h"

struct parser {
	const char *s;
	size_t pos;
	char *err;
	size_t errlen;
	bool failed;
	bool ctx;
	int depth;
};

static void fail(struct parser *p, size_t at, const char *fmt, ...)
{
	if (p->failed)
		return;
	p->failed = true;
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "filter: %s at column %zu", what, at + 1);
}

static void skip_ws(struct parser *p)
{
	while (isspace((unsigned char)p->s[p->pos]))
		p->pos++;
}

static bool eat(struct parser *p, const char *tok)
{
	skip_ws(p);
	size_t n = strlen(tok);
	if (strncmp(p->s + p->pos, tok, n))
		return false;
	/* "=" alone, "<" before "<=", "!" before "!=" */
	if (n == 1 && (tok[0] == '<' || tok[0] == '>' || tok[0] == '!') && p->s[p->pos + 1] == '=')
		return false;
	p->pos += n;
	return true;
}

static struct fx *node(struct parser *p, enum fx_kind k, size_t at)
{
	struct fx *x = calloc(1, sizeof(*x));
	if (!x) {
		fail(p, at, "out of memory");
		return NULL;
	}
	x->kind = k;
	x->col = (int)at + 1;
	return x;
}

static void fx_free(struct fx *x)
{
	if (!x)
		return;
	fx_free(x->l);
	fx_free(x->r);
	free(x->text);
	free(x);
}

static struct fx *parse_or(struct parser *p);

static struct fx *parse_string(struct parser *p, size_t at)
{
	size_t i = p->pos + 1, n = 0;
	char *buf = malloc(strlen(p->s + i) + 1);
	if (!buf) {
		fail(p, at, "out of memory");
		return NULL;
	}
	for (;; i++) {
		char c = p->s[i];
		if (!c) {
			free(buf);
			fail(p, at, "string not closed");
			return NULL;
		}
		if (c == '"')
			break;
		if (c == '\\' && p->s[i + 1] == '"')
			c = p->s[++i];
		else if (c == '\\' && p->s[i + 1]) /* \* and \\ stay: the glob reads them */
			buf[n++] = p->s[i++], c = p->s[i];
		buf[n++] = c;
	}
	buf[n] = 0;
	p->pos = i + 1;
	struct fx *x = node(p, FX_STR, at);
	if (!x) {
		free(buf);
		return NULL;
	}
	x->text = buf;
	x->len = n;
	return x;
}

static struct fx *parse_number(struct parser *p, size_t at)
{
	const char *start = p->s + p->pos;
	size_t n = strspn(start, "-+0123456789abcdefABCDEFxX.");
	/* an exponent's sign: 1e-3 */
	while (n && (start[n - 1] == 'e' || start[n - 1] == 'E') && (start[n] == '-' || start[n] == '+'))
		n += 1 + strspn(start + n + 1, "0123456789");
	char tok[64];
	if (n == 0 || n >= sizeof(tok)) {
		fail(p, at, "bad number");
		return NULL;
	}
	memcpy(tok, start, n);
	tok[n] = 0;
	bool hex = strstr(tok, "0x") || strstr(tok, "0X");
	bool is_float = !hex && strpbrk(tok, ".eE");
	char *end;
	struct fx *x;
	errno = 0;
	if (is_float) {
		double d = strtod(tok, &end);
		if (*end || errno) {
			fail(p, at, "bad number '%s'", tok);
			return NULL;
		}
		if (!(x = node(p, FX_FLOAT, at)))
			return NULL;
		x->d = d;
	} else if (tok[0] == '-') {
		long long v = strtoll(tok, &end, 0);
		if (*end || errno) {
			fail(p, at, "bad or out of range integer '%s'", tok);
			return NULL;
		}
		if (!(x = node(p, FX_INT, at)))
			return NULL;
		x->i = v;
	} else {
		unsigned long long v = strtoull(tok, &end, 0);
		if (*end || errno) {
			fail(p, at, "bad or out of range integer '%s'", tok);
			return NULL;
		}
		if (!(x = node(p, v > INT64_MAX ? FX_UINT : FX_INT, at)))
			return NULL;
		x->u = v;
		x->i = (int64_t)v;
	}
	p->pos += n;
	return x;
}

static struct fx *parse_name(struct parser *p, size_t at, bool ctx)
{
	size_t i = p->pos;
	while (isalnum((unsigned char)p->s[i]) || p->s[i] == '_')
		i++;
	if (i == p->pos) {
		fail(p, at, ctx ? "context name expected after '$ctx.'" : "field name expected");
		return NULL;
	}
	struct fx *x = node(p, ctx ? FX_CTX : FX_FIELD, at);
	if (!x || !(x->text = strndup(p->s + p->pos, i - p->pos))) {
		free(x);
		fail(p, at, "out of memory");
		return NULL;
	}
	p->pos = i;
	return x;
}

static struct fx *parse_value(struct parser *p)
{
	skip_ws(p);
	size_t at = p->pos;
	char c = p->s[at];
	if (c == '(') {
		p->pos++;
		struct fx *x = parse_or(p);
		if (x && !eat(p, ")")) {
			skip_ws(p);
			fail(p, p->pos, "')' expected to close the '(' of column %zu", at + 1);
			fx_free(x);
			return NULL;
		}
		return x;
	}
	if (c == '"')
		return parse_string(p, at);
	if (isdigit((unsigned char)c) || c == '.' || (c == '-' && (isdigit((unsigned char)p->s[at + 1]) || p->s[at + 1] == '.')))
		return parse_number(p, at);
	if (!strncmp(p->s + at, "$ctx.", 5)) {
		p->pos += 5;
		p->ctx = true;
		return parse_name(p, at, true);
	}
	if (isalpha((unsigned char)c) || c == '_')
		return parse_name(p, at, false);
	if (!c)
		fail(p, at, "value expected, found the end");
	else
		fail(p, at, "value expected, found '%c'", c);
	return NULL;
}

static const struct {
	const char *tok;
	uint8_t cmp;
} relops[] = { { "==", RM_FCMP_EQ }, { "!=", RM_FCMP_NE }, { "<=", RM_FCMP_LE },
	       { ">=", RM_FCMP_GE }, { "<", RM_FCMP_LT },  { ">", RM_FCMP_GT } };

static struct fx *parse_cmp(struct parser *p)
{
	struct fx *l = parse_value(p);
	if (!l)
		return NULL;
	skip_ws(p);
	size_t at = p->pos;
	for (size_t i = 0; i < sizeof(relops) / sizeof(relops[0]); i++) {
		if (!eat(p, relops[i].tok))
			continue;
		struct fx *x = node(p, FX_CMP, at), *r = x ? parse_value(p) : NULL;
		if (!r) {
			fx_free(l);
			free(x);
			return NULL;
		}
		x->cmp = relops[i].cmp;
		x->l = l;
		x->r = r;
		return x;
	}
	if (p->s[at] == '=' ) {
		fail(p, at, "'=' is not an operator: use '=='");
		fx_free(l);
		return NULL;
	}
	return l;
}

static struct fx *parse_unary(struct parser *p)
{
	skip_ws(p);
	size_t at = p->pos;
	if (++p->depth > 64) {
		fail(p, at, "expression nested too deeply");
		return NULL;
	}
	struct fx *x;
	if (eat(p, "!")) {
		struct fx *c = parse_unary(p);
		if (!c || !(x = node(p, FX_NOT, at))) {
			fx_free(c);
			x = NULL;
		} else {
			x->l = c;
		}
	} else {
		x = parse_cmp(p);
	}
	p->depth--;
	return x;
}

static struct fx *parse_binary(struct parser *p, bool is_or)
{
	struct fx *l = is_or ? parse_binary(p, false) : parse_unary(p);
	while (l) {
		skip_ws(p);
		size_t at = p->pos;
		if (!eat(p, is_or ? "||" : "&&"))
			return l;
		struct fx *r = is_or ? parse_binary(p, false) : parse_unary(p);
		struct fx *x = r ? node(p, is_or ? FX_OR : FX_AND, at) : NULL;
		if (!x) {
			fx_free(l);
			fx_free(r);
			return NULL;
		}
		x->l = l;
		x->r = r;
		l = x;
	}
	return NULL;
}

static struct fx *parse_or(struct parser *p)
{
	if (++p->depth > 64) {
		fail(p, p->pos, "expression nested too deeply");
		return NULL;
	}
	struct fx *x = parse_binary(p, true);
	p->depth--;
	return x;
}

struct rm_filter_expr *rm_filter_parse(const char *text, char *err, size_t errlen)
{
	struct parser p = { .s = text, .err = err, .errlen = errlen };
	struct fx *root = parse_or(&p);
	skip_ws(&p);
	if (root && text[p.pos]) {
		fail(&p, p.pos, "unexpected '%c' (an operator or the end expected)", text[p.pos]);
		fx_free(root);
		root = NULL;
	}
	if (!root) {
		if (!p.failed)
			fail(&p, p.pos, "cannot parse");
		return NULL;
	}
	struct rm_filter_expr *x = calloc(1, sizeof(*x));
	if (!x) {
		fx_free(root);
		snprintf(err, errlen, "filter: out of memory");
		return NULL;
	}
	x->root = root;
	x->ctx = p.ctx;
	return x;
}

void rm_filter_expr_free(struct rm_filter_expr *x)
{
	if (!x)
		return;
	fx_free(x->root);
	free(x);
}

bool rm_filter_uses_ctx(const struct rm_filter_expr *x)
{
	return x && x->ctx;
}
