/* Harness (d), metadata: ctfr_meta_parse (ctl/ctf/ctf_reader_meta.c, the reader
 * of `remora view`) on arbitrary text. Checks what a caller relies on: on
 * success the events are sorted by unique id, fit their bounds and are
 * found by ctfr_meta_event; on failure there is a message and nothing to
 * free. */
#include <string.h>

#include "ctl/ctf/ctf_reader.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctfr_meta m;
	char err[256] = "";
	if (ctfr_meta_parse((const char *)data, size, &m, err, sizeof(err)) < 0) {
		FUZZ_CHECK(err[0] && m.events == NULL && m.nevents == 0);
		return 0;
	}
	FUZZ_CHECK(m.freq >= 1 && m.offset < m.freq);
	for (uint32_t i = 0; i < m.nevents; i++) {
		const struct ctfr_event *e = &m.events[i];
		FUZZ_CHECK(e->id < CTFR_ID_LIMIT && e->nfields <= RM_FIELDS_MAX);
		FUZZ_CHECK(i == 0 || m.events[i - 1].id < e->id);
		FUZZ_CHECK(memchr(e->name, 0, sizeof(e->name)) != NULL);
		for (uint32_t f = 0; f < e->nfields; f++) {
			FUZZ_CHECK(e->fields[f].type > RM_T_NONE && e->fields[f].type < RM_T_COUNT);
			FUZZ_CHECK(memchr(e->fields[f].name, 0, RM_NAME_MAX) != NULL);
		}
		FUZZ_CHECK(ctfr_meta_event(&m, e->id) == e);
	}
	(void)ctfr_time_ns(&m, UINT64_MAX);
	ctfr_meta_free(&m);
	return 0;
}
