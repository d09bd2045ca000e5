/* remorad [--socket PATH] [--verbose]: the per-user tracing daemon.
 *
 * One thread, one poll loop: helpers connect on the helper socket (the
 * consumer core, consumer.h), the CLI on the control socket next to it
 * (daemon_proto.h). Helpers only of remorad's uid, the CLI of that uid
 * or root (SO_PEERCRED); refusals are logged on stderr. After binding, remorad
 * drops every capability and installs its seccomp filter
 * (remorad_lockdown.c). Sessions are saved next to the sockets, so a
 * restarted remorad carries on with them, and running apps' helpers
 * reconnect within 500 ms. SIGTERM/SIGINT: stop every session (writing
 * what is buffered), close the traces, remove the sockets. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/remorad/remorad.h"
#include "ctl/ship/ship.h"
#include "shm/socket_path.h"

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: remorad [--socket PATH] [--verbose]\n"
		   "  -s, --socket PATH  helper socket (default: $REMORA_SOCKET, else\n"
		   "                     $XDG_RUNTIME_DIR/remora/remorad.sock, else\n"
		   "                     /tmp/remora-UID/remorad.sock); the control socket is\n"
		   "                     next to it (remorad.ctl)\n"
		   "  -v, --verbose      log every traced process\n");
}

/* The socket directory: created 0700 if missing; refused when another
 * user owns it or others may write to it (they could replace the socket). */
static int check_dir(const char *sock)
{
	char copy[108];
	snprintf(copy, sizeof(copy), "%s", sock);
	const char *dir = dirname(copy);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "remorad: cannot create socket directory %s: %s; choose another "
				"with --socket PATH\n", dir, strerror(errno));
		return -1;
	}
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "remorad: %s is not a directory; choose another socket path with "
				"--socket PATH\n", dir);
		return -1;
	}
	if (st.st_uid != getuid() || (st.st_mode & 022)) {
		fprintf(stderr, "remorad: socket directory %s is %s; remove it or choose another "
				"socket path with --socket PATH\n", dir,
			st.st_uid != getuid() ? "owned by another user" : "writable by other users");
		return -1;
	}
	return 0;
}

static int listen_ctl(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	unlink(path); /* the helper socket's probe proved no remorad runs here */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		fprintf(stderr, "remorad: cannot listen on %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void serve_one(struct remorad *d, int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct ucred cr = { 0, (uid_t)-1, (gid_t)-1 };
	socklen_t len = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
	    (cr.uid != d->uid && cr.uid != 0)) {
		fprintf(stderr, "remorad: refused a control connection from pid %d uid %d (only uid "
				"%u or root may control this remorad)\n", (int)cr.pid, (int)cr.uid,
			(unsigned)d->uid);
		close(fd);
		return;
	}
	struct timeval tv = { 2, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	static struct rmd_req q;
	ssize_t n = recv(fd, &q, sizeof(q), 0);
	struct reply o;
	reply_init(&o, fd);
	if (n == 0) { /* a probe: `remora create` waiting for us */
		close(fd);
		return;
	}
	if (n != (ssize_t)sizeof(q) || q.magic != RMD_MAGIC || q.version != RMD_VERSION ||
	    q.len != sizeof(q) || q.op == 0 || q.op >= RMD_OP_MAX ||
	    !memchr(q.session, 0, sizeof(q.session)) || !memchr(q.arg, 0, sizeof(q.arg)) ||
	    !memchr(q.opts, 0, sizeof(q.opts))) {
		fprintf(stderr, "remorad: malformed control request (%zd bytes) from pid %d\n", n,
			(int)cr.pid);
		reply_error(&o, "malformed request: is the remora CLI from another version than "
				"remorad?\n");
	} else {
		sessions_handle(d, &q, &o);
	}
	close(fd);
}

/* Options and the paths they lead to: the helper socket, the control
 * socket next to it, the state file. Returns -1 to go on, or the exit
 * status. */
static int parse_args(int argc, char **argv, struct remorad *d, bool *verbose)
{
	static const struct option opts[] = {
		{ "socket", required_argument, 0, 's' }, { "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "s:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 's': setenv("REMORA_SOCKET", optarg, 1); break;
		case 'v': *verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "remorad: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	rm_socket_path(d->sock, sizeof(d->sock));
	if (strlen(d->sock) >= sizeof(d->sock) - 1 ||
	    rmd_ctl_path(d->sock, d->ctl, sizeof(d->ctl)) < 0) {
		fprintf(stderr, "remorad: socket path %s is too long (at most 100 bytes); choose "
				"another with --socket PATH\n", d->sock);
		return 1;
	}
	snprintf(d->state_file, sizeof(d->state_file), "%.*s.sessions",
		 (int)(strlen(d->ctl) - 4), d->ctl);
	return -1;
}

/* Both sockets bound, sessions restored, then the lockdown: nothing after
 * it may need a capability or a syscall outside the filter. Returns the
 * control socket, or -1 after saying why (and undoing what was done). */
static int start(struct remorad *d, bool verbose)
{
	char err[512];
	struct rm_consumer_opts co = { .socket_path = d->sock, .verbose = verbose,
				       .log_prefix = "remorad", .reap = true };
	rm_consumer_raise_fd_limit();
	d->c = rm_consumer_new(&co, err, sizeof(err));
	if (!d->c) {
		fprintf(stderr, "remorad: %s\n", err);
		return -1;
	}
	int lfd = listen_ctl(d->ctl);
	if (lfd < 0) {
		rm_consumer_finish(d->c, NULL);
		return -1;
	}
	sessions_init(d);
	if (!d->sessions) {
		fprintf(stderr, "remorad: out of memory\n");
		return -1;
	}
	sessions_restore(d);
	if (remorad_lockdown(err, sizeof(err)) < 0) {
		fprintf(stderr, "remorad: %s; not running without it\n", err);
		sessions_shutdown(d);
		rm_consumer_finish(d->c, NULL);
		close(lfd);
		unlink(d->ctl);
		return -1;
	}
	sessions_ship_start(d);
	return lfd;
}

int main(int argc, char **argv)
{
	static struct remorad d;
	bool verbose = false;
	int r = parse_args(argc, argv, &d, &verbose);
	if (r >= 0)
		return r;
	d.uid = getuid();
	umask(077);
	if (check_dir(d.sock) < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	int lfd = start(&d, verbose);
	if (lfd < 0)
		return 1;
	fprintf(stderr, "remorad: pid %d ready: helpers connect to %s, the CLI to %s\n",
		(int)getpid(), d.sock, d.ctl);

	while (!quit) {
		struct pollfd p = { lfd, POLLIN, 0 };
		if (rm_consumer_poll_with(d.c, 100, &p, 1) < 0) {
			fprintf(stderr, "remorad: poll: %s\n", strerror(errno));
			break;
		}
		if (p.revents)
			serve_one(&d, lfd);
	}
	fprintf(stderr, "remorad: stopping: writing and closing every trace\n");
	close(lfd);
	unlink(d.ctl);
	/* Sessions stay in the state file: a new remorad resumes them. */
	sessions_shutdown(&d);
	rm_consumer_finish(d.c, NULL);
	ship_lib_close(); /* every session's shipper finished above */
	return 0;
}
