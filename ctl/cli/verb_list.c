/* `remora list`: traced processes and their events; processes that map an
 * arena without a helper connected are shown as untraceable. Takes no
 * session: it shows what remorad sees, whatever the sessions select. */

#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/cli_noargs.h"
#include "ctl/cli/verbs.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: remora list\n"
		   "  traced processes and their events (and the untraceable ones)\n");
}

int rm_cmd_list(int argc, char **argv)
{
	int rc = rm_parse_no_args(argc, argv, "list", usage);
	if (rc >= 0)
		return rc;
	struct rmd_req q;
	rmd_req_init(&q, RMD_LIST);
	return rmd_call(&q, false);
}
