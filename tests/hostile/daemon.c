/* daemon(3)-style double fork: the parent forks, the child calls setsid(),
 * forks again and exits; the grandchild closes every fd (0-2 included, all
 * but its readiness pipe), reopens 0-2 on /dev/null, chdirs to / and
 * records 100 events over about a second, then leaves its pid in DIR/gc.pid
 * and a marker in DIR/gc (written last, by rename). Mode "bare": the parent
 * reaps the child and exits at once, as daemon(3) does. Mode "ready": the
 * way forking services signal readiness, the parent also waits until the
 * grandchild says "ready" (after its first event).
 * Usage: daemon bare|ready DIR */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

REMORA_EVENT(dmn, ev, (int, role), (int, k), (int, pid));

static int put(const char *dir, const char *name, const char *text)
{
	char tmp[4096], path[4096];
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd))
		return -1;
	return rename(tmp, path);
}

static void grandchild(const char *dir, int ready, int tell)
{
	/* the pipe moves to a high fd, everything else goes */
	if (dup2(ready, 100) != 100)
		_exit(3);
	close_range(0, 99, 0);
	close_range(101, ~0U, 0);
	if (open("/dev/null", O_RDWR) != 0 || dup(0) != 1 || dup(0) != 2)
		_exit(3);
	umask(022);
	if (chdir("/"))
		_exit(3);
	for (int k = 0; k < 100; k++) {
		remora_trace(dmn, ev, 2, k, (int)getpid());
		if (k == 0 && ((tell && write(100, "ready", 5) != 5) || close(100)))
			_exit(3);
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	char pid[32];
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (put(dir, "gc.pid", pid) || put(dir, "gc", "recorded 100 events\n"))
		_exit(3);
	_exit(0);
}

int main(int argc, char **argv)
{
	if (argc != 3 || argv[2][0] != '/')
		return 2;
	int ready = !strcmp(argv[1], "ready");
	int p[2];
	if (pipe(p))
		return 1;
	remora_trace(dmn, ev, 0, 0, (int)getpid());
	pid_t child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		close(p[0]);
		if (setsid() < 0)
			_exit(1);
		pid_t gc = fork();
		if (gc < 0)
			_exit(1);
		if (gc == 0)
			grandchild(argv[2], p[1], ready);
		remora_trace(dmn, ev, 1, 0, (int)getpid());
		_exit(0);
	}
	close(p[1]);
	int st;
	if (waitpid(child, &st, 0) != child)
		return 1;
	char buf[8] = "";
	ssize_t n = ready ? read(p[0], buf, sizeof(buf) - 1) : 0;
	printf("child exited %d, grandchild says %s\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	       n > 0 ? buf : "nothing");
	fflush(stdout);
	return 0;
}
