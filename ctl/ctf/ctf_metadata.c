/* TSDL generation. Every type is byte-aligned (align = 8) because the
 * arena packs payloads without padding; only the event header's first
 * field is 64-bit aligned, which is how a reader finds the next record at
 * the arena's 8-byte record alignment.
 *
 * Field names get a leading underscore, as LTTng does: TSDL strips one
 * leading underscore when it names a field, and the prefix keeps a field
 * called `string` or `event` from being read as a keyword. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctf/ctf_metadata.h"
#include "ctl/ctf/ctf_packet.h"

#ifndef REMORA_VERSION_MAJOR
#define REMORA_VERSION_MAJOR 0
#define REMORA_VERSION_MINOR 0
#define REMORA_VERSION_PATCH 0
#endif

static void put_uuid(FILE *f, const uint8_t *u)
{
	for (int i = 0; i < 16; i++)
		fprintf(f, "%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", u[i]);
}

/* hostname and procname come from outside: keep printable ASCII and
 * escape what would end the literal; anything else becomes '_' so the
 * text stays valid UTF-8. */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (size_t i = 0; s && s[i] && i < 256; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			fputc('\\', f);
		fputc(ch >= 0x20 && ch < 0x7f ? ch : '_', f);
	}
	fputc('"', f);
}

static void put_preamble(FILE *f, const struct ctf_metadata *m)
{
	const struct ctf_trace_info *in = m->info;
	fputs("/* CTF 1.8 */\n\n"
	      "typealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n"
	      "typealias integer { size = 16; align = 8; signed = false; } := uint16_t;\n"
	      "typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n"
	      "typealias integer { size = 64; align = 8; signed = false; } := uint64_t;\n\n",
	      f);
	fputs("trace {\n\tmajor = 1;\n\tminor = 8;\n\tuuid = \"", f);
	put_uuid(f, m->uuid);
	fputs("\";\n\tbyte_order = le;\n"
	      "\tpacket.header := struct {\n"
	      "\t\tuint32_t magic;\n"
	      "\t\tuint8_t uuid[16];\n"
	      "\t\tuint32_t stream_id;\n"
	      "\t\tuint64_t stream_instance_id;\n"
	      "\t};\n};\n\n",
	      f);
	fputs("env {\n\thostname = ", f);
	put_string(f, in->hostname);
	fputs(";\n\tdomain = \"ust\";\n\ttracer_name = \"remora\";\n", f);
	fprintf(f, "\ttracer_major = %d;\n\ttracer_minor = %d;\n\ttracer_patchlevel = %d;\n",
		REMORA_VERSION_MAJOR, REMORA_VERSION_MINOR, REMORA_VERSION_PATCH);
	fputs("\tprocname = ", f);
	put_string(f, in->procname);
	fputs(";\n};\n\n", f);

	/* absolute = TRUE: the offset puts the origin at the Unix epoch, which
	 * is what lets babeltrace2 correlate this trace with others. */
	fprintf(f,
		"clock {\n\tname = \"monotonic\";\n\tdescription = \"%s\";\n"
		"\tfreq = %llu;\n\tprecision = 1;\n"
		"\toffset_s = %lld;\n\toffset = %llu;\n\tabsolute = TRUE;\n};\n\n",
		in->clock == RM_CLOCK_TSC ? "TSC mapped to CLOCK_MONOTONIC" : "Monotonic Clock",
		(unsigned long long)m->clock->freq, (long long)m->clock->offset_s,
		(unsigned long long)m->clock->offset);
	fputs("typealias integer { size = 64; align = 8; signed = false;"
	      " map = clock.monotonic.value; } := uint64_clock_monotonic_t;\n\n",
	      f);

	/* The event header is struct rm_record's header; the packet context
	 * mirrors struct ctf_packet_hdr (ctf_packet.h).
	 *
	 * rec_size is mapped to the clock only to keep babeltrace2 quiet: it
	 * warns "User field found in event header" on stderr for any header
	 * integer without a role, and a clock mapping is the one role a plain
	 * integer can take. It is harmless: a 32-bit mapped field sets the low
	 * bits of the clock, and the 64-bit `timestamp` that follows replaces
	 * the whole value before the event's time is taken. */
	fputs("stream {\n\tid = 0;\n"
	      "\tevent.header := struct {\n"
	      "\t\t/* rm_record.word: size, then id; the clock map only silences"
	      " readers that\n\t\t * warn about unknown header fields, timestamp"
	      " below overrides it */\n"
	      "\t\tinteger { size = 32; align = 64; signed = false;"
	      " map = clock.monotonic.value; } rec_size;\n"
	      "\t\tuint32_t id;\n"
	      "\t\tuint64_clock_monotonic_t timestamp;\n"
	      "\t};\n"
	      "\tpacket.context := struct {\n"
	      "\t\t/* losses by cause, cumulative; declared as clock values only so"
	      " that\n\t\t * babeltrace2 does not print them with every event:"
	      " timestamp_begin\n\t\t * sets the clock again right after them */\n"
	      CTF_CONTEXT_CAUSES
	      "\t\tuint64_clock_monotonic_t timestamp_begin;\n"
	      "\t\tuint64_clock_monotonic_t timestamp_end;\n"
	      "\t\tuint64_t content_size;\n"
	      "\t\tuint64_t packet_size;\n"
	      "\t\tuint64_t events_discarded;\n"
	      "\t\tuint64_t packet_seq_num;\n"
	      "\t\tuint32_t pid;\n"
	      "\t\tuint32_t tid;\n"
	      "\t\tuint32_t level;\n",
	      f);
	/* add-context fields, in ctf_packet.h's order */
	if (in->contexts & CTF_CTX_VPID)
		fputs("\t\tuint32_t vpid;\n", f);
	if (in->contexts & CTF_CTX_VTID)
		fputs("\t\tuint32_t vtid;\n", f);
	if (in->contexts & CTF_CTX_PROCNAME)
		fputs("\t\tinteger { size = 8; align = 8; signed = false; encoding = UTF8; }"
		      " procname[16];\n", f);
	fputs("\t};\n", f);
	/* per-event contexts (shm/evctx.h), in the records' order */
	if (in->evctx) {
		fputs("\tevent.context := struct {\n", f);
		if (in->evctx & RM_EVCTX_IP)
			fputs("\t\tinteger { size = 64; align = 8; signed = false; base = 16; } _ip;\n", f);
		if (in->evctx & RM_EVCTX_CPU)
			fputs("\t\tuint32_t _cpu_id;\n", f);
		for (uint32_t s = 0; s < RM_EVCTX_PERF_SLOTS; s++)
			if (in->evctx & RM_EVCTX_PERF0 << s)
				fprintf(f, "\t\tuint64_t _%s;\n",
					in->evctx_perf[s] ? in->evctx_perf[s] : "perf_unknown");
		fputs("\t};\n", f);
	}
	fputs("};\n\n", f);
}

