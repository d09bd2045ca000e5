/* `remora status [NAME]`: sessions, their event rules, events written and lost. */
#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/verbs.h"

int rm_cmd_status(int argc, char **argv)
{
	const char *session;
	int r = rmd_parse_session_only(argc, argv, "status",
				       "status [NAME]\n  sessions (or one), their state, event rules, "
				       "events written and lost", &session);
	if (r >= 0)
		return r;
	struct rmd_req q;
	rmd_req_init(&q, RMD_STATUS);
	snprintf(q.session, sizeof(q.session), "%s", session);
	return rmd_call(&q, false);
}
