/* Harness (c): the catalog entry validator (rm_catalog_read) and the
 * payload validator (rm_payload_ok), checked against a second, naive
 * decoder written here from the encoding rules in shm/layout.h.
 *
 * Input: one flag byte, then a struct rm_catalog_entry (zero-filled when
 * short), then the payload. Flag bit 0 keeps the entry's state word as
 * given (otherwise it is set to COMMITTED, so the fuzzer spends its time on
 * the body); bit 1 asks for another id than the entry's. */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "shm/catalog.h"

/* The naive decoder: one field at a time, with explicit bounds. */
static bool payload_ok_ref(const struct rm_event_info *e, const unsigned char *p, size_t len)
{
	size_t off = 0;
	for (uint32_t i = 0; i < e->nfields; i++) {
		switch (e->fields[i].type) {
		case RM_T_STRING: {
			size_t k = off;
			while (k < len && p[k])
				k++;
			if (k >= len)
				return false;
			off = k + 1;
			break;
		}
		case RM_T_BYTES: {
			if (off + 4 > len)
				return false;
			uint32_t n = (uint32_t)p[off] | (uint32_t)p[off + 1] << 8 |
				     (uint32_t)p[off + 2] << 16 | (uint32_t)p[off + 3] << 24;
			if ((uint64_t)off + 4 + n > len)
				return false;
			off += 4 + n;
			break;
		}
		case RM_T_BOOL:
			if (off + 1 > len || p[off] > 1)
				return false;
			off += 1;
			break;
		case RM_T_U8: case RM_T_S8: off += 1; break;
		case RM_T_U16: case RM_T_S16: off += 2; break;
		case RM_T_U32: case RM_T_S32: case RM_T_F32: off += 4; break;
		case RM_T_U64: case RM_T_S64: case RM_T_F64: off += 8; break;
		default: return false;
		}
		if (off > len)
			return false;
	}
	return off == len;
}

static bool ident(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	if (n == 0 || n == max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
		      (i && s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	data++, size--;
	struct rm_catalog_entry e;
	memset(&e, 0, sizeof(e));
	size_t n = size < sizeof(e) ? size : sizeof(e);
	memcpy(&e, data, n);
	if (!(flags & 1))
		e.state = RM_CAT_COMMITTED;
	uint32_t id = flags & 2 ? e.id ^ 1 : e.id;

	/* the entry's own rules, restated */
	bool ref = e.state == RM_CAT_COMMITTED && e.id == id && e.nfields <= RM_FIELDS_MAX &&
		   ident(e.provider, RM_NAME_MAX) && ident(e.name, RM_EVENT_NAME_MAX);
	for (uint32_t i = 0; ref && i < e.nfields; i++) {
		ref = ident(e.fields[i].name, RM_NAME_MAX) && e.fields[i].type > RM_T_NONE &&
		      e.fields[i].type < RM_T_COUNT;
		for (uint32_t j = 0; ref && j < i; j++)
			ref = strncmp(e.fields[i].name, e.fields[j].name, RM_NAME_MAX) != 0;
	}
	struct rm_event_info info;
	bool ok = rm_catalog_read(&e, id, &info);
	FUZZ_CHECK(ok == ref);
	if (!ok)
		return 0;
	FUZZ_CHECK(info.valid);
	/* what the reader accepted is what the consumer will trust */
	FUZZ_CHECK(e.state == RM_CAT_COMMITTED && info.id == id && info.nfields <= RM_FIELDS_MAX);
	FUZZ_CHECK(ident(info.provider, RM_NAME_MAX) && ident(info.name, RM_EVENT_NAME_MAX));
	FUZZ_CHECK(rm_name_ok(info.provider, RM_NAME_MAX) && rm_name_ok(info.name, RM_EVENT_NAME_MAX));
	const char *names[RM_FIELDS_MAX];
	uint8_t types[RM_FIELDS_MAX];
	for (uint32_t i = 0; i < info.nfields; i++) {
		FUZZ_CHECK(ident(info.fields[i].name, RM_NAME_MAX));
		FUZZ_CHECK(info.fields[i].type > RM_T_NONE && info.fields[i].type < RM_T_COUNT);
		for (uint32_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(info.fields[i].name, info.fields[j].name) != 0);
		names[i] = info.fields[i].name;
		types[i] = info.fields[i].type;
	}
	(void)rm_layout_hash(info.provider, info.name, info.nfields, names, types);

	const unsigned char *payload = data + n;
	size_t plen = size - n;
	/* the payload in a buffer of its exact size, so ASan sees an overread */
	FUZZ_CHECK(rm_payload_ok(&info, payload, plen) == payload_ok_ref(&info, payload, plen));
	/* every prefix of a valid payload but itself is refused */
	if (plen && payload_ok_ref(&info, payload, plen))
		FUZZ_CHECK(!rm_payload_ok(&info, payload, plen - 1) ||
			   payload_ok_ref(&info, payload, plen - 1));
	return 0;
}
