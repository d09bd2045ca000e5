/* The strict CTF reader of ctf_reader.h, metadata half: a parser that
 * matches the text token by token against what ctl/ctf/ctf_metadata.c writes
 * (the stream half is ctf_reader_stream.c). It stops at the first thing it
 * does not recognise: a viewer that guesses shows wrong values, one that
 * refuses says where to look. */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctf/ctf_packet.h"
#include "ctl/ctf/ctf_reader.h"
#include "ctl/ctf/ctf_reader_lex.h"
#include "shm/catalog.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "traces are little-endian");

#define TSDL_PACKET_MAGIC 0x75D11D57u

/* ------------------------------------------------------------- metadata */

static int hexval(char c)
{
	if (lex_is_digit(c))
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
	if (!lex_str(l, s, sizeof(s)))
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
	lex_fail(l, "trace uuid is not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
	return false;
}

static bool parse_env(struct lex *l)
{
	char key[64], val[1024];
	if (!lex_seq(l, "env {"))
		return false;
	while (!l->bad && !lex_tok_is(l, T_PUNCT, "}")) {
		int64_t n;
		if (!lex_ident(l, key, sizeof(key)) || !lex_seq(l, "="))
			return false;
		if (l->kind == T_STR)
			lex_str(l, val, sizeof(val));
		else
			lex_s64(l, &n);
		lex_seq(l, ";");
	}
	return lex_seq(l, "} ;");
}

static bool parse_clock(struct lex *l, struct ctfr_meta *m)
{
	char desc[256];
	uint64_t precision;
	if (!lex_seq(l, "clock { name = \"monotonic\" ; description =") ||
	    !lex_str(l, desc, sizeof(desc)) || !lex_seq(l, "; freq =") ||
	    !lex_u64(l, UINT64_MAX, &m->freq) || !lex_seq(l, "; precision =") ||
	    !lex_u64(l, UINT64_MAX, &precision) || !lex_seq(l, "; offset_s =") ||
	    !lex_s64(l, &m->offset_s) || !lex_seq(l, "; offset =") ||
	    !lex_u64(l, UINT64_MAX, &m->offset))
		return false;
	if (m->freq == 0) {
		lex_fail(l, "clock freq is 0");
		return false;
	}
	if (m->offset >= m->freq) {
		lex_fail(l, "clock offset %" PRIu64 " is not below freq %" PRIu64, m->offset, m->freq);
		return false;
	}
	return lex_seq(l, "; absolute = TRUE ; } ;");
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
	" packet . context := struct {";

/* The fixed packet context, after the discarded_* fields (this writer's
 * layout) or before them (remora's first traces with causes, and older
 * ones without any). */
static const char context_fixed[] =
	" uint64_clock_monotonic_t timestamp_begin ; uint64_clock_monotonic_t timestamp_end ;"
	" uint64_t content_size ; uint64_t packet_size ; uint64_t events_discarded ;"
	" uint64_t packet_seq_num ; uint32_t pid ; uint32_t tid ; uint32_t level ;";

/* The discarded_* fields first, as this writer declares them */
static bool causes_first(const struct lex *l)
{
	struct lex peek = *l; /* timestamp_begin has the same type */
	if (!lex_tok_is(&peek, T_IDENT, "uint64_clock_monotonic_t"))
		return false;
	lex_next(&peek);
	return lex_tok_is(&peek, T_IDENT, "discarded_buffer_full");
}

/* After `level`: the discarded_* fields of remora's first traces with
 * causes (older remora has none), then the context fields of add-context,
 * each optional, in ctf_packet.h's order; then the end of the stream
 * block. lex_seq reads text with any whitespace between tokens, so the
 * writer's own text is the pattern. */
static bool causes_next(const struct lex *l)
{
	static const struct { int kind; const char *text; } want[] = {
		{ T_IDENT, "integer" }, { T_PUNCT, "{" }, { T_IDENT, "size" },
		{ T_PUNCT, "=" }, { T_NUM, "64" },
	};
	struct lex peek = *l; /* procname starts "integer { size = 8" */
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++, lex_next(&peek))
		if (!lex_tok_is(&peek, want[i].kind, want[i].text))
			return false;
	return true;
}

/* The optional event.context of per-event contexts, as ctf_metadata.c
 * writes it: up to CTFR_EVCTX_MAX fields, uint32_t, uint64_t or a
 * base-16 64-bit integer, each named '_' + an identifier. */
static bool parse_evctx(struct lex *l, struct ctfr_meta *m)
{
	m->nevctx = 0;
	m->evctx_size = 0;
	if (!lex_tok_is(l, T_IDENT, "event"))
		return true;
	if (!lex_seq(l, "event . context := struct {"))
		return false;
	while (!lex_tok_is(l, T_PUNCT, "}")) {
		if (m->nevctx == CTFR_EVCTX_MAX) {
			lex_fail(l, "more than %d event context fields", CTFR_EVCTX_MAX);
			return false;
		}
		uint8_t size = 0;
		bool hex = false;
		if (lex_tok_is(l, T_IDENT, "uint32_t") || lex_tok_is(l, T_IDENT, "uint64_t")) {
			size = lex_tok_is(l, T_IDENT, "uint32_t") ? 4 : 8;
			lex_next(l);
		} else if (lex_seq(l, "integer { size = 64 ; align = 8 ; signed = false ; base = 16 ; }")) {
			size = 8;
			hex = true;
		} else {
			return false;
		}
		char raw[RM_NAME_MAX + 16];
		if (!lex_ident(l, raw, sizeof(raw)) || !lex_seq(l, ";"))
			return false;
		if (raw[0] != '_' || !raw[1]) {
			lex_fail(l, "event context field %s does not start with '_'", raw);
			return false;
		}
		strcpy(m->evctx[m->nevctx].name, raw + 1);
		m->evctx[m->nevctx].size = size;
		m->evctx[m->nevctx].hex = hex;
		m->nevctx++;
		m->evctx_size += size;
	}
	return lex_seq(l, "} ;");
}

/* The context fields of add-context after `level`, each optional, in
 * ctf_packet.h's order; then the end of the stream block. */
static bool parse_contexts(struct lex *l, struct ctfr_meta *m)
{
	static const struct {
		uint32_t bit;
		const char *tmpl;
	} ctx[] = {
		{ CTF_CTX_VPID, "uint32_t vpid ;" },
		{ CTF_CTX_VTID, "uint32_t vtid ;" },
		{ CTF_CTX_PROCNAME, "integer { size = 8 ; align = 8 ; signed = false ; encoding = UTF8 ; }"
				    " procname [ 16 ] ;" },
	};
	bool first = causes_first(l);
	if ((first && !lex_seq(l, CTF_CONTEXT_CAUSES)) || !lex_seq(l, context_fixed))
		return false;
	bool last = !first && causes_next(l);
	if (last && !lex_seq(l, CTF_CONTEXT_CAUSES_TAIL))
		return false;
	m->causes = first || last;
	m->fixed_off = first ? (uint32_t)offsetof(struct ctf_packet_hdr, timestamp_begin) : 32u;
	m->causes_off = first ? (uint32_t)offsetof(struct ctf_packet_hdr, discarded_by)
			      : CTF_PACKET_HDR_V1;
	m->contexts = 0;
	for (size_t i = 0; i < sizeof(ctx) / sizeof(ctx[0]); i++) {
		bool is_int = lex_tok_is(l, T_IDENT, "integer");
		if (!lex_tok_is(l, T_IDENT, "uint32_t") && !is_int)
			break;
		if (is_int != (ctx[i].bit == CTF_CTX_PROCNAME))
			continue; /* not this one: maybe the next */
		/* uint32_t vpid or vtid: which one is the next token's */
		if (!is_int) {
			struct lex peek = *l;
			lex_next(&peek);
			if (!lex_tok_is(&peek, T_IDENT, ctx[i].bit == CTF_CTX_VPID ? "vpid" : "vtid"))
				continue;
		}
		if (!lex_seq(l, ctx[i].tmpl))
			return false;
		m->contexts |= ctx[i].bit;
	}
	m->context_end = (first ? CTF_CONTEXT_FIXED_END
				: last ? CTF_CONTEXT_END_TAIL : CTF_CONTEXT_END_V1) +
			 (uint32_t)ctf_ctx_size(m->contexts);
	m->packet_hdr = (m->context_end + 7u) & ~7u;
	return lex_seq(l, "} ;") && parse_evctx(l, m) && lex_seq(l, "} ;");
}

/* A field name as declared: '_' + a C identifier that fits RM_NAME_MAX. */
static bool field_name(struct lex *l, char *out)
{
	char raw[RM_NAME_MAX + 1];
	if (!lex_ident(l, raw, sizeof(raw)))
		return false;
	if (raw[0] != '_' || !rm_name_ok(raw + 1, RM_NAME_MAX)) {
		lex_fail(l, "field name %s does not start with '_' and a letter", raw);
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
	if (!lex_seq(l, "integer { size =") || !lex_u64(l, 64, &size) ||
	    !lex_seq(l, "; align = 8 ; signed ="))
		return false;
	bool sig = lex_tok_is(l, T_IDENT, "true");
	if (!sig && !lex_seq(l, "false"))
		return false;
	if (sig)
		lex_next(l);
	int k = size == 8 ? 0 : size == 16 ? 1 : size == 32 ? 2 : size == 64 ? 3 : -1;
	if (k < 0) {
		lex_fail(l, "integer size %" PRIu64 " (8, 16, 32 or 64 only)", size);
		return false;
	}
	*type = sig ? s[k] : u[k];
	return lex_seq(l, "; }");
}

static bool parse_float_field(struct lex *l, uint8_t *type)
{
	uint64_t exp, mant;
	if (!lex_seq(l, "floating_point { exp_dig =") || !lex_u64(l, 1024, &exp) ||
	    !lex_seq(l, "; mant_dig =") || !lex_u64(l, 1024, &mant) || !lex_seq(l, "; align = 8 ; }"))
		return false;
	if (exp == 8 && mant == 24)
		*type = RM_T_F32;
	else if (exp == 11 && mant == 53)
		*type = RM_T_F64;
	else {
		lex_fail(l, "floating_point exp_dig %" PRIu64 " mant_dig %" PRIu64
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
		lex_fail(l, "event %s has more than %d fields", e->name, RM_FIELDS_MAX);
		return false;
	}
	uint32_t i = e->nfields;
	if (lex_tok_is(l, T_IDENT, "integer")) {
		parse_int_field(l, &type);
	} else if (lex_tok_is(l, T_IDENT, "enum")) {
		lex_seq(l, "enum : integer { size = 8 ; align = 8 ; signed = false ; }"
		       " { \"false\" = 0 , \"true\" = 1 }");
		type = RM_T_BOOL;
	} else if (lex_tok_is(l, T_IDENT, "floating_point")) {
		parse_float_field(l, &type);
	} else if (lex_tok_is(l, T_IDENT, "string")) {
		lex_next(l);
		type = RM_T_STRING;
	} else if (lex_tok_is(l, T_IDENT, "uint32_t")) {
		/* bytes: the length field, then the array sized by it */
		lex_next(l);
		if (!lex_ident(l, len, sizeof(len)) || !lex_seq(l, "; uint8_t"))
			return false;
		if (!field_name(l, e->fields[i].name) || !lex_seq(l, "[") ||
		    !lex_ident(l, ref, sizeof(ref)))
			return false;
		if (strcmp(len, ref)) {
			lex_fail(l, "sequence _%s is sized by %s, not by the field %s before it",
			      e->fields[i].name, ref, len);
			return false;
		}
		if (!lex_seq(l, "] ;"))
			return false;
		type = RM_T_BYTES;
		goto added;
	} else {
		lex_fail(l, "unsupported field type %s", lex_tok_show(l, shown, sizeof(shown)));
		return false;
	}
	if (!field_name(l, e->fields[i].name) || !lex_seq(l, ";"))
		return false;
added:
	for (uint32_t j = 0; j < i; j++)
		if (!strcmp(e->fields[j].name, e->fields[i].name)) {
			lex_fail(l, "event %s: field %s appears twice", e->name, e->fields[i].name);
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
	if (!lex_seq(l, "event { name =") || !lex_str(l, e->name, sizeof(e->name)))
		return false;
	if (!event_name_ok(e->name)) {
		lex_fail(l, "event name \"%s\" is not provider:name (C identifiers)", e->name);
		return false;
	}
	if (!lex_seq(l, "; id =") || !lex_u64(l, CTFR_ID_LIMIT - 1, &id) ||
	    !lex_seq(l, "; stream_id = 0 ; fields := struct {"))
		return false;
	e->id = (uint32_t)id;
	while (!l->bad && !lex_tok_is(l, T_PUNCT, "}"))
		parse_field(l, e);
	return lex_seq(l, "} ; } ;");
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
				lex_fail(l, "out of memory for %u event classes", cap);
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
	bool ok = lex_seq(&l, preamble_types) && parse_uuid(&l, m->uuid) &&
		  lex_seq(&l, preamble_trace_end) && parse_env(&l) && parse_clock(&l, m) &&
		  lex_seq(&l, preamble_stream) && parse_contexts(&l, m) && parse_events(&l, m);
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
