/* `remora start [NAME]`: starts recording what the session's event rules select (the current session by default). */
#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/verbs.h"

int rm_cmd_start(int argc, char **argv)
{
	const char *session;
	int r = rmd_parse_session_only(argc, argv, "start",
				       "start [NAME]\n  starts recording what the session's event rules select\n  (default: the last session created)",
				       &session);
	if (r >= 0)
		return r;
	struct rmd_req q;
	rmd_req_init(&q, RMD_START);
	snprintf(q.session, sizeof(q.session), "%s", session);
	return rmd_call(&q, false);
}
