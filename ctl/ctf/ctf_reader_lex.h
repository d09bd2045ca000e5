/* Private to the strict CTF reader: the TSDL lexer its metadata parser
 * (ctf_reader_meta.c) matches token by token. The first error sticks:
 * after it every call fails and l->err says what and on which line. */
#ifndef REMORA_CTL_CTF_READER_LEX_H
#define REMORA_CTL_CTF_READER_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { T_EOF, T_IDENT, T_NUM, T_STR, T_PUNCT, T_ERR };

struct lex {
	const char *s;
	size_t len, pos;
	unsigned line;
	int kind;            /* current token */
	size_t tpos, tlen;   /* its raw text (strings: without the quotes) */
	unsigned tline;
	char *err;
	size_t errlen;
	bool bad;
};

void lex_init(struct lex *l, const char *s, size_t len, char *err, size_t errlen);
/* Records the first error (with the current token's line). */
void lex_fail(struct lex *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Moves to the next token. */
void lex_next(struct lex *l);
bool lex_is_digit(char c);
/* Whether the current token is of kind (and, unless NULL, has that text). */
bool lex_tok_is(const struct lex *l, int kind, const char *text);
/* The current token for a message: short, printable (tokens are ASCII). */
const char *lex_tok_show(const struct lex *l, char *buf, size_t size);
/* Matches the tokens of `tmpl` (trusted text in the same syntax), in order. */
bool lex_seq(struct lex *l, const char *tmpl);
/* Takes a decimal number <= max / a signed one. */
bool lex_u64(struct lex *l, uint64_t max, uint64_t *out);
bool lex_s64(struct lex *l, int64_t *out);
/* Copies the current string token, escapes decoded, into out[size]. */
bool lex_str(struct lex *l, char *out, size_t size);
/* Copies the current identifier into out[size]. */
bool lex_ident(struct lex *l, char *out, size_t size);

#endif
