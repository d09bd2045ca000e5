/* The strict CTF reader's lexer (ctf_reader_lex.h): TSDL tokens with
 * line numbers, and the first error kept with the line it was found on. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctf/ctf_reader_lex.h"

void lex_fail(struct lex *l, const char *fmt, ...)
{
	if (l->bad)
		return;
	l->bad = true;
	l->kind = T_ERR;
	int n = snprintf(l->err, l->errlen, "line %u: ", l->tline ? l->tline : l->line);
	if (n < 0 || (size_t)n >= l->errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static bool lex_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool lex_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Skips whitespace and comments; false (and an error) on an open comment. */
static bool skip_space(struct lex *l)
{
	while (l->pos < l->len) {
		char c = l->s[l->pos];
		if (c == '\n') {
			l->line++;
			l->pos++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			l->pos++;
		} else if (c == '/' && l->pos + 1 < l->len && l->s[l->pos + 1] == '*') {
			size_t i = l->pos + 2;
			unsigned lines = 0;
			while (i + 1 < l->len && !(l->s[i] == '*' && l->s[i + 1] == '/'))
				lines += l->s[i++] == '\n';
			if (i + 1 >= l->len) {
				l->tline = l->line;
				lex_fail(l, "unterminated comment");
				return false;
			}
			l->line += lines;
			l->pos = i + 2;
		} else if (c == '/' && l->pos + 1 < l->len && l->s[l->pos + 1] == '/') {
			while (l->pos < l->len && l->s[l->pos] != '\n')
				l->pos++;
		} else {
			break;
		}
	}
	return true;
}

void lex_next(struct lex *l)
{
	if (l->bad || !skip_space(l))
		return;
	l->tline = l->line;
	l->tpos = l->pos;
	if (l->pos >= l->len) {
		l->kind = T_EOF;
		l->tlen = 0;
		return;
	}
	char c = l->s[l->pos];
	size_t i = l->pos;
	if (lex_is_alpha(c)) {
		while (i < l->len && (lex_is_alpha(l->s[i]) || lex_is_digit(l->s[i])))
			i++;
		l->kind = T_IDENT;
	} else if (lex_is_digit(c)) {
		while (i < l->len && lex_is_digit(l->s[i]))
			i++;
		l->kind = T_NUM;
	} else if (c == '"') {
		for (i++; i < l->len && l->s[i] != '"'; i++) {
			unsigned char ch = (unsigned char)l->s[i];
			if (ch == '\\') {
				if (i + 1 >= l->len || (l->s[i + 1] != '"' && l->s[i + 1] != '\\')) {
					lex_fail(l, "unsupported escape in a string (only \\\" and \\\\)");
					return;
				}
				i++;
			} else if (ch < 0x20 || ch > 0x7e) {
				lex_fail(l, "byte 0x%02x in a string (printable ASCII only)", ch);
				return;
			}
		}
		if (i >= l->len) {
			lex_fail(l, "unterminated string");
			return;
		}
		l->kind = T_STR;
		l->tpos = l->pos + 1;
		l->tlen = i - l->pos - 1;
		l->pos = i + 1;
		return;
	} else if (c == ':' && i + 1 < l->len && l->s[i + 1] == '=') {
		i += 2;
		l->kind = T_PUNCT;
	} else if (strchr("{};=:[],.-<>", c) && c) {
		i++;
		l->kind = T_PUNCT;
	} else {
		lex_fail(l, "unexpected byte 0x%02x", (unsigned char)c);
		return;
	}
	l->tlen = i - l->pos;
	l->pos = i;
}

void lex_init(struct lex *l, const char *s, size_t len, char *err, size_t errlen)
{
	*l = (struct lex){ .s = s, .len = len, .line = 1, .err = err, .errlen = errlen };
	lex_next(l);
}

bool lex_tok_is(const struct lex *l, int kind, const char *text)
{
	size_t n = strlen(text);
	return l->kind == kind && l->tlen == n && !memcmp(l->s + l->tpos, text, n);
}

