/* `remora stop [NAME]`: stops recording, writes what is buffered; the trace stays readable (the current session by default). */
#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/verbs.h"

int rm_cmd_stop(int argc, char **argv)
{
	const char *session;
	int r = rmd_parse_session_only(argc, argv, "stop",
				       "stop [NAME]\n  stops recording, writes what is buffered; the trace stays readable\n  (default: the last session created)",
				       &session);
	if (r >= 0)
		return r;
	struct rmd_req q;
	rmd_req_init(&q, RMD_STOP);
	snprintf(q.session, sizeof(q.session), "%s", session);
	return rmd_call(&q, false);
}
