/* `remora record [-o DIR] [-e PATTERN]... [--overwrite] [--buffer-size SIZE]
 *                [--preload NAME]... -- CMD [ARG...]`
 *
 * Runs CMD with libremora preloaded and an embedded consumer on a private
 * socket (a 0700 directory), writes the trace to DIR, and exits with CMD's
 * status (128+signal when it was killed). Becomes a child subreaper, so
 * every process of CMD's tree (helpers included) ends up reaped here: the
 * recording ends when no child is left, or when only helpers are left
 * HELPER_GRACE_MS after CMD ended (a stopped or stuck one is killed: the
 * consumer maps the arena itself and loses nothing committed). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl/consumer/consumer.h"
#include "ctl/cli/outdir.h"
#include "ctl/cli/record_args.h"
#include "ctl/cli/record_helpers.h"
#include "ctl/cli/record_summary.h"
#include "ctl/cli/rotate_opts.h"
#include "ctl/consumer/live_mark.h"
#include "ctl/cli/rec_seen.h"
#include "ctl/cli/rec_sockdir.h"
#include "ctl/cli/verbs.h"
#include "ctl/ship/ship.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* A setuid, setgid or file-capability CMD runs with AT_SECURE: its stub
 * ignores the environment (our socket included) and hands its arena only
 * to a consumer of its effective uid, so it is not traced here. Checked
 * on CMD's own mode bits before the exec, where it is certain, rather than
 * guessed from a helper that never connected (an untraced program never
 * connects either); a privileged program CMD runs later is not seen. */
static void warn_if_secure(const char *cmd)
{
	char path[PATH_MAX];
	const char *dirs = strchr(cmd, '/') ? "" : getenv("PATH");
	struct stat st;
	bool found = false;
	if (!dirs || !*dirs)
		found = snprintf(path, sizeof(path), "%s", cmd) < (int)sizeof(path) &&
			stat(path, &st) == 0;
	for (const char *d = dirs; d && *d && !found;) {
		size_t n = strcspn(d, ":");
		found = snprintf(path, sizeof(path), "%.*s/%s", (int)(n ? n : 1), n ? d : ".",
				 cmd) < (int)sizeof(path) &&
			stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
		d += n + (d[n] == ':');
	}
	struct statvfs vfs;
	if (!found || !S_ISREG(st.st_mode) || (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID)))
		return;
	const char *why = NULL;
	if ((st.st_mode & S_ISUID) && st.st_uid != geteuid())
		why = "setuid";
	else if ((st.st_mode & S_ISGID) && st.st_gid != getegid())
		why = "setgid";
	else if (getxattr(path, "security.capability", NULL, 0) > 0)
		why = "given file capabilities";
	if (why)
		fprintf(stderr, "remora record: %s is %s: it runs with the privileges of its owner "
				"(uid %u, gid %u), ignores remora's environment and will not be traced "
				"here; to trace it, record as uid %u (SECURITY.md, \"Setuid programs\")\n",
			path, why, (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)st.st_uid);
}

