/* `remora disable-event [-s NAME] PATTERN... | -a` (see verb_enable_event.c). */
#include "ctl/cli/verbs.h"

int rm_cmd_disable_event(int argc, char **argv)
{
	return rm_event_verb(argc, argv, false);
}
