/* `remora rotate [NAME]`: closes the session's current trace chunk (a
 * complete CTF trace in DIR/chunk-NNNNN/) and starts the next one. */
#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/verbs.h"

static const char usage[] =
	"rotate [[-s] NAME]\n"
	"  closes the current trace chunk of the session and starts the next one: each chunk\n"
	"  is a directory OUTPUT/chunk-NNNNN/ holding a complete trace (remora view, babeltrace2),\n"
	"  no event is in two chunks and none is missing between them. The first rotation of\n"
	"  a session without a rotation schedule moves what it wrote into chunk-00000/.\n"
	"  (default: the last session created)\n"
	"exit status: 0, 1 when the session does not exist, never started, is in overwrite\n"
	"  mode, or the next chunk cannot be written (disk full: the closed chunk is complete)";

int rm_cmd_rotate(int argc, char **argv)
{
	const char *session;
	int r = rmd_parse_session_only(argc, argv, "rotate", usage, &session);
	if (r >= 0)
		return r;
	struct rmd_req q;
	rmd_req_init(&q, RMD_ROTATE);
	snprintf(q.session, sizeof(q.session), "%s", session);
	return rmd_call(&q, false);
}
