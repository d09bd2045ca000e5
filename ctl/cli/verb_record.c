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
#include <ftw.h>
#include <getopt.h>
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
#include "ctl/filter/filter.h"
#include "ctl/cli/outdir.h"
#include "ctl/cli/rotate_opts.h"
#include "ctl/consumer/live_mark.h"
#include "ctl/cli/rec_seen.h"
#include "ctl/cli/rec_sockdir.h"
#include "ctl/cli/self_cmd.h"
#include "ctl/cli/self_path.h"
#include "ctl/cli/verbs.h"
#include "ctl/ship/ship.h"
#include "shm/size.h"

/* Exit status when events were lost to write errors: EX_IOERR of
 * sysexits.h, documented in usage() and the README. */
#define RM_EXIT_WRITE_LOSS 74

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: remora record [-o DIR [--force]] [-e PATTERN]... [--filter EXPR]...\n"
		   "         [--context TYPE]... [--overwrite | --snapshot-on-exit]\n"
		   "         [--buffer-size SIZE] [--blocking[=MS]] [--preload NAME]...\n"
		   "         [--rotate-size SIZE] [--rotate-timer SECS] [--max-chunks N] -- CMD [ARG...]\n"
		   "         [--ship URLS [--ship-subject S] [--ship-creds FILE]] -- CMD [ARG...]\n"
		   "  -o, --output DIR      trace directory (default ./remora-YYYYmmdd-HHMMSS), created\n"
		   "                        0700; an existing one must be empty, and no symbolic\n"
		   "                        link on the way to it may belong to another user\n"
		   "      --force           write into an existing non-empty DIR anyway\n"
		   "  -e, --event PATTERN   enable events matching provider:name glob (default: all)\n"
		   "      --filter EXPR     keep only the events of the -e patterns given before it\n"
		   "                        (since the previous --filter; all events when none) for\n"
		   "                        which EXPR is true, e.g. 'id >= 10 && path == \"/a/*\"'\n"
		   "                        (fields, $ctx.vtid/vpid/procname, == != < <= > >=, && || !)\n"
		   "      --context TYPE    add a context field to the trace: procname, vpid or vtid\n"
		   "                        (per packet, read by remora from /proc: no cost in the\n"
		   "                        app); ip, cpu_id or perf:thread:COUNTER (per event,\n"
		   "                        written by the app; see remora add-context --help)\n"
		   "      --overwrite       flight recorder: keep the newest data, read at the end\n"
		   "      --snapshot-on-exit  keep the newest data in memory (as much as the arena\n"
		   "                        holds) and write it when CMD exits or crashes, as one\n"
		   "                        snapshot directory DIR/snapshot-1-YYYYmmdd-HHMMSS\n"
		   "      --buffer-size SZ  arena size per process tree, e.g. 64M (default 16M)\n"
		   "      --blocking[=MS]   a thread with no free buffer waits up to MS ms (default 1000)\n"
		   "                        for the consumer instead of dropping the event\n"
		   "      --preload NAME    also preload libremora-NAME.so to trace an unmodified\n"
		   "                        program: libc (providers libc_malloc, libc_io) or\n"
		   "                        cyg (cyg_profile, for -finstrument-functions)\n"
		   "      --ship URLS       also publish the trace, as it is written, to NATS\n"
		   "                        JetStream: nats://HOST:PORT[,HOST:PORT...] or tls://...\n"
		   "                        (the local trace stays complete whatever the network\n"
		   "                        does; gather with remora collect; docs/SCALE.md)\n"
		   "      --ship-subject S  subject prefix (default remora.traces): messages go to\n"
		   "                        S.HOST.SESSION, stream S in capitals ('.' as '_')\n"
		   "      --ship-creds FILE NATS credentials file (JWT and NKey seed)\n"
		   );
	rm_rotate_usage(f);
	fprintf(f, "On a terminal, a status line on stderr: events/s, events, lost, bytes written.\n"
		   "exit status: CMD's (128+N when signal N killed it), except %d when the trace\n"
		   "  could not be written whole (disk full, I/O error: events lost to write\n"
		   "  errors; CMD's status is printed); 127 when CMD could not be run (no\n"
		   "  trace directory is left); 1 when remora could not record; 2 for bad usage\n",
		RM_EXIT_WRITE_LOSS);
}

