/* A listener of the kind an unprivileged user can set up in a minute (not
 * remora's): binds SOCKET (mode 0777), accepts every connection for
 * SECONDS, reads what each peer sends and counts the fds that arrive with
 * SCM_RIGHTS. Prints "connections C fds F". A setuid program's helper
 * pointed at it must hand it no fd (tests/record/record_setuid.sh). */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int count_fds(int s)
{
	char buf[4096];
	union {
		char c[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} u;
	int fds = 0;
	for (int i = 0; i < 64; i++) {
		struct pollfd p = { s, POLLIN, 0 };
		if (poll(&p, 1, 200) <= 0)
			break;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.c,
				    .msg_controllen = sizeof(u.c) };
		if (recvmsg(s, &m, 0) <= 0)
			break;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
				fds += (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
	}
	return fds;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: fd_listener SOCKET SECONDS\n");
		return 2;
	}
	int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 16) < 0) {
		perror("fd_listener: bind");
		return 1;
	}
	chmod(argv[1], 0777);
	time_t end = time(NULL) + atoi(argv[2]);
	int conns = 0, fds = 0;
	while (time(NULL) < end) {
		struct pollfd p = { l, POLLIN, 0 };
		if (poll(&p, 1, 100) <= 0)
			continue;
		int s = accept(l, NULL, NULL);
		if (s < 0)
			continue;
		conns++;
		fds += count_fds(s);
		close(s);
	}
	printf("connections %d fds %d\n", conns, fds);
	return 0;
}
