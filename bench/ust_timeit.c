/* ust_timeit OUT CMD [ARG...]: runs CMD and writes its wall time in ns to
 * OUT. Used by ust_paper.sh inside `remora record` so that the time is the
 * traced program's own, not the recorder's start-up and final drain. It
 * makes no allocation of its own (the malloc wrappers see only CMD's). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[2], argv + 2);
		_exit(127);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%lld\n",
			 (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		return 1;
	close(fd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
