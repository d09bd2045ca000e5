/* `remora clear [NAME]`: drops what the session holds (buffered, and
 * written so far); recording goes on. */
#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/verbs.h"

static const char usage[] =
	"clear [[-s] NAME]\n"
	"  drops what the session has buffered and deletes the traces (or chunks) it wrote so\n"
	"  far; a started session goes on recording into fresh ones\n"
	"  (default: the last session created)\n"
	"exit status: 0, 1 when the session does not exist or a file could not be deleted";

int rm_cmd_clear(int argc, char **argv)
{
	const char *session;
	int r = rmd_parse_session_only(argc, argv, "clear", usage, &session);
	if (r >= 0)
		return r;
	struct rmd_req q;
	rmd_req_init(&q, RMD_CLEAR);
	snprintf(q.session, sizeof(q.session), "%s", session);
	return rmd_call(&q, false);
}
