/* `remora destroy [NAME]`: stops and forgets the session; the trace stays on disk (the current session by default). */
#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/verbs.h"

int rm_cmd_destroy(int argc, char **argv)
{
	const char *session;
	int r = rmd_parse_session_only(argc, argv, "destroy",
				       "destroy [NAME]\n  stops and forgets the session; the trace stays on disk\n  (default: the last session created)",
				       &session);
	if (r >= 0)
		return r;
	struct rmd_req q;
	rmd_req_init(&q, RMD_DESTROY);
	snprintf(q.session, sizeof(q.session), "%s", session);
	return rmd_call(&q, false);
}
