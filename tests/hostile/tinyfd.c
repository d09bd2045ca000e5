/* Tiny fd limit: the app is exec'd with RLIMIT_NOFILE 4 (0-2 open, one fd
 * free). It records, then opens files until EMFILE: it must get fd 3 and
 * then EMFILE, exactly as untraced, and keep recording.
 * Usage: tinyfd  (closes fds >= 3, sets the limit and re-execs itself as
 * "tinyfd inner"; the outer image is traced too) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hostile.h"

REMORA_EVENT(tiny, tick, (int, phase), (int, k));

int main(int argc, char **argv)
{
	if (argc == 1) {
		close_range(3, ~0U, 0); /* whatever the caller leaked: 0-2 only */
		struct rlimit rl = { 4, 4 };
		if (setrlimit(RLIMIT_NOFILE, &rl))
			return 1;
		execl("/proc/self/exe", argv[0], "inner", (char *)NULL);
		return 1;
	}
	for (int k = 0; k < 100; k++)
		remora_trace(tiny, tick, 0, k);
	int fds[4], n = 0, e = 0;
	while (n < 4) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0) {
			e = errno;
			break;
		}
		fds[n++] = fd;
	}
	for (int k = 0; k < 100; k++)
		remora_trace(tiny, tick, 1, k);
	printf("opened %d:", n);
	for (int i = 0; i < n; i++)
		printf(" %d", fds[i]);
	printf(", then %s\n", strerror(e));
	close(fds[0]);
	int p[2];
	int pr = pipe(p); /* needs two: fails with one free fd */
	printf("pipe with one free fd: %s\n", pr ? strerror(errno) : "ok");
	for (int k = 0; k < 100; k++)
		remora_trace(tiny, tick, 2, k);
	return 0;
}