/* --preload NAME: libremora-NAME.so, next to libremora. */
static const char *const preload_names[] = { "libc", "cyg" };
static bool preload_wanted[sizeof(preload_names) / sizeof(preload_names[0])];

static bool add_preload(const char *name)
{
	for (size_t i = 0; i < sizeof(preload_names) / sizeof(preload_names[0]); i++)
		if (strcmp(name, preload_names[i]) == 0)
			return preload_wanted[i] = true;
	return false;
}

static int setenv_preload(void)
{
	const char *lib = rm_libremora_path();
	if (!lib) {
		fprintf(stderr, "remora record: cannot find libremora.so next to this program; "
				"set REMORA_LIB to its path\n");
		return -1;
	}
	const char *old = getenv("LD_PRELOAD");
	char buf[PATH_MAX * 4];
	int n = snprintf(buf, sizeof(buf), "%s", lib);
	const char *slash = strrchr(lib, '/');
	for (size_t i = 0; i < sizeof(preload_names) / sizeof(preload_names[0]); i++) {
		if (!preload_wanted[i])
			continue;
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ":%.*s/libremora-%s.so",
			      slash ? (int)(slash - lib) : 1, slash ? lib : ".", preload_names[i]);
		if (access(strrchr(buf, ':') + 1, R_OK) != 0) {
			fprintf(stderr, "remora record: cannot find %s\n", strrchr(buf, ':') + 1);
			return -1;
		}
	}
	snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%s", old && *old ? ":" : "", old ? old : "");
	return setenv("LD_PRELOAD", buf, 1);
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
	if (setenv_preload() < 0)
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

struct record_args {
	const char *out, *bufsize;
	const char *patterns[64];
	const char *filters[64]; /* per pattern: its --filter, or NULL */
	int npat;
	int filtered;            /* patterns before this one have their --filter */
	uint32_t contexts;       /* --context: CTF_CTX_* bits */
	bool overwrite, force;
	bool snapshot_on_exit;
	uint64_t block_ms;       /* --blocking: 0 for off */
	struct rm_rotation rot;  /* --rotate-size, --rotate-timer, --max-chunks */
	const char *ship, *ship_subject, *ship_creds; /* --ship* */
	struct rm_ship *shipper; /* with --ship */
	char **cmd;
};

