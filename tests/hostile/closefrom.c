/* closefrom daemon: a legacy daemon that records, closes every fd it did not
 * open itself, then opens its own file, pipe, Unix socket pair and TCP
 * connection, pushes known bytes through all of them while it keeps
 * recording (and forks a worker that records), and reads every byte back.
 * A tracer that kept an fd and reuses its number writes into the app's file
 * or socket: the read-back sees extra or wrong bytes.
 *
 * Usage: closefrom MODE DIR   MODE: close_range | closefrom | loop | std
 *   std also closes 0-2 and reopens them: 0 = /dev/null, 1 and 2 = DIR/log.
 * Prints the fd numbers it got and what it verified; exit 0 when every byte
 * matched. Events: cf:tick (phase, seq); the program prints how many. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

REMORA_EVENT(cf, tick, (int, phase), (uint32_t, seq), (int, pid));

#define ROUNDS 40
#define CHUNK 997 /* bytes per write: not a power of two, odd offsets */
#define PER_ROUND 250

static unsigned events;

static void burst(int phase, unsigned n)
{
	for (unsigned i = 0; i < n; i++, events++) /* never count inside the arguments */
		remora_trace(cf, tick, phase, events, (int)getpid());
}

static void pattern(unsigned char *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed * 131u + i * 7u + (i >> 8));
}

static void xwrite(int fd, const void *b, size_t n, const char *what)
{
	if (write(fd, b, n) != (ssize_t)n) {
		printf("write %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

/* Reads exactly the expected stream back, then proves nothing more is there. */
static int verify_stream(int fd, const char *what, unsigned seed0)
{
	unsigned char want[CHUNK], got[CHUNK];
	for (unsigned r = 0; r < ROUNDS; r++) {
		pattern(want, CHUNK, seed0 + r);
		size_t have = 0;
		while (have < CHUNK) {
			ssize_t k = read(fd, got + have, CHUNK - have);
			if (k <= 0) {
				printf("%s: short read at round %u\n", what, r);
				return 1;
			}
			have += (size_t)k;
		}
		if (memcmp(want, got, CHUNK)) {
			printf("%s: wrong bytes in round %u\n", what, r);
			return 1;
		}
	}
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	ssize_t extra = read(fd, got, sizeof(got));
	/* nothing more: end of file (0), or an open pipe or socket with no data */
	if (extra > 0 || (extra < 0 && errno != EAGAIN)) {
		printf("%s: %zd unexpected bytes after the stream\n", what, extra);
		return 1;
	}
	printf("%s: %u bytes ok, nothing more\n", what, ROUNDS * CHUNK);
	return 0;
}

static void close_all(const char *mode, const char *dir)
{
	if (!strcmp(mode, "close_range")) {
		close_range(3, ~0U, 0);
	} else if (!strcmp(mode, "closefrom")) {
		closefrom(3);
	} else if (!strcmp(mode, "loop")) {
		long max = sysconf(_SC_OPEN_MAX);
		if (max > 65536) /* the classic loop, bounded so a huge limit stays fast */
			max = 65536;
		for (int fd = 3; fd < max; fd++)
			close(fd);
	} else { /* std: everything, then 0-2 reopened */
		char log[4096];
		snprintf(log, sizeof(log), "%s/log", dir);
		close_range(0, ~0U, 0);
		if (open("/dev/null", O_RDONLY) != 0 || open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644) != 1 ||
		    dup(1) != 2)
			_exit(3);
		setvbuf(stdout, NULL, _IOLBF, 0);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	burst(0, 100);
	close_all(argv[1], argv[2]);
	burst(1, 100); /* right after the close: a tracer fd would be dead now */

	char path[4096];
	snprintf(path, sizeof(path), "%s/data", argv[2]);
	int file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int p[2], sv[2];
	if (file < 0 || pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 1;
	int lsn = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	if (lsn < 0 || bind(lsn, (struct sockaddr *)&a, sizeof(a)) || listen(lsn, 1) ||
	    getsockname(lsn, (struct sockaddr *)&a, &al))
		return 1;
	int cli = socket(AF_INET, SOCK_STREAM, 0);
	if (cli < 0 || connect(cli, (struct sockaddr *)&a, sizeof(a)))
		return 1;
	int srv = accept(lsn, NULL, NULL);
	printf("fds: file=%d pipe=%d,%d unix=%d,%d listen=%d tcp=%d,%d\n", file, p[0], p[1], sv[0],
	       sv[1], lsn, cli, srv);

	unsigned char b[CHUNK];
	for (unsigned r = 0; r < ROUNDS; r++) {
		pattern(b, CHUNK, 1000 + r);
		xwrite(file, b, CHUNK, "file");
		burst(2, PER_ROUND / 5);
		pattern(b, CHUNK, 2000 + r);
		xwrite(p[1], b, CHUNK, "pipe");
		burst(2, PER_ROUND / 5);
		pattern(b, CHUNK, 3000 + r);
		xwrite(sv[0], b, CHUNK, "unix");
		pattern(b, CHUNK, 4000 + r);
		xwrite(sv[1], b, CHUNK, "unix back");
		burst(2, PER_ROUND / 5);
		pattern(b, CHUNK, 5000 + r);
		xwrite(cli, b, CHUNK, "tcp");
		pattern(b, CHUNK, 6000 + r);
		xwrite(srv, b, CHUNK, "tcp back");
		burst(2, PER_ROUND / 5);
		if (r % 10 == 0) { /* a worker that records, so the tracer has a new pid to learn */
			pid_t w = fork();
			if (w == 0) {
				burst(3, 50);
				_exit(0);
			}
			waitpid(w, NULL, 0);
			events += 50;
		}
		struct timespec ts = { 0, 15 * 1000 * 1000 }; /* give the tracer time to act */
		nanosleep(&ts, NULL);
		burst(2, PER_ROUND / 5);
	}

	int bad = 0;
	struct stat st;
	if (fstat(file, &st) || st.st_size != ROUNDS * CHUNK) {
		printf("file: size %lld, expected %d\n", (long long)st.st_size, ROUNDS * CHUNK);
		bad = 1;
	}
	lseek(file, 0, SEEK_SET);
	bad |= verify_stream(file, "file", 1000);
	bad |= verify_stream(p[0], "pipe", 2000);
	bad |= verify_stream(sv[1], "unix", 3000);
	bad |= verify_stream(sv[0], "unix back", 4000);
	bad |= verify_stream(srv, "tcp", 5000);
	bad |= verify_stream(cli, "tcp back", 6000);
	burst(4, 100);
	int next = open("/dev/null", O_RDONLY);
	printf("next fd %d\n", next);
	printf("events %u\n", events);
	return bad;
}
