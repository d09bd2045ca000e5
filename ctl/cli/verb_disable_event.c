/* `remora disable-event [-s NAME] PATTERN... | -a` (see verb_enable_event.c). */
#include <stdbool.h>

#include "ctl/cli/verbs.h"

int rm_event_verb(int argc, char **argv, bool on);

int rm_cmd_disable_event(int argc, char **argv)
{
	return rm_event_verb(argc, argv, false);
}
