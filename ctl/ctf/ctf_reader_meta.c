/* The strict CTF reader of ctf_reader.h, metadata half: a parser that
 * matches the text token by token against what ctl/ctf/ctf_metadata.c writes
 * (the stream half is ctf_reader_stream.c). It stops at the first thing it
 * does not recognise: a viewer that guesses shows wrong values, one that
 * refuses says where to look. */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctf/ctf_reader.h"
#include "shm/catalog.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "traces are little-endian");

#define TSDL_PACKET_MAGIC 0x75D11D57u

/* ---------------------------------------------------------------- lexer */

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

static void lfail(struct lex *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lfail(struct lex *l, const char *fmt, ...)
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

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
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
				lfail(l, "unterminated comment");
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

static void lex_next(struct lex *l)
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
	if (is_alpha(c)) {
		while (i < l->len && (is_alpha(l->s[i]) || is_digit(l->s[i])))
			i++;
		l->kind = T_IDENT;
	} else if (is_digit(c)) {
		while (i < l->len && is_digit(l->s[i]))
			i++;
		l->kind = T_NUM;
	} else if (c == '"') {
		for (i++; i < l->len && l->s[i] != '"'; i++) {
			unsigned char ch = (unsigned char)l->s[i];
			if (ch == '\\') {
				if (i + 1 >= l->len || (l->s[i + 1] != '"' && l->s[i + 1] != '\\')) {
					lfail(l, "unsupported escape in a string (only \\\" and \\\\)");
					return;
				}
				i++;
			} else if (ch < 0x20 || ch > 0x7e) {
				lfail(l, "byte 0x%02x in a string (printable ASCII only)", ch);
				return;
			}
		}
		if (i >= l->len) {
			lfail(l, "unterminated string");
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
	} else if (strchr("{};=:[],.-", c) && c) {
		i++;
		l->kind = T_PUNCT;
	} else {
		lfail(l, "unexpected byte 0x%02x", (unsigned char)c);
		return;
	}
	l->tlen = i - l->pos;
	l->pos = i;
}

static void lex_init(struct lex *l, const char *s, size_t len, char *err, size_t errlen)
{
	*l = (struct lex){ .s = s, .len = len, .line = 1, .err = err, .errlen = errlen };
	lex_next(l);
}

static bool tok_is(const struct lex *l, int kind, const char *text)
{
	size_t n = strlen(text);
	return l->kind == kind && l->tlen == n && !memcmp(l->s + l->tpos, text, n);
}

/* The current token for a message: short, printable (tokens are ASCII). */
static const char *tok_show(const struct lex *l, char *buf, size_t size)
{
	if (l->kind == T_EOF)
		return "end of text";
	size_t n = l->tlen < 24 ? l->tlen : 24;
	snprintf(buf, size, "%s%.*s%s%s", l->kind == T_STR ? "\"" : "'", (int)n, l->s + l->tpos,
		 n < l->tlen ? "..." : "", l->kind == T_STR ? "\"" : "'");
	return buf;
}

/* Matches the tokens of `tmpl` (trusted text in the same syntax), in order. */
static bool seq(struct lex *l, const char *tmpl)
{
	struct lex t;
	char unused[8], shown[40];
	lex_init(&t, tmpl, strlen(tmpl), unused, sizeof(unused));
	while (!l->bad && t.kind != T_EOF) {
		if (l->kind != t.kind || l->tlen != t.tlen ||
		    memcmp(l->s + l->tpos, t.s + t.tpos, t.tlen)) {
			lfail(l, "expected %s%.*s%s, found %s", t.kind == T_STR ? "\"" : "'",
			      (int)t.tlen, t.s + t.tpos, t.kind == T_STR ? "\"" : "'",
			      tok_show(l, shown, sizeof(shown)));
			break;
		}
		lex_next(l);
		lex_next(&t);
	}
	return !l->bad;
}

static bool get_u64(struct lex *l, uint64_t max, uint64_t *out)
{
	char shown[40];
	if (l->bad)
		return false;
	if (l->kind != T_NUM) {
		lfail(l, "expected a decimal number, found %s", tok_show(l, shown, sizeof(shown)));
		return false;
	}
	uint64_t v = 0;
	for (size_t i = 0; i < l->tlen; i++) {
		unsigned d = (unsigned)(l->s[l->tpos + i] - '0');
		if (v > (max - d) / 10) {
			lfail(l, "number %s is larger than %" PRIu64, tok_show(l, shown, sizeof(shown)),
			      max);
			return false;
		}
		v = v * 10 + d;
	}
	*out = v;
	lex_next(l);
	return !l->bad;
}

static bool get_s64(struct lex *l, int64_t *out)
{
	bool neg = tok_is(l, T_PUNCT, "-");
	uint64_t v;
	if (neg)
		lex_next(l);
	if (!get_u64(l, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &v))
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* Copies the current string token, escapes decoded, into out[size]. */
static bool get_str(struct lex *l, char *out, size_t size)
{
	char shown[40];
	if (l->bad)
		return false;
	if (l->kind != T_STR) {
		lfail(l, "expected a string, found %s", tok_show(l, shown, sizeof(shown)));
		return false;
	}
	size_t n = 0;
	for (size_t i = 0; i < l->tlen; i++) {
		char c = l->s[l->tpos + i];
		if (c == '\\')
			c = l->s[l->tpos + ++i];
		if (n + 1 >= size) {
			lfail(l, "string longer than %zu bytes", size - 1);
			return false;
		}
		out[n++] = c;
	}
	out[n] = 0;
	lex_next(l);
	return !l->bad;
}

static bool get_ident(struct lex *l, char *out, size_t size)
{
	char shown[40];
	if (l->bad)
		return false;
	if (l->kind != T_IDENT) {
		lfail(l, "expected a name, found %s", tok_show(l, shown, sizeof(shown)));
		return false;
	}
	if (l->tlen >= size) {
		lfail(l, "name %s is longer than %zu bytes", tok_show(l, shown, sizeof(shown)),
		      size - 1);
		return false;
	}
	memcpy(out, l->s + l->tpos, l->tlen);
	out[l->tlen] = 0;
	lex_next(l);
	return !l->bad;
}

/* ------------------------------------------------------------- metadata */

static int hexval(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool parse_uuid(struct lex *l, uint8_t u[16])
{
	char s[40];
	if (!get_str(l, s, sizeof(s)))
		return false;
	size_t j = 0;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : hexval(s[i]) < 0)
			goto bad;
		if (!dash) {
			if (j % 2 == 0)
				u[j / 2] = (uint8_t)(hexval(s[i]) << 4);
			else
				u[j / 2] |= (uint8_t)hexval(s[i]);
			j++;
		}
	}
	if (s[36] == 0)
		return true;
bad:
	lfail(l, "trace uuid is not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
	return false;
}

static bool parse_env(struct lex *l)
{
	char key[64], val[1024];
	if (!seq(l, "env {"))
		return false;
	while (!l->bad && !tok_is(l, T_PUNCT, "}")) {
		int64_t n;
		if (!get_ident(l, key, sizeof(key)) || !seq(l, "="))
			return false;
		if (l->kind == T_STR)
			get_str(l, val, sizeof(val));
		else
			get_s64(l, &n);
		seq(l, ";");
	}
	return seq(l, "} ;");
}

static bool parse_clock(struct lex *l, struct ctfr_meta *m)
{
	char desc[256];
	uint64_t precision;
	if (!seq(l, "clock { name = \"monotonic\" ; description =") ||
	    !get_str(l, desc, sizeof(desc)) || !seq(l, "; freq =") ||
	    !get_u64(l, UINT64_MAX, &m->freq) || !seq(l, "; precision =") ||
	    !get_u64(l, UINT64_MAX, &precision) || !seq(l, "; offset_s =") ||
	    !get_s64(l, &m->offset_s) || !seq(l, "; offset =") ||
	    !get_u64(l, UINT64_MAX, &m->offset))
		return false;
	if (m->freq == 0) {
		lfail(l, "clock freq is 0");
		return false;
	}
	if (m->offset >= m->freq) {
		lfail(l, "clock offset %" PRIu64 " is not below freq %" PRIu64, m->offset, m->freq);
		return false;
	}
	return seq(l, "; absolute = TRUE ; } ;");
}

static const char preamble_types[] =
	"typealias integer { size = 8 ; align = 8 ; signed = false ; } := uint8_t ;"
	"typealias integer { size = 16 ; align = 8 ; signed = false ; } := uint16_t ;"
	"typealias integer { size = 32 ; align = 8 ; signed = false ; } := uint32_t ;"
	"typealias integer { size = 64 ; align = 8 ; signed = false ; } := uint64_t ;"
	"trace { major = 1 ; minor = 8 ; uuid =";

static const char preamble_trace_end[] =
	"; byte_order = le ;"
	"packet . header := struct { uint32_t magic ; uint8_t uuid [ 16 ] ;"
	" uint32_t stream_id ; uint64_t stream_instance_id ; } ; } ;";

static const char preamble_stream[] =
	"typealias integer { size = 64 ; align = 8 ; signed = false ;"
	" map = clock . monotonic . value ; } := uint64_clock_monotonic_t ;"
	"stream { id = 0 ; event . header := struct {"
	" integer { size = 32 ; align = 64 ; signed = false ; map = clock . monotonic . value ; }"
	" rec_size ; uint32_t id ; uint64_clock_monotonic_t timestamp ; } ;"
	" packet . context := struct {"
	" uint64_clock_monotonic_t timestamp_begin ; uint64_clock_monotonic_t timestamp_end ;"
	" uint64_t content_size ; uint64_t packet_size ; uint64_t events_discarded ;"
	" uint64_t packet_seq_num ; uint32_t pid ; uint32_t tid ; uint32_t level ; } ; } ;";

/* A field name as declared: '_' + a C identifier that fits RM_NAME_MAX. */
static bool field_name(struct lex *l, char *out)
{
	char raw[RM_NAME_MAX + 1];
	if (!get_ident(l, raw, sizeof(raw)))
		return false;
	if (raw[0] != '_' || !rm_name_ok(raw + 1, RM_NAME_MAX)) {
		lfail(l, "field name %s does not start with '_' and a letter", raw);
		return false;
	}
	strcpy(out, raw + 1);
	return true;
}

static bool parse_int_field(struct lex *l, uint8_t *type)
{
	static const uint8_t u[] = { RM_T_U8, RM_T_U16, RM_T_U32, RM_T_U64 };
	static const uint8_t s[] = { RM_T_S8, RM_T_S16, RM_T_S32, RM_T_S64 };
	uint64_t size;
	if (!seq(l, "integer { size =") || !get_u64(l, 64, &size) ||
	    !seq(l, "; align = 8 ; signed ="))
		return false;
	bool sig = tok_is(l, T_IDENT, "true");
	if (!sig && !seq(l, "false"))
		return false;
	if (sig)
		lex_next(l);
	int k = size == 8 ? 0 : size == 16 ? 1 : size == 32 ? 2 : size == 64 ? 3 : -1;
	if (k < 0) {
		lfail(l, "integer size %" PRIu64 " (8, 16, 32 or 64 only)", size);
		return false;
	}
	*type = sig ? s[k] : u[k];
	return seq(l, "; }");
}

static bool parse_float_field(struct lex *l, uint8_t *type)
{
	uint64_t exp, mant;
	if (!seq(l, "floating_point { exp_dig =") || !get_u64(l, 1024, &exp) ||
	    !seq(l, "; mant_dig =") || !get_u64(l, 1024, &mant) || !seq(l, "; align = 8 ; }"))
		return false;
	if (exp == 8 && mant == 24)
		*type = RM_T_F32;
	else if (exp == 11 && mant == 53)
		*type = RM_T_F64;
	else {
		lfail(l, "floating_point exp_dig %" PRIu64 " mant_dig %" PRIu64
			 " (float 8/24 or double 11/53 only)", exp, mant);
		return false;
	}
	return true;
}

static bool parse_field(struct lex *l, struct ctfr_event *e)
{
	char shown[40], len[2 * RM_NAME_MAX + 16], ref[sizeof(len)];
	uint8_t type = RM_T_NONE;
	if (e->nfields == RM_FIELDS_MAX) {
		lfail(l, "event %s has more than %d fields", e->name, RM_FIELDS_MAX);
		return false;
	}
	uint32_t i = e->nfields;
	if (tok_is(l, T_IDENT, "integer")) {
		parse_int_field(l, &type);
	} else if (tok_is(l, T_IDENT, "enum")) {
		seq(l, "enum : integer { size = 8 ; align = 8 ; signed = false ; }"
		       " { \"false\" = 0 , \"true\" = 1 }");
		type = RM_T_BOOL;
	} else if (tok_is(l, T_IDENT, "floating_point")) {
		parse_float_field(l, &type);
	} else if (tok_is(l, T_IDENT, "string")) {
		lex_next(l);
		type = RM_T_STRING;
	} else if (tok_is(l, T_IDENT, "uint32_t")) {
		/* bytes: the length field, then the array sized by it */
		lex_next(l);
		if (!get_ident(l, len, sizeof(len)) || !seq(l, "; uint8_t"))
			return false;
		if (!field_name(l, e->fields[i].name) || !seq(l, "[") ||
		    !get_ident(l, ref, sizeof(ref)))
			return false;
		if (strcmp(len, ref)) {
			lfail(l, "sequence _%s is sized by %s, not by the field %s before it",
			      e->fields[i].name, ref, len);
			return false;
		}
		if (!seq(l, "] ;"))
			return false;
		type = RM_T_BYTES;
		goto added;
	} else {
		lfail(l, "unsupported field type %s", tok_show(l, shown, sizeof(shown)));
		return false;
	}
	if (!field_name(l, e->fields[i].name) || !seq(l, ";"))
		return false;
added:
	for (uint32_t j = 0; j < i; j++)
		if (!strcmp(e->fields[j].name, e->fields[i].name)) {
			lfail(l, "event %s: field %s appears twice", e->name, e->fields[i].name);
			return false;
		}
	e->fields[i].type = type;
	e->nfields++;
	return true;
}

static bool event_name_ok(const char *s)
{
	const char *colon = strchr(s, ':');
	if (!colon || (size_t)(colon - s) >= RM_NAME_MAX)
		return false;
	char prov[RM_NAME_MAX];
	memcpy(prov, s, (size_t)(colon - s));
	prov[colon - s] = 0;
	return rm_name_ok(prov, RM_NAME_MAX) && rm_name_ok(colon + 1, RM_EVENT_NAME_MAX);
}

static bool parse_event(struct lex *l, struct ctfr_event *e)
{
	uint64_t id;
	memset(e, 0, sizeof(*e));
	if (!seq(l, "event { name =") || !get_str(l, e->name, sizeof(e->name)))
		return false;
	if (!event_name_ok(e->name)) {
		lfail(l, "event name \"%s\" is not provider:name (C identifiers)", e->name);
		return false;
	}
	if (!seq(l, "; id =") || !get_u64(l, CTFR_ID_LIMIT - 1, &id) ||
	    !seq(l, "; stream_id = 0 ; fields := struct {"))
		return false;
	e->id = (uint32_t)id;
	while (!l->bad && !tok_is(l, T_PUNCT, "}"))
		parse_field(l, e);
	return seq(l, "} ; } ;");
}

static int cmp_event(const void *a, const void *b)
{
	uint32_t x = ((const struct ctfr_event *)a)->id, y = ((const struct ctfr_event *)b)->id;
	return x < y ? -1 : x > y;
}

static bool parse_events(struct lex *l, struct ctfr_meta *m)
{
	uint32_t cap = 0;
	while (!l->bad && l->kind != T_EOF) {
		if (m->nevents == cap) {
			cap = cap ? cap * 2 : 16;
			struct ctfr_event *v = cap > CTFR_ID_LIMIT ? NULL
					       : realloc(m->events, cap * sizeof(*v));
			if (!v) {
				lfail(l, "out of memory for %u event classes", cap);
				return false;
			}
			m->events = v;
		}
		if (!parse_event(l, &m->events[m->nevents]))
			return false;
		m->nevents++;
	}
	if (l->bad)
		return false;
	if (m->nevents) /* qsort(NULL, 0, ...) is undefined */
		qsort(m->events, m->nevents, sizeof(*m->events), cmp_event);
	for (uint32_t i = 1; i < m->nevents; i++)
		if (m->events[i].id == m->events[i - 1].id) {
			snprintf(l->err, l->errlen, "event id %u is declared twice (%s and %s)",
				 m->events[i].id, m->events[i - 1].name, m->events[i].name);
			return false;
		}
	return true;
}

int ctfr_meta_parse(const char *text, size_t len, struct ctfr_meta *m, char *err,
		    size_t errlen)
{
	static const char sig[] = "/* CTF 1.8";
	char sink[1];
	if (!err || !errlen) {
		err = sink;
		errlen = sizeof(sink);
	}
	memset(m, 0, sizeof(*m));
	if (len >= 4) {
		uint32_t magic;
		memcpy(&magic, text, 4);
		if (magic == TSDL_PACKET_MAGIC) {
			snprintf(err, errlen, "packetized (binary) metadata is not supported");
			return -1;
		}
	}
	if (len < sizeof(sig) - 1 || memcmp(text, sig, sizeof(sig) - 1)) {
		snprintf(err, errlen, "not CTF 1.8 text metadata (it must start with \"%s\")", sig);
		return -1;
	}
	if (len > CTFR_METADATA_MAX) {
		snprintf(err, errlen, "metadata of %zu bytes is larger than %u", len,
			 CTFR_METADATA_MAX);
		return -1;
	}
	if (memchr(text, 0, len)) {
		snprintf(err, errlen, "metadata holds a NUL byte at offset %zu",
			 (size_t)((const char *)memchr(text, 0, len) - text));
		return -1;
	}
	struct lex l;
	lex_init(&l, text, len, err, errlen);
	bool ok = seq(&l, preamble_types) && parse_uuid(&l, m->uuid) &&
		  seq(&l, preamble_trace_end) && parse_env(&l) && parse_clock(&l, m) &&
		  seq(&l, preamble_stream) && parse_events(&l, m);
	if (!ok) {
		ctfr_meta_free(m);
		return -1;
	}
	return 0;
}

void ctfr_meta_free(struct ctfr_meta *m)
{
	free(m->events);
	memset(m, 0, sizeof(*m));
}

const struct ctfr_event *ctfr_meta_event(const struct ctfr_meta *m, uint32_t id)
{
	uint32_t lo = 0, hi = m->nevents;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (m->events[mid].id == id)
			return &m->events[mid];
		if (m->events[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* babeltrace2's arithmetic (offset and value converted separately, each
 * truncated), but in exact integers where it uses a double. */
__int128 ctfr_time_ns(const struct ctfr_meta *m, uint64_t v)
{
	const __int128 g = 1000000000;
	__int128 f = m->freq ? m->freq : 1;
	return (__int128)m->offset_s * g + (__int128)m->offset * g / f + (__int128)v * g / f;
}