static pid_t start_cmd(char **argv, const char *sock, const char *patterns, bool overwrite,
		       const char *bufsize, uint64_t block_ms)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	setenv("REMORA_SOCKET", sock, 1);
	setenv("REMORA_ENABLE", patterns, 1);
	if (overwrite)
		setenv("REMORA_OVERWRITE", "1", 1);
	if (bufsize)
		setenv("REMORA_BUFFER_SIZE", bufsize, 1);
	if (block_ms) {
		char ms[24];
		snprintf(ms, sizeof(ms), "%llu", (unsigned long long)block_ms);
		setenv("REMORA_BLOCKING_MS", ms, 1);
	}
	signal(SIGINT, SIG_DFL);
	if (record_setenv_preload() < 0)
		_exit(127);
	execvp(argv[0], argv);
	fprintf(stderr, "remora record: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* On a terminal: one line on stderr, rewritten every second, with the
 * events written per second and the events lost so far. */
struct live_status {
	bool on, shown;
	uint64_t last_ms, last_events;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void live_status_tick(struct live_status *l, struct rm_consumer *c)
{
	uint64_t t = now_ms();
	if (!l->on || t - l->last_ms < 1000)
		return;
	uint64_t events, lost, bytes = 0;
	uint32_t closed = 0;
	int64_t chunk = -1;
	rm_consumer_progress(c, &events, &lost);
	if (rm_consumer_record_sink(c))
		rm_sink_chunk_info(rm_consumer_record_sink(c), &closed, &chunk, &bytes);
	if (l->last_ms) {
		fprintf(stderr, "\r\033[Kremora: %llu events/s, %llu events, %llu lost, %.1f MiB "
				"written",
			(unsigned long long)((events - l->last_events) * 1000 / (t - l->last_ms)),
			(unsigned long long)events, (unsigned long long)lost, (double)bytes / 1048576);
		if (chunk >= 0)
			fprintf(stderr, ", chunk %lld", (long long)chunk);
	}
	l->shown = l->last_ms != 0;
	l->last_ms = t;
	l->last_events = events;
}

static void live_status_clear(struct live_status *l)
{
	if (l->shown)
		fputs("\r\033[K", stderr);
}

/* Runs CMD under the consumer until no child is left (or SIGINT/SIGTERM).
 * Returns CMD's wait status, or -1 when it was never reaped. */
static int record_run(struct rm_consumer *c, const struct record_args *a, const char *sock,
		      pid_t *cmd)
{
	char joined[4096] = "";
	for (int i = 0; i < a->npat; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
			 i ? "," : "", a->patterns[i]);
	if (a->npat == 0)
		strcpy(joined, "*");
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);

	warn_if_secure(a->cmd[0]);
	*cmd = start_cmd(a->cmd, sock, joined, a->overwrite, a->bufsize, a->block_ms);
	rm_consumer_raise_fd_limit(); /* ours only: the command keeps its limit */
	char serr[256];
	if (a->shipper && rm_ship_start(a->shipper, serr, sizeof(serr)) < 0)
		fprintf(stderr, "remora record: %s; the trace is only written locally\n", serr);
	int status = 0, cmd_status = -1;
	bool children = *cmd > 0;
	if (*cmd < 0)
		fprintf(stderr, "remora record: fork: %s\n", strerror(errno));
	struct live_status live = { .on = isatty(STDERR_FILENO) };
	uint64_t helpers_only_since = 0;
	while (children && !interrupted) {
		rm_consumer_poll(c, 50);
		live_status_tick(&live, c);
		pid_t p, helpers[64];
		while ((p = waitpid(-1, &status, WNOHANG | __WALL)) > 0)
			if (p == *cmd)
				cmd_status = status;
		if (p < 0 && errno == ECHILD)
			children = false;
		int nh = children && cmd_status != -1 ? record_only_helpers_left(c, helpers, 64) : -1;
		if (nh <= 0)
			helpers_only_since = 0;
		else if (!helpers_only_since)
			helpers_only_since = now_ms();
		else if (now_ms() - helpers_only_since >= HELPER_GRACE_MS)
			record_give_up_helpers(helpers, nh);
	}
	live_status_clear(&live);
	return cmd_status;
}

/* --ship: the session is the output directory's name, so a collector
 * rebuilds DIR/HOST/<that name>/. Bad options are refused here, before
 * anything runs; the network is only tried by the shipping thread. */
static struct rm_ship *record_shipper(const struct record_args *a, const char *outdir)
{
	const char *slash = strrchr(outdir, '/');
	struct ship_opts so = { .urls = a->ship, .subject = a->ship_subject, .creds = a->ship_creds,
				.session = slash ? slash + 1 : outdir, .root = outdir,
				.who = "remora" };
	char err[600];
	struct rm_ship *sh = rm_ship_new(&so, err, sizeof(err));
	if (!sh)
		fprintf(stderr, "remora record: %s\n", err);
	return sh;
}

/* How long `record` waits at the end for NATS to acknowledge the rest;
 * REMORA_SHIP_WAIT_MS changes it. */
#define SHIP_WAIT_MS 30000

static void record_ship_finish(struct record_args *a, const struct rm_consumer_summary *s)
{
	const char *env = getenv("REMORA_SHIP_WAIT_MS");
	int wait = env && *env ? atoi(env) : SHIP_WAIT_MS;
	struct ship_stats st;
	int r = rm_ship_finish(a->shipper, wait, &st);
	a->shipper = NULL;
	ship_lib_close();
	fprintf(stderr, "remora: shipped %llu bytes in %llu messages (about %.1f bytes per event "
			"on the wire, %llu messages sent again)\n", (unsigned long long)st.bytes,
		(unsigned long long)st.messages,
		s->events ? (double)(st.bytes + st.header_bytes) / (double)s->events : 0.0,
		(unsigned long long)st.resent);
	if (r < 0)
		fprintf(stderr, "remora: ship: %llu bytes were not acknowledged by NATS within %d ms; "
				"the local trace is complete, copy it by hand or record again\n",
			(unsigned long long)st.unacked_bytes, wait);
}

int rm_cmd_record(int argc, char **argv)
{
	struct record_args a = { 0 };
	int r = record_parse_args(argc, argv, &a);
	if (r >= 0)
		return r;

	char defdir[64], outdir[PATH_MAX];
	if (!a.out) {
		time_t t = time(NULL);
		strftime(defdir, sizeof(defdir), "remora-%Y%m%d-%H%M%S", localtime(&t));
		a.out = defdir;
	}
	struct stat before;
	bool made_dir = lstat(a.out, &before) < 0; /* removed again when no trace is written */
	if (rm_prepare_outdir(a.out, a.force, outdir, sizeof(outdir)) < 0)
		return 1;

	char sockdir[RM_REC_SOCKDIR_MAX], sock[sizeof(sockdir) + 16];
	if (rm_rec_sockdir_make(sockdir, sizeof(sockdir)) < 0) {
		fprintf(stderr, "remora record: cannot create a private socket directory in /tmp: %s\n",
			strerror(errno));
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/sock", sockdir);

	char err[512];
	if (a.ship && !(a.shipper = record_shipper(&a, outdir))) {
		rm_rec_sockdir_remove(sockdir);
		return 2;
	}
	struct rm_consumer_opts co = { .socket_path = sock, .out_dir = outdir,
				       .patterns = a.patterns, .npatterns = a.npat,
				       .filters = a.filters, .contexts = a.contexts,
				       .flight_recorder = a.overwrite,
				       .snapshot = a.snapshot_on_exit,
				       .block_ns = a.block_ms * 1000000,
				       .hook = a.shipper ? &rm_ship_hook : NULL, .hook_ctx = a.shipper };
	struct rm_consumer *c = rm_consumer_new(&co, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "remora record: %s\n", err);
		rm_rec_sockdir_remove(sockdir);
		if (made_dir)
			rmdir(outdir);
		return 1;
	}
	if (rm_rotation_any(&a.rot) &&
	    rm_sink_set_rotation(rm_consumer_record_sink(c), &a.rot, err, sizeof(err)) < 0) {
		fprintf(stderr, "remora record: %s\n", err); /* rm_rotate_opt checked it: unlikely */
		rm_consumer_finish(c, NULL);
		rm_rec_sockdir_remove(sockdir);
		if (made_dir)
			rmdir(outdir);
		return 2;
	}
	if (!a.snapshot_on_exit) /* which writes only at the end: nothing to follow */
		rm_live_mark(outdir); /* `remora view --follow` stops once it is gone */
	pid_t cmd;
	int cmd_status = record_run(c, &a, sock, &cmd);
	struct rm_seen seen = { 0 };
	rm_seen_from_consumer(&seen, c);
	struct rm_snapshot_result snap;
	bool snapped = a.snapshot_on_exit && record_snapshot(c, &snap);
	struct rm_consumer_summary s;
	rm_consumer_finish(c, &s);
	if (snapped)
		s.events += snap.events, s.write_errors += snap.write_errors;
	rm_live_unmark(outdir);
	rm_rec_sockdir_remove(sockdir);
	int rc = cmd_status < 0 ? (cmd < 0 ? 1 : 128 + SIGINT)
		 : WIFSIGNALED(cmd_status) ? 128 + WTERMSIG(cmd_status) : WEXITSTATUS(cmd_status);
	/* 127 from a command that never reached a traced process: it could not
	 * be run (execvp failed, or the shell found no such command) */
	bool cmd_ran = cmd > 0 && !(rc == 127 && s.processes == 0);
	if (record_trace_written(outdir))
		record_print_summary(&s, outdir, interrupted);
	else
		record_no_trace(&s, outdir, made_dir, a.force, cmd_ran);
	if (a.shipper)
		record_ship_finish(&a, &s);
	if (cmd_ran)
		rm_hint_unmatched("record", a.patterns, a.npat, &seen, false);
	rm_seen_free(&seen);
	/* a script must not take an incomplete trace for a whole one; the
	 * command's own status is still said */
	if (s.unwritten || s.write_errors) {
		fprintf(stderr, "remora record: exit status %d: events were lost to write errors "
				"in %s (the command's own status was %d); free space or choose "
				"another -o DIR and record again\n", RM_EXIT_WRITE_LOSS, outdir, rc);
		return RM_EXIT_WRITE_LOSS;
	}
	return rc;
}