/* Returns -1 to go on, or the exit status (0 after --help, 2 for bad use). */
static int parse_args(int argc, char **argv, struct record_args *a)
{
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' }, { "event", required_argument, 0, 'e' },
		{ "overwrite", no_argument, 0, 'O' }, { "buffer-size", required_argument, 0, 'b' },
		{ "preload", required_argument, 0, 'P' }, { "blocking", optional_argument, 0, 'B' },
		{ "force", no_argument, 0, 'f' }, { "help", no_argument, 0, 'h' },
		{ "filter", required_argument, 0, 'F' }, { "context", required_argument, 0, 'C' },
		{ "snapshot-on-exit", no_argument, 0, 'S' }, RM_ROTATE_LONGOPTS,
		{ "ship", required_argument, 0, 'H' }, { "ship-subject", required_argument, 0, 'J' },
		{ "ship-creds", required_argument, 0, 'K' }, { 0, 0, 0, 0 },
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+o:e:h", opts, NULL)) != -1) {
		int rr = rm_rotate_opt(ch, optarg, &a->rot, "record");
		if (rr < 0)
			return 2;
		if (rr > 0)
			continue;
		switch (ch) {
		case 'o': a->out = optarg; break;
		case 'e':
			if (a->npat == 64) {
				fprintf(stderr, "remora record: at most 64 -e patterns\n");
				return 2;
			}
			a->patterns[a->npat++] = optarg;
			break;
		case 'F': {
			char err[512];
			struct rm_filter_expr *x = rm_filter_parse(optarg, err, sizeof(err));
			if (!x) {
				fprintf(stderr, "remora record: --filter '%s': %s\n", optarg, err);
				return 2;
			}
			rm_filter_expr_free(x);
			if (a->filtered == a->npat) { /* no -e before it: every event */
				if (a->npat == 64) {
					fprintf(stderr, "remora record: at most 64 -e patterns\n");
					return 2;
				}
				a->patterns[a->npat++] = "*";
			}
			for (; a->filtered < a->npat; a->filtered++)
				a->filters[a->filtered] = optarg;
			break;
		}
		case 'C': {
			char err[256];
			uint32_t bit;
			if (rm_context_parse(optarg, &bit, err, sizeof(err)) < 0) {
				fprintf(stderr, "remora record: --context: %s\n", err);
				return 2;
			}
			a->contexts |= bit;
			break;
		}
		case 'O': a->overwrite = true; break;
		case 'f': a->force = true; break;
		case 'S': a->snapshot_on_exit = true; break;
		case 'B': {
			char *end;
			unsigned long long ms = optarg ? strtoull(optarg, &end, 10) : 1000;
			if (optarg && (*end || !*optarg || ms == 0 || ms > 60000)) {
				fprintf(stderr, "remora record: bad --blocking '%s' (milliseconds, 1 to 60000)\n",
					optarg);
				return 2;
			}
			a->block_ms = ms;
			break;
		}
		case 'b':
			if (!rm_parse_size(optarg)) {
				fprintf(stderr, "remora record: bad --buffer-size '%s' (try 16M)\n", optarg);
				return 2;
			}
			a->bufsize = optarg;
			break;
		case 'P':
			if (!add_preload(optarg)) {
				fprintf(stderr, "remora record: unknown --preload '%s' (libc or cyg)\n", optarg);
				return 2;
			}
			break;
		case 'H': a->ship = optarg; break;
		case 'J': a->ship_subject = optarg; break;
		case 'K': a->ship_creds = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if ((a->overwrite || a->snapshot_on_exit) && rm_rotation_any(&a->rot)) {
		fprintf(stderr, "remora record: %s takes no --rotate-size, --rotate-timer or "
				"--max-chunks (a flight recorder writes once, at the end)\n",
			a->overwrite ? "--overwrite" : "--snapshot-on-exit");
		return 2;
	}
	if (a->rot.max_chunks && !a->rot.size && !a->rot.timer_s) {
		fprintf(stderr, "remora record: --max-chunks needs --rotate-size or --rotate-timer "
				"(nothing else rotates a record run)\n");
		return 2;
	}
	if ((a->ship_subject || a->ship_creds) && !a->ship) {
		fprintf(stderr, "remora record: --ship-subject and --ship-creds need --ship URLS\n");
		return 2;
	}
	if (a->ship) { /* refused before anything is created or run */
		struct ship_urls u;
		char err[512];
		int bad = ship_urls_parse(a->ship, &u, err, sizeof(err));
		if (bad < 0)
			fprintf(stderr, "remora record: bad --ship '%s': %s\n", a->ship, err);
		else if ((bad = ship_subject_check(a->ship_subject ? a->ship_subject
								    : SHIP_SUBJECT_DEFAULT, err, sizeof(err))) < 0)
			fprintf(stderr, "remora record: bad --ship-subject: %s\n", err);
		else if (a->ship_creds && (bad = access(a->ship_creds, R_OK)) < 0)
			fprintf(stderr, "remora record: cannot read the --ship-creds file %s: %s\n",
				a->ship_creds, strerror(errno));
		ship_urls_free(&u);
		if (bad < 0)
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "remora record: no command given\n");
		usage(stderr);
		return 2;
	}
	a->cmd = argv + optind;
	if (a->snapshot_on_exit && (a->overwrite || a->block_ms)) {
		fprintf(stderr, "remora record: --snapshot-on-exit excludes --overwrite and "
				"--blocking (a flight recorder never makes the app wait)\n");
		return 2;
	}
	return -1;
}

/* A healthy helper leaves within a few hundred ms of its tree's end (it
 * sees the pidfds, says GONE, gets the ACK); this bounds how long a stopped
 * or wedged one can hold `record` (SECURITY.md: 2 s after the app exits). */
#define HELPER_GRACE_MS 1200

/* Field 38 of /proc/PID/stat (exit signal) and field 3 (state) into *state;
 * -1 when unreadable. */