/* The current token for a message: short, printable (tokens are ASCII). */
const char *lex_tok_show(const struct lex *l, char *buf, size_t size)
{
	if (l->kind == T_EOF)
		return "end of text";
	size_t n = l->tlen < 24 ? l->tlen : 24;
	snprintf(buf, size, "%s%.*s%s%s", l->kind == T_STR ? "\"" : "'", (int)n, l->s + l->tpos,
		 n < l->tlen ? "..." : "", l->kind == T_STR ? "\"" : "'");
	return buf;
}

/* Matches the tokens of `tmpl` (trusted text in the same syntax), in order. */
bool lex_seq(struct lex *l, const char *tmpl)
{
	struct lex t;
	char unused[8], shown[40];
	lex_init(&t, tmpl, strlen(tmpl), unused, sizeof(unused));
	while (!l->bad && t.kind != T_EOF) {
		if (l->kind != t.kind || l->tlen != t.tlen ||
		    memcmp(l->s + l->tpos, t.s + t.tpos, t.tlen)) {
			lex_fail(l, "expected %s%.*s%s, found %s", t.kind == T_STR ? "\"" : "'",
			      (int)t.tlen, t.s + t.tpos, t.kind == T_STR ? "\"" : "'",
			      lex_tok_show(l, shown, sizeof(shown)));
			break;
		}
		lex_next(l);
		lex_next(&t);
	}
	return !l->bad;
}

bool lex_u64(struct lex *l, uint64_t max, uint64_t *out)
{
	char shown[40];
	if (l->bad)
		return false;
	if (l->kind != T_NUM) {
		lex_fail(l, "expected a decimal number, found %s", lex_tok_show(l, shown, sizeof(shown)));
		return false;
	}
	uint64_t v = 0;
	for (size_t i = 0; i < l->tlen; i++) {
		unsigned d = (unsigned)(l->s[l->tpos + i] - '0');
		if (v > (max - d) / 10) {
			lex_fail(l, "number %s is larger than %" PRIu64, lex_tok_show(l, shown, sizeof(shown)),
			      max);
			return false;
		}
		v = v * 10 + d;
	}
	*out = v;
	lex_next(l);
	return !l->bad;
}

bool lex_s64(struct lex *l, int64_t *out)
{
	bool neg = lex_tok_is(l, T_PUNCT, "-");
	uint64_t v;
	if (neg)
		lex_next(l);
	if (!lex_u64(l, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &v))
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* Copies the current string token, escapes decoded, into out[size]. */
bool lex_str(struct lex *l, char *out, size_t size)
{
	char shown[40];
	if (l->bad)
		return false;
	if (l->kind != T_STR) {
		lex_fail(l, "expected a string, found %s", lex_tok_show(l, shown, sizeof(shown)));
		return false;
	}
	size_t n = 0;
	for (size_t i = 0; i < l->tlen; i++) {
		char c = l->s[l->tpos + i];
		if (c == '\\')
			c = l->s[l->tpos + ++i];
		if (n + 1 >= size) {
			lex_fail(l, "string longer than %zu bytes", size - 1);
			return false;
		}
		out[n++] = c;
	}
	out[n] = 0;
	lex_next(l);
	return !l->bad;
}

bool lex_ident(struct lex *l, char *out, size_t size)
{
	char shown[40];
	if (l->bad)
		return false;
	if (l->kind != T_IDENT) {
		lex_fail(l, "expected a name, found %s", lex_tok_show(l, shown, sizeof(shown)));
		return false;
	}
	if (l->tlen >= size) {
		lex_fail(l, "name %s is longer than %zu bytes", lex_tok_show(l, shown, sizeof(shown)),
		      size - 1);
		return false;
	}
	memcpy(out, l->s + l->tpos, l->tlen);
	out[l->tlen] = 0;
	lex_next(l);
	return !l->bad;
}
