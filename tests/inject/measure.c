/* Measurements for docs/PERFORMANCE.md ("Stub and helper"); not a test.
 *   inj_measure ctor LIB     ns spent in dlopen(LIB): loading plus the stub's
 *                            constructor (arena + helper spawn); run with
 *                            REMORA_DISABLE=1 for the loading cost alone.
 *   inj_measure ready LIB    ns from before dlopen(LIB) until the helper's
 *                            HELLO reaches a consumer socket (lockdown and
 *                            connect included). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	if (!strcmp(argv[1], "ctor")) {
		long long t0 = ns();
		void *h = dlopen(argv[2], RTLD_NOW);
		long long t1 = ns();
		if (!h)
			return 1;
		printf("%lld\n", t1 - t0);
		return 0;
	}
	char sock[64];
	snprintf(sock, sizeof(sock), "/tmp/remora-measure-%d.sock", (int)getpid());
	unlink(sock);
	int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, sock);
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1))
		return 1;
	setenv("REMORA_SOCKET", sock, 1);
	long long t0 = ns();
	if (!dlopen(argv[2], RTLD_NOW))
		return 1;
	int c = accept(l, NULL, NULL);
	char buf[4096];
	struct pollfd pf = { c, POLLIN, 0 };
	if (c < 0 || poll(&pf, 1, 2000) != 1 || recv(c, buf, sizeof(buf), 0) <= 0)
		return 1;
	printf("%lld\n", ns() - t0);
	unlink(sock);
	return 0;
}