static int exit_signal_of(pid_t pid, char *state)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	if (!p || sscanf(p + 1, " %c", state) != 1)
		return -1;
	for (int field = 2; field < 38 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? atoi(p + 1) : -1;
}

struct helper_pids {
	pid_t pid[256];
	int n;
};

static void note_helper(void *ctx, const struct rm_proc_info *p, uint32_t serial)
{
	(void)serial;
	struct helper_pids *h = ctx;
	if (h->n < 256 && p->helper_pid)
		h->pid[h->n++] = (pid_t)p->helper_pid;
}

/* A helper is a child the consumer knows as one (its HELLO), or a clone
 * child with exit signal 0 (inject/spawn.c) whose app still holds it: once
 * orphaned to us, the kernel gives it SIGCHLD like any other child. */
static bool is_helper(const struct helper_pids *h, pid_t pid)
{
	char state;
	for (int i = 0; i < h->n; i++)
		if (h->pid[i] == pid)
			return true;
	return exit_signal_of(pid, &state) == 0;
}

/* When every child left is a helper, stores their pids and returns how
 * many; 0 or -1 when none is left or another child is (CMD's tree still
 * runs). */
static int only_helpers_left(struct rm_consumer *c, pid_t *pids, int max)
{
	struct helper_pids h = { .n = 0 };
	rm_consumer_each_proc(c, note_helper, &h);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	int n = 0, pid;
	while (n >= 0 && fscanf(f, "%d", &pid) == 1)
		if (n == max || !is_helper(&h, pid))
			n = -1;
		else
			pids[n++] = pid;
	fclose(f);
	return n;
}

static void give_up_helpers(const pid_t *pids, int n)
{
	for (int i = 0; i < n; i++) {
		char state = '?';
		exit_signal_of(pids[i], &state);
		fprintf(stderr, "remora record: the helper (pid %d, state %c%s) was still running %d "
				"ms after the program ended: killed it; the trace keeps every event "
				"the program committed (the consumer reads its buffer itself)\n",
			(int)pids[i], state, state == 'T' || state == 't' ? ": stopped" : "",
			HELPER_GRACE_MS);
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, __WALL);
	}
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
		int nh = children && cmd_status != -1 ? only_helpers_left(c, helpers, 64) : -1;
		if (nh <= 0)
			helpers_only_since = 0;
		else if (!helpers_only_since)
			helpers_only_since = now_ms();
		else if (now_ms() - helpers_only_since >= HELPER_GRACE_MS)
			give_up_helpers(helpers, nh);
	}
	live_status_clear(&live);
	return cmd_status;
}

/* "remora: lost by cause: 12 buffer full, 1 refused record", the non-zero
 * causes only; records cut to fit a chunk are kept, so they close the
 * line apart ("; 2 truncated"). Nothing when nothing is either. */
static void print_causes(const struct rm_consumer_summary *s)
{
	const struct { uint64_t n; const char *what; } c[] = {
		{ s->lost_buffer_full, "buffer full" }, { s->lost_too_large, "record too large" },
		{ s->lost_catalog, "catalog full" }, { s->lost_no_slot, "no thread slot" },
		{ s->lost_refused, "refused record" }, { s->lost_corrupt, "corrupt chunk" },
		{ s->lost_overwritten, "overwritten" }, { s->unwritten, "write error" },
	};
	int n = 0;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (c[i].n)
			fprintf(stderr, "%s%llu %s", n++ ? ", " : "remora: lost by cause: ",
				(unsigned long long)c[i].n, c[i].what);
	if (s->truncated)
		fprintf(stderr, "%s%llu truncated (kept, cut to fit a chunk)",
			n++ ? "; " : "remora: ", (unsigned long long)s->truncated);
	if (n)
		fputc('\n', stderr);
	/* --context perf:thread:...: a thread that could not open a counter
	 * (no such counter, seccomp, perf_event_paranoid) wrote it as 0 */
	if (s->perf_failed)
		fprintf(stderr, "remora: %llu perf counters could not be opened (threads x "
				"counters; their values are written as 0)\n",
			(unsigned long long)s->perf_failed);
}

/* Whether a trace was written: a regular file anywhere under dir (the
 * consumer opens a directory per process tree, even one that recorded
 * nothing, and writes files only once there is something to write). */
