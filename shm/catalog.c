/* Validation of catalog entries and payloads on the consumer side. The
 * entry is copied out of shared memory first, so a producer rewriting it
 * concurrently cannot change what was checked. */
#include <string.h>

#include "catalog.h"

bool rm_name_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	if (n == 0 || n == max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

size_t rm_type_size(uint8_t type)
{
	switch (type) {
	case RM_T_U8: case RM_T_S8: case RM_T_BOOL: return 1;
	case RM_T_U16: case RM_T_S16: return 2;
	case RM_T_U32: case RM_T_S32: case RM_T_F32: return 4;
	case RM_T_U64: case RM_T_S64: case RM_T_F64: return 8;
	default: return 0;
	}
}

bool rm_catalog_read(const struct rm_catalog_entry *shared, uint32_t id, struct rm_event_info *out)
{
	struct rm_catalog_entry e;
	if (__atomic_load_n(&shared->state, __ATOMIC_ACQUIRE) != RM_CAT_COMMITTED) /* (C) */
		return false;
	memcpy(&e, shared, sizeof(e));

	memset(out, 0, sizeof(*out));
	if (e.id != id || e.nfields > RM_FIELDS_MAX)
		return false;
	if (!rm_name_ok(e.provider, sizeof(e.provider)) || !rm_name_ok(e.name, sizeof(e.name)))
		return false;
	for (uint32_t i = 0; i < e.nfields; i++) {
		if (!rm_name_ok(e.fields[i].name, sizeof(e.fields[i].name)))
			return false;
		if (e.fields[i].type == RM_T_NONE || e.fields[i].type >= RM_T_COUNT)
			return false;
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(e.fields[i].name, e.fields[j].name))
				return false;
		memcpy(out->fields[i].name, e.fields[i].name, RM_NAME_MAX);
		out->fields[i].type = e.fields[i].type;
	}
	memcpy(out->provider, e.provider, RM_NAME_MAX);
	memcpy(out->name, e.name, RM_EVENT_NAME_MAX);
	out->id = id;
	out->nfields = e.nfields;
	out->valid = true;
	return true;
}

uint32_t rm_fixed_record_size(const struct rm_event_info *e)
{
	uint32_t n = RM_RECORD_HDR;
	for (uint32_t i = 0; i < e->nfields && i < RM_FIELDS_MAX; i++) {
		uint8_t t = e->fields[i].type;
		if (t == RM_T_STRING || t == RM_T_BYTES || t == RM_T_BOOL || !rm_type_size(t))
			return 0;
		n += (uint32_t)rm_type_size(t);
	}
	return n;
}

bool rm_payload_ok(const struct rm_event_info *e, const unsigned char *p, size_t len)
{
	size_t off = 0;
	for (uint32_t i = 0; i < e->nfields; i++) {
		uint8_t t = e->fields[i].type;
		size_t n = rm_type_size(t);
		if (t == RM_T_STRING) {
			const unsigned char *nul = off < len ? memchr(p + off, 0, len - off) : NULL;
			if (!nul)
				return false;
			n = (size_t)(nul - (p + off)) + 1;
		} else if (t == RM_T_BYTES) {
			uint32_t blen;
			if (len - off < 4)
				return false;
			memcpy(&blen, p + off, 4);
			if (blen > len - off - 4)
				return false;
			n = 4 + (size_t)blen;
		} else if (t == RM_T_BOOL) {
			if (off >= len || p[off] > 1)
				return false;
		}
		if (n > len - off)
			return false;
		off += n;
	}
	return off == len;
}

uint32_t rm_layout_hash(const char *provider, const char *name, uint32_t nfields,
			const char *const *field_names, const uint8_t *types)
{
	uint32_t h = 2166136261u;
#define MIX(byte) (h = (h ^ (uint8_t)(byte)) * 16777619u)
	for (const char *s = provider; *s; s++)
		MIX(*s);
	MIX(':');
	for (const char *s = name; *s; s++)
		MIX(*s);
	for (uint32_t i = 0; i < nfields; i++) {
		MIX('/');
		for (const char *s = field_names[i]; s && *s; s++)
			MIX(*s);
		MIX(types[i]);
	}
#undef MIX
	return h;
}
