/* `remora view`: losses by cause, as `remora record`'s summary names them
 * ("lost by cause: 2 buffer full, 1 record too large"). The counts come
 * from the discarded_* fields of the packet context (ctl/ctf/ctf_packet.h);
 * what events_discarded holds beyond them has no known cause. */
#include <inttypes.h>
#include <stdio.h>

#include "ctl/cli/verb_view_causes.h"

/* enum rm_lost_cause order, the words of verb_record.c's print_causes */
static const char *const label[CTF_CAUSES] = {
	"buffer full",    "record too large", "catalog full", "no thread slot",
	"refused record", "corrupt chunk",    "overwritten",  "write error",
};

void view_put_causes(FILE *f, const uint64_t by[CTF_CAUSES], uint64_t lost, bool known)
{
	if (!known) {
		fputs("causes not recorded (a trace of an older remora)", f);
		return;
	}
	uint64_t sum = 0;
	int n = 0;
	for (int i = 0; i < CTF_CAUSES; i++) {
		if (!by[i])
			continue;
		fprintf(f, "%s%" PRIu64 " %s", n++ ? ", " : "", by[i], label[i]);
		sum += by[i];
	}
	if (sum < lost)
		fprintf(f, "%s%" PRIu64 " cause unknown", n ? ", " : "", lost - sum);
}
