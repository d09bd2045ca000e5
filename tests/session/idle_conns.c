/* Opens N connections to a consumer's helper socket and says nothing on
 * them, as any process of the same uid may (issue 19: 1,100 of them once
 * starved a consumer of fds).
 *   idle_conns SOCKET N STOPFILE   prints "open K" once it tried N times,
 *                                  holds them until STOPFILE exists */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: idle_conns SOCKET N STOPFILE\n");
		return 2;
	}
	int n = atoi(argv[2]), open_ = 0;
	struct rlimit rl; /* ours must hold N fds, whatever the consumer's */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	struct timespec pause = { 0, 1000000 };
	for (int i = 0, tries = 0; i < n && tries < 20000; tries++) {
		int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (s < 0)
			break;
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			i++;
			open_++;
			continue;
		}
		close(s);
		if (errno != EAGAIN) {
			fprintf(stderr, "idle_conns: connect %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
		nanosleep(&pause, NULL); /* backlog full: let the consumer accept */
	}
	printf("open %d\n", open_);
	fflush(stdout);
	while (access(argv[3], F_OK) != 0)
		nanosleep(&pause, NULL);
	return 0;
}
