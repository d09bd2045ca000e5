/* `remora record [-o DIR] [-e PATTERN]... [--overwrite] [--buffer-size SIZE]
 *                [--preload NAME]... -- CMD [ARG...]`
 *
 * Runs CMD with libremora preloaded and an embedded consumer on a private
 * socket (a 0700 directory), writes the trace to DIR, and exits with CMD's
 * status (128+signal when it was killed). Becomes a child subreaper, so
 * every process of CMD's tree (helpers included) ends up reaped here: the
 * recording ends when no child is left. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl/consumer/consumer.h"
#include "ctl/cli/rec_sockdir.h"
#include "ctl/cli/self_path.h"
#include "ctl/cli/verbs.h"
#include "shm/size.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: remora record [-o DIR] [-e PATTERN]... [--overwrite] "
		   "[--buffer-size SIZE] [--blocking[=MS]] [--preload NAME]... -- CMD [ARG...]\n"
		   "  -o, --output DIR      trace directory (default ./remora-YYYYmmdd-HHMMSS)\n"
		   "  -e, --event PATTERN   enable events matching provider:name glob (default: all)\n"
		   "      --overwrite       flight recorder: keep the newest data, read at the end\n"
		   "      --buffer-size SZ  arena size per process tree, e.g. 64M (default 16M)\n"
		   "      --blocking[=MS]   a thread with no free buffer waits up to MS ms (default 1000)\n"
		   "                        for the consumer instead of dropping the event\n"
		   "      --preload NAME    also preload libremora-NAME.so to trace an unmodified\n"
		   "                        program: libc (providers libc_malloc, libc_io) or\n"
		   "                        cyg (cyg_profile, for -finstrument-functions)\n");
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

/* Creates DIR (0700) if missing and checks it is a writable directory;
 * stores its absolute path. Prints one line and returns -1 on failure. */
static int prepare_outdir(const char *dir, char *abs, size_t size)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "remora: cannot create output directory %s: %s\n", dir, strerror(errno));
		return -1;
	}
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "remora: output path %s is not a directory\n", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		fprintf(stderr, "remora: output directory %s is not writable: %s\n", dir,
			strerror(errno));
		return -1;
	}
	char *real = realpath(dir, NULL);
	if (!real || strlen(real) >= size) {
		fprintf(stderr, "remora: cannot resolve output directory %s\n", dir);
		free(real);
		return -1;
	}
	strcpy(abs, real);
	free(real);
	return 0;
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
	uint64_t events, lost;
	rm_consumer_progress(c, &events, &lost);
	if (l->last_ms)
		fprintf(stderr, "\r\033[Kremora: %llu events/s, %llu events, %llu lost",
			(unsigned long long)((events - l->last_events) * 1000 / (t - l->last_ms)),
			(unsigned long long)events, (unsigned long long)lost);
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
	int npat;
	bool overwrite;
	uint64_t block_ms;       /* --blocking: 0 for off */
	char **cmd;
};

/* Returns -1 to go on, or the exit status (0 after --help, 2 for bad use). */
static int parse_args(int argc, char **argv, struct record_args *a)
{
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' }, { "event", required_argument, 0, 'e' },
		{ "overwrite", no_argument, 0, 'O' }, { "buffer-size", required_argument, 0, 'b' },
		{ "preload", required_argument, 0, 'P' }, { "blocking", optional_argument, 0, 'B' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+o:e:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o': a->out = optarg; break;
		case 'e':
			if (a->npat == 64) {
				fprintf(stderr, "remora record: at most 64 -e patterns\n");
				return 2;
			}
			a->patterns[a->npat++] = optarg;
			break;
		case 'O': a->overwrite = true; break;
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
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "remora record: no command given\n");
		usage(stderr);
		return 2;
	}
	a->cmd = argv + optind;
	return -1;
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

	*cmd = start_cmd(a->cmd, sock, joined, a->overwrite, a->bufsize, a->block_ms);
	int status = 0, cmd_status = -1;
	bool children = *cmd > 0;
	if (*cmd < 0)
		fprintf(stderr, "remora record: fork: %s\n", strerror(errno));
	struct live_status live = { .on = isatty(STDERR_FILENO) };
	while (children && !interrupted) {
		rm_consumer_poll(c, 50);
		live_status_tick(&live, c);
		pid_t p;
		while ((p = waitpid(-1, &status, WNOHANG | __WALL)) > 0)
			if (p == *cmd)
				cmd_status = status;
		if (p < 0 && errno == ECHILD)
			children = false;
	}
	live_status_clear(&live);
	return cmd_status;
}

static void print_summary(const struct rm_consumer_summary *s, const char *outdir)
{
	fprintf(stderr,
		"remora: %llu events recorded, %llu lost, %u process%s traced%s\n"
		"remora: trace written to %s\n"
		"remora: view it with: remora view %s   (or: babeltrace2 %s)\n",
		(unsigned long long)s->events, (unsigned long long)(s->lost + s->unwritten),
		s->processes, s->processes == 1 ? "" : "es", interrupted ? " (interrupted)" : "",
		outdir, outdir, outdir);
	if (s->unwritten)
		fprintf(stderr, "remora: %llu of the lost events could not be written to %s (%u "
				"write errors, the first one above); the trace holds every packet "
				"that could be written and is readable\n", (unsigned long long)s->unwritten,
			outdir, s->write_errors);
	if (s->corrupt || s->refused || (s->write_errors && !s->unwritten))
		fprintf(stderr, "remora: %llu corrupt chunks, %llu records of refused events, %u "
				"write errors\n", (unsigned long long)s->corrupt,
			(unsigned long long)s->refused, s->write_errors);
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
	if (prepare_outdir(a.out, outdir, sizeof(outdir)) < 0)
		return 1;

	char sockdir[RM_REC_SOCKDIR_MAX], sock[sizeof(sockdir) + 16];
	if (rm_rec_sockdir_make(sockdir, sizeof(sockdir)) < 0) {
		fprintf(stderr, "remora record: cannot create a private socket directory in /tmp: %s\n",
			strerror(errno));
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/sock", sockdir);

	char err[512];
	struct rm_consumer_opts co = { .socket_path = sock, .out_dir = outdir,
				       .patterns = a.patterns, .npatterns = a.npat,
				       .flight_recorder = a.overwrite,
				       .block_ns = a.block_ms * 1000000 };
	struct rm_consumer *c = rm_consumer_new(&co, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "remora record: %s\n", err);
		rm_rec_sockdir_remove(sockdir);
		return 1;
	}
	pid_t cmd;
	int cmd_status = record_run(c, &a, sock, &cmd);
	struct rm_consumer_summary s;
	rm_consumer_finish(c, &s);
	rm_rec_sockdir_remove(sockdir);
	print_summary(&s, outdir);
	if (cmd_status < 0)
		return cmd < 0 ? 1 : 128 + SIGINT;
	if (WIFSIGNALED(cmd_status))
		return 128 + WTERMSIG(cmd_status);
	return WEXITSTATUS(cmd_status);
}