static bool any_file;

static int note_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)st;
	(void)ftw;
	any_file |= type == FTW_F;
	return any_file; /* stops the walk at the first one */
}

static bool trace_written(const char *dir)
{
	any_file = false;
	nftw(dir, note_file, 16, FTW_PHYS);
	return any_file;
}

/* Removes the empty directories under dir (and dir itself unless
 * keep_top), deepest first; rmdir() leaves anything holding a file. */
static bool keep_top;

static int rmdir_empty(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	if (type == FTW_DP && !(keep_top && ftw->level == 0))
		rmdir(path);
	return 0;
}

/* No success message without a trace: says why nothing was written and
 * removes the empty directories of this run: DIR itself when this run
 * created it, the per-process ones when DIR was empty before (not with
 * --force: those might be the user's). */
static void no_trace(const struct rm_consumer_summary *s, const char *outdir, bool made_dir,
		     bool force, bool cmd_ran)
{
	keep_top = !made_dir; /* it existed before: leave it as it was */
	if (made_dir || !force)
		nftw(outdir, rmdir_empty, 16, FTW_PHYS | FTW_DEPTH);
	const char *left = made_dir ? "" : " (the existing directory is left as it was)";
	if (!cmd_ran)
		fprintf(stderr, "remora record: no trace written: the command could not be run%s\n",
			left);
	else
		fprintf(stderr, "remora: no trace written: %s%s\n",
			s->processes ? "the program registered no event type"
				     : "no traced process connected (the program may not load "
				       "libremora, or be setuid, or a static executable)", left);
}

static void print_summary(const struct rm_consumer_summary *s, const char *outdir)
{
	fprintf(stderr, "remora: %llu events recorded, %llu lost, %u process%s traced%s\n",
		(unsigned long long)s->events, (unsigned long long)(s->lost + s->unwritten),
		s->processes, s->processes == 1 ? "" : "es", interrupted ? " (interrupted)" : "");
	print_causes(s);
	fprintf(stderr,
		"remora: trace written to %s\n"
		"remora: view it with: %s view %s   (or: babeltrace2 %s)\n",
		outdir, rm_self_command(), outdir, outdir);
	if (s->unwritten)
		fprintf(stderr, "remora: %llu of the lost events could not be written to %s (%u "
				"write errors, the first one above); the trace holds every packet "
				"that could be written and is readable\n", (unsigned long long)s->unwritten,
			outdir, s->write_errors);
	if (s->filter_errors)
		fprintf(stderr, "remora: %llu event type%s not recorded: the filter does not fit "
				"%s (%s)\n", (unsigned long long)s->filter_errors,
			s->filter_errors == 1 ? "" : "s", s->filter_errors == 1 ? "it" : "them",
			s->filter_err);
	if (s->corrupt || s->refused || (s->write_errors && !s->unwritten))
		fprintf(stderr, "remora: %llu corrupt chunks, %llu records of refused events, %u "
				"write errors\n", (unsigned long long)s->corrupt,
			(unsigned long long)s->refused, s->write_errors);
}

/* --snapshot-on-exit: the one snapshot, once every tree is over. */
static bool record_snapshot(struct rm_consumer *c, struct rm_snapshot_result *r)
{
	char err[PATH_MAX + 256];
	if (rm_consumer_snapshot(c, r, err, sizeof(err)) < 0) {
		fprintf(stderr, "remora record: snapshot failed: %s\n", err);
		return false;
	}
	fprintf(stderr, "remora: snapshot written to %s: %llu events, %u process tree%s, %llu "
			"lost\n", r->path, (unsigned long long)r->events, r->traces,
		r->traces == 1 ? "" : "s", (unsigned long long)r->discarded);
	if (r->overwritten)
		fprintf(stderr, "remora: %llu older events were overwritten (snapshot mode keeps the "
				"newest; overwritten is not lost)\n", (unsigned long long)r->overwritten);
	return true;
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
	int r = parse_args(argc, argv, &a);
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
	if (trace_written(outdir))
		print_summary(&s, outdir);
	else
		no_trace(&s, outdir, made_dir, a.force, cmd_ran);
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
