/* `remora list`: traced processes and their events; processes that map an
 * arena without a helper connected are shown as untraceable. */
#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/verbs.h"

int rm_cmd_list(int argc, char **argv)
{
	const char *none;
	int r = rmd_parse_session_only(argc, argv, "list",
				       "list\n  traced processes and their events (and the "
				       "untraceable ones)", &none);
	if (r >= 0)
		return r;
	if (*none) {
		fprintf(stderr, "remora list: unexpected argument '%s'\nusage: remora list\n", none);
		return 2;
	}
	struct rmd_req q;
	rmd_req_init(&q, RMD_LIST);
	return rmd_call(&q, false);
}
