/* The session verbs that name at most one session and send remorad one
 * request: `remora start|stop|destroy|status [NAME]`. One row each; the
 * current session (the last one created) when NAME is left out. */
#include <string.h>

#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/verbs.h"

static const struct session_verb {
	const char *name;
	enum rmd_op op;
	const char *usage;
} session_verbs[] = {
	{ "start", RMD_START,
	  "start [[-s] NAME]\n  starts recording what the session's event rules select\n"
	  "  (default: the last session created)" },
	{ "stop", RMD_STOP,
	  "stop [[-s] NAME]\n  stops recording, writes what is buffered; the trace stays readable\n"
	  "  (default: the last session created)" },
	{ "destroy", RMD_DESTROY,
	  "destroy [[-s] NAME]\n  stops and forgets the session; the trace stays on disk\n"
	  "  (default: the last session created)" },
	{ "status", RMD_STATUS,
	  "status [[-s] NAME]\n  sessions (or one), their state, event rules, events written and lost" },
};

int rm_cmd_session(int argc, char **argv)
{
	const struct session_verb *v = NULL;
	for (size_t i = 0; i < sizeof(session_verbs) / sizeof(session_verbs[0]); i++)
		if (!strcmp(argv[0], session_verbs[i].name))
			v = &session_verbs[i];
	if (!v)
		return 2; /* remora.c only sends the names above */
	const char *session;
	int r = rmd_parse_session_only(argc, argv, v->name, v->usage, &session);
	if (r >= 0)
		return r;
	struct rmd_req q;
	rmd_req_init(&q, v->op);
	snprintf(q.session, sizeof(q.session), "%s", session);
	return rmd_call(&q, false);
}
