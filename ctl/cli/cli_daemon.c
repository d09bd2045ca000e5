/* Talking to remorad from the CLI, and starting it when `create` finds
 * none: fork, setsid, exec the remorad next to this program (or
 * $REMORA_DAEMON) with its log next to its sockets, wait for the control
 * socket. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/self_path.h"
#include "shm/socket_path.h"

void rmd_req_init(struct rmd_req *q, enum rmd_op op)
{
	memset(q, 0, sizeof(*q));
	q->magic = RMD_MAGIC;
	q->version = RMD_VERSION;
	q->op = (uint16_t)op;
	q->len = sizeof(*q);
}

static int connect_ctl(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static const char *daemon_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("REMORA_DAEMON");
	if (env && *env)
		return env;
	if (rm_self_dir(path, sizeof(path) - 16) < 0)
		return NULL;
	strcat(path, "/remorad");
	return access(path, X_OK) == 0 ? path : NULL;
}

static void print_log_tail(const char *log)
{
	FILE *f = fopen(log, "re");
	char line[1024], last[1024] = "";
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		snprintf(last, sizeof(last), "%s", line);
	fclose(f);
	if (last[0])
		fprintf(stderr, "remora: its last words: %s", last);
}

/* Starts remorad and waits up to 5 s for its control socket. */
static int start_daemon(const char *sock, const char *ctl)
{
	const char *bin = daemon_path();
	if (!bin) {
		fprintf(stderr, "remora: remorad is not running and cannot be found next to this "
				"program: start it by hand, or set REMORA_DAEMON to its path\n");
		return -1;
	}
	char dir[108], log[128];
	snprintf(dir, sizeof(dir), "%s", sock);
	snprintf(log, sizeof(log), "%s/remorad.log", dirname(dir));
	mkdir(dir, 0700);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "remora: cannot start remorad: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		setsid();
		int in = open("/dev/null", O_RDONLY);
		int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (in >= 0)
			dup2(in, 0);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		signal(SIGINT, SIG_DFL);
		execl(bin, "remorad", "--socket", sock, (char *)NULL);
		fprintf(stderr, "remora: cannot run %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		int fd = connect_ctl(ctl);
		if (fd >= 0) {
			close(fd);
			fprintf(stderr, "remora: started remorad (pid %d), log in %s\n", (int)pid, log);
			return 0;
		}
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr, "remora: remorad (%s) exited at start; its log is %s\n", bin,
				log);
			print_log_tail(log);
			return -1;
		}
		struct timespec ts = { 0, 50 * 1000000 };
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "remora: remorad (pid %d) did not open %s within 5 s; see %s\n", (int)pid,
		ctl, log);
	return -1;
}

int rmd_call(const struct rmd_req *q, bool autostart)
{
	return rmd_call_to(q, autostart, stdout);
}

int rmd_call_to(const struct rmd_req *q, bool autostart, FILE *out)
{
	char sock[108], ctl[108];
	rm_socket_path(sock, sizeof(sock));
	if (rmd_ctl_path(sock, ctl, sizeof(ctl)) < 0) {
		fprintf(stderr, "remora: socket path %s is too long; set REMORA_SOCKET to a shorter "
				"one\n", sock);
		return 1;
	}
	int fd = connect_ctl(ctl);
	if (fd < 0 && (errno == ENOENT || errno == ECONNREFUSED) && autostart) {
		if (start_daemon(sock, ctl) < 0)
			return 1;
		fd = connect_ctl(ctl);
	}
	if (fd < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			fprintf(stderr, "remora: remorad is not running (nothing listens on %s): start "
					"it with `remorad &`, or `remora create NAME` starts it\n", ctl);
		else
			fprintf(stderr, "remora: cannot connect to remorad at %s: %s\n", ctl,
				strerror(errno));
		return 1;
	}
	struct timeval tv = { 30, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, q, sizeof(*q), MSG_NOSIGNAL) != (ssize_t)sizeof(*q)) {
		fprintf(stderr, "remora: remorad at %s refused the request: it admits only its own "
				"user and root (its log says more)\n", ctl);
		close(fd);
		return 1;
	}
	static struct rmd_resp r;
	int status = 1;
	for (bool first = true;; first = false) {
		ssize_t n = recv(fd, &r, sizeof(r), 0);
		if ((n == 0 || (n < 0 && errno == ECONNRESET)) && first) {
			fprintf(stderr, "remora: remorad at %s closed the connection without answering: "
					"it admits only its own user (uid of the socket's owner) and root; "
					"its log says more\n", ctl);
			break;
		}
		if (n < 0) {
			fprintf(stderr, "remora: no answer from remorad at %s: %s\n", ctl,
				errno == EAGAIN ? "timed out after 30 s" : strerror(errno));
			break;
		}
		if (n < (ssize_t)RMD_RESP_HDR + 1 || r.magic != RMD_MAGIC || r.version != RMD_VERSION ||
		    r.len != (uint32_t)n || r.text[n - RMD_RESP_HDR - 1] != 0 || r.status > RMD_ERR) {
			fprintf(stderr, "remora: malformed answer from remorad at %s (%zd bytes): is it "
					"from another version?\n", ctl, n);
			break;
		}
		if (r.status == RMD_OK)
			fputs(r.text, out);
		else
			fprintf(stderr, "remora: %s", r.text);
		status = r.status == RMD_OK ? 0 : 1;
		if (!r.more)
			break;
	}
	close(fd);
	return status;
}

int rmd_parse_session_only(int argc, char **argv, const char *verb, const char *usage,
			   const char **session)
{
	static const struct option opts[] = {
		{ "session", required_argument, 0, 's' }, { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	/* NAME may be given as -s NAME (like enable-event's) or alone */
	static const char opt_help[] = "  -s, --session NAME  the session, also accepted without -s\n";
	const char *named = NULL;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		if (ch == 's') {
			named = optarg;
			continue;
		}
		fprintf(ch == 'h' ? stdout : stderr, "usage: remora %s\n%s", usage, opt_help);
		return ch == 'h' ? 0 : 2;
	}
	if (argc - optind > (named ? 0 : 1)) {
		fprintf(stderr, "remora %s: unexpected argument '%s'\nusage: remora %s\n%s", verb,
			argv[argc - 1], usage, opt_help);
		return 2;
	}
	*session = named ? named : optind < argc ? argv[optind] : "";
	if (**session && !rmd_name_ok(*session)) {
		fprintf(stderr, "remora %s: invalid session name '%s' (letters, digits, '_', '.', "
				"'-')\n", verb, *session);
		return 2;
	}
	return -1;
}