static bool name_taken(const struct rm_event_info *e, const char *name)
{
	for (uint32_t i = 0; i < e->nfields; i++)
		if (!strcmp(e->fields[i].name, name))
			return true;
	return false;
}

/* The length of byte field `x` is shown as `_x_len`; a user field of that
 * very name pushes it to `_x_len_`, and so on. Returns the name without
 * the TSDL underscore. */
static void len_name(const struct rm_event_info *e, const char *field, char *out, size_t size)
{
	size_t n = (size_t)snprintf(out, size, "_%s_len", field);
	while (name_taken(e, out) && n + 1 < size) {
		out[n++] = '_';
		out[n] = 0;
	}
}

static void put_field(FILE *f, const struct rm_event_info *e, uint32_t i)
{
	static const char *const ints[] = {
		[RM_T_U8] = "size = 8; align = 8; signed = false;",
		[RM_T_U16] = "size = 16; align = 8; signed = false;",
		[RM_T_U32] = "size = 32; align = 8; signed = false;",
		[RM_T_U64] = "size = 64; align = 8; signed = false;",
		[RM_T_S8] = "size = 8; align = 8; signed = true;",
		[RM_T_S16] = "size = 16; align = 8; signed = true;",
		[RM_T_S32] = "size = 32; align = 8; signed = true;",
		[RM_T_S64] = "size = 64; align = 8; signed = true;",
	};
	const char *name = e->fields[i].name;
	uint8_t t = e->fields[i].type;
	char len[2 * RM_NAME_MAX + 8];

	fputs("\t\t", f);
	switch (t) {
	case RM_T_BOOL:
		fprintf(f, "enum : integer { size = 8; align = 8; signed = false; }"
			   " { \"false\" = 0, \"true\" = 1 } _%s;\n", name);
		break;
	case RM_T_F32:
		fprintf(f, "floating_point { exp_dig = 8; mant_dig = 24; align = 8; } _%s;\n", name);
		break;
	case RM_T_F64:
		fprintf(f, "floating_point { exp_dig = 11; mant_dig = 53; align = 8; } _%s;\n", name);
		break;
	case RM_T_STRING:
		fprintf(f, "string _%s;\n", name);
		break;
	case RM_T_BYTES:
		len_name(e, name, len, sizeof(len));
		fprintf(f, "uint32_t _%s;\n\t\tuint8_t _%s[_%s];\n", len, name, len);
		break;
	default:
		fprintf(f, "integer { %s } _%s;\n", ints[t], name);
		break;
	}
}

static void put_event(FILE *f, const struct rm_event_info *e)
{
	fprintf(f, "event {\n\tname = \"%s:%s\";\n\tid = %u;\n\tstream_id = 0;\n"
		   "\tfields := struct {\n", e->provider, e->name, e->id);
	for (uint32_t i = 0; i < e->nfields; i++)
		put_field(f, e, i);
	fputs("\t};\n};\n\n", f);
}

char *ctf_metadata_text(const struct ctf_metadata *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	put_preamble(f, m);
	for (uint32_t id = 0; id < m->classes->cap; id++)
		if (m->classes->by_id[id])
			put_event(f, m->classes->by_id[id]);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
