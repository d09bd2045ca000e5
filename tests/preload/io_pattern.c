/* Built without remora: known file, socket and process activity for
 * preload_io.sh. Exits with status 3 through exit(). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	char path[256], buf[16];
	snprintf(path, sizeof(path), "%s/file", argv[1]);
	int fd = openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, 0640);
	if (write(fd, "remora", 6) != 6 || close(fd))
		return 1;
	fd = open(path, O_RDONLY);
	if (read(fd, buf, sizeof(buf)) != 6 || close(fd))
		return 1;

	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/sock", argv[1]);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 1))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(s, (void *)&a, sizeof(a)))
			_exit(1);
		char *const args[] = { "true", NULL };
		execve("/bin/true", args, (char *const[]){ NULL });
		_exit(1);
	}
	struct sockaddr_un peer;
	socklen_t len = sizeof(peer);
	int c = accept(l, (void *)&peer, &len);
	int st;
	if (c < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	exit(3);
}
