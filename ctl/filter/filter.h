/* Filter expressions (`--filter 'EXPR'`), from text to bytecode.
 *
 *   EXPR   := OR
 *   OR     := AND { "||" AND }
 *   AND    := UNARY { "&&" UNARY }
 *   UNARY  := "!" UNARY | CMP
 *   CMP    := VALUE [ ("==" | "!=" | "<" | "<=" | ">" | ">=") VALUE ]
 *   VALUE  := "(" EXPR ")" | FIELD | "$ctx." NAME | INTEGER | FLOAT | STRING
 *
 * FIELD is a field name of the event; INTEGER is decimal, 0x hex or 0
 * octal, optionally negative; FLOAT has a '.' or an exponent; STRING is
 * "double quoted" (\" a quote), a glob where `*` matches any run of
 * characters (\* a star). A string field or $ctx.procname compares with
 * == or != against a STRING only; numbers compare with numbers of any
 * kind (signed, unsigned, float, bool: as 0/1); a number alone means
 * "is not zero". Contexts: $ctx.pid, tid, vpid, vtid, procname.
 *
 * One expression is parsed once (rm_filter_parse) and compiled per event
 * (rm_filter_compile), since field numbers and types differ by event. */
#ifndef REMORA_CTL_FILTER_H
#define REMORA_CTL_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "shm/catalog.h"
#include "shm/filter.h"

struct rm_filter_expr;

/* NULL on a syntax error, with err saying what and at which column (1-based). */
struct rm_filter_expr *rm_filter_parse(const char *text, char *err, size_t errlen);
void rm_filter_expr_free(struct rm_filter_expr *x);

/* Whether it reads a $ctx value (then only the consumer can run it). */
bool rm_filter_uses_ctx(const struct rm_filter_expr *x);

/* Compiles for event e: 0, or -1 with err naming the field and column
 * (unknown field, a string compared as a number or the other way, a
 * program too large). The result passes rm_filter_validate. */
int rm_filter_compile(const struct rm_filter_expr *x, const struct rm_event_info *e,
		      struct rm_filter_prog *out, char *err, size_t errlen);

#endif
