/* The demo: a few requests, a marker, a forked child that records too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <remora/remora.h>

REMORA_EVENT(hello, request, (uint64_t, id), (uint32_t, len), (const char *, path));
REMORA_EVENT(hello, child, (int, pid), (double, ratio));

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	for (int i = 0; i < n; i++)
		remora_trace(hello, request, (uint64_t)i, (uint32_t)(i * 100), "/index.html");
	remora_printf(hello, note, "requests=%d who=%s", n, "main");
	pid_t pid = fork();
	if (pid == 0) {
		remora_trace(hello, child, (int)getpid(), 0.5);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	printf("hello: %d requests traced\n", n);
	return 0;
}
