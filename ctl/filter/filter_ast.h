/* Private to ctl/filter: the parsed expression tree. */
#ifndef REMORA_CTL_FILTER_AST_H
#define REMORA_CTL_FILTER_AST_H

#include <stdint.h>

#include "ctl/filter/filter.h"

enum fx_kind { FX_OR, FX_AND, FX_NOT, FX_CMP, FX_FIELD, FX_CTX, FX_INT, FX_UINT, FX_FLOAT, FX_STR };

struct fx {
	enum fx_kind kind;
	int col;               /* 1-based column of the token that starts it */
	uint8_t cmp;           /* FX_CMP: enum rm_filter_cmp */
	struct fx *l, *r;      /* OR, AND, CMP: both; NOT: l */
	char *text;            /* FIELD, CTX: the name; STR: the glob */
	size_t len;            /* STR */
	int64_t i;             /* INT */
	uint64_t u;            /* UINT: above INT64_MAX */
	double d;              /* FLOAT */
};

struct rm_filter_expr {
	struct fx *root;
	bool ctx;
};

#endif
