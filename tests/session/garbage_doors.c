/* Throws garbage at a consumer's door: the helper socket of remorad or of
 * `remora record` (KIND helper), or remorad's control socket (KIND ctl).
 *
 *   garbage_doors helper|ctl SOCKET
 *
 * Each message goes on a connection of its own (a consumer may hang up on
 * the first bad one): random bytes, truncated and oversized headers, huge
 * lengths, and hellos whose SCM_RIGHTS carry a pipe, /dev/zero, a regular
 * file, a sealed memfd too small for the arena it claims, an unsealed memfd
 * truncated after it was sent, and 200 fds in one message; then valid
 * messages with random bytes flipped, lengths cut, and random fds. One connection
 * stays open and silent throughout: a peer that says nothing must not block
 * anyone. Prints "sent N" and exits 0 when every message was written or
 * refused by the peer (EPIPE, ECONNRESET); the caller then checks that the
 * consumer still serves a real app and holds no more fds than before. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/remorad/daemon_proto.h"
#include "helper/proto.h"

#define MANY_FDS 200

static const char *path;
static unsigned sent;

static void die(const char *what)
{
	fprintf(stderr, "garbage_doors: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int dial(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(path);
	return s;
}

/* One message with nfd fds on a new connection; waits up to 100 ms for
 * the peer's answer or hang-up (a consumer that is busy answering slowly
 * is not an error: the caller checks it still works afterwards). */
static void send_one(const void *p, size_t n, const int *fds, int nfd)
{
	int s = dial();
	struct iovec iov = { (void *)p, n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	size_t cl = nfd ? CMSG_SPACE(nfd * sizeof(int)) : 0;
	char *cbuf = cl ? calloc(1, cl) : NULL;
	if (nfd) {
		mh.msg_control = cbuf;
		mh.msg_controllen = cl;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfd * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfd * sizeof(int));
	}
	if (sendmsg(s, &mh, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET &&
	    errno != EMSGSIZE)
		die("sendmsg");
	free(cbuf);
	struct pollfd pf = { s, POLLIN, 0 };
	if (poll(&pf, 1, 100) == 1) {
		char junk[256];
		(void)!recv(s, junk, sizeof(junk), MSG_DONTWAIT);
	}
	close(s);
	sent++;
}

static void random_bytes(void)
{
	static const size_t lens[] = { 0, 1, 3, 15, 16, 17, 64, 300, 4096, 65536, 200000 };
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t *b = malloc(lens[i] + 1);
		for (size_t j = 0; j < lens[i]; j++)
			b[j] = (uint8_t)rand();
		send_one(b, lens[i], NULL, 0);
		free(b);
	}
}

static int memfd_of(size_t size, int seals)
{
	int fd = memfd_create("garbage", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		die("memfd");
	if (seals && fcntl(fd, F_ADD_SEALS, seals) < 0)
		die("F_ADD_SEALS");
	return fd;
}

/* MUTANTS copies of msg (n bytes) with 1-8 random bytes changed, cut to a
 * random length one time in four, and sent with none, one or two of fds. */
#define MUTANTS 64
static void mutants(const void *msg, size_t n, const int *fds, int nfds)
{
	unsigned char *b = malloc(n);
	for (int i = 0; i < MUTANTS; i++) {
		memcpy(b, msg, n);
		for (int k = rand() % 8; k >= 0; k--)
			b[(size_t)rand() % n] = (unsigned char)rand();
		size_t len = rand() % 4 ? n : (size_t)rand() % n;
		int nfd = rand() % 3;
		int pick[2] = { fds[rand() % nfds], fds[rand() % nfds] };
		send_one(b, len, pick, nfd);
	}
	free(b);
}

/* Hellos: each valid in form, each with the wrong thing attached. */
static void bad_hellos(void)
{
	struct rm_msg_hello h;
	memset(&h, 0, sizeof(h));
	h.h = (struct rm_msg_hdr){ RM_PROTO_MAGIC, RM_PROTO_VERSION, RM_MSG_HELLO, sizeof(h), 0 };
	h.pid = h.helper_pid = (uint32_t)getpid();
	h.ppid = (uint32_t)getppid();
	h.uid = (uint32_t)getuid();
	h.gid = (uint32_t)getgid();
	h.arena_size = 1 << 20;
	strcpy(h.comm, "garbage");
	strcpy(h.exe, "/garbage\"{}\n");

	send_one(&h, sizeof(h), NULL, 0);                /* no fd at all */
	send_one(&h, sizeof(h) / 2, NULL, 0);            /* truncated */
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0)
		die("pipe");
	send_one(&h, sizeof(h), pp, 1);
	int zero = open("/dev/zero", O_RDWR | O_CLOEXEC);
	if (zero < 0)
		die("/dev/zero");
	send_one(&h, sizeof(h), &zero, 1);
	char tmpl[] = "/tmp/remora-garbage-XXXXXX";
	int reg = mkostemp(tmpl, O_CLOEXEC);
	if (reg < 0 || ftruncate(reg, 1 << 20) < 0)
		die("regular file");
	unlink(tmpl);
	send_one(&h, sizeof(h), &reg, 1);
	int small = memfd_of(4096, F_SEAL_SHRINK | F_SEAL_GROW); /* claims 1 MiB */
	send_one(&h, sizeof(h), &small, 1);
	int zeroed = memfd_of(1 << 20, F_SEAL_SHRINK | F_SEAL_GROW); /* right size, no header */
	send_one(&h, sizeof(h), &zeroed, 1);
	int unsealed = memfd_of(1 << 20, 0);
	send_one(&h, sizeof(h), &unsealed, 1);
	if (ftruncate(unsealed, 0) < 0) /* after it was sent: the reader must not SIGBUS */
		die("ftruncate");
	send_one(&h, sizeof(h), &unsealed, 1);
	int many[MANY_FDS];
	for (int i = 0; i < MANY_FDS; i++)
		many[i] = pp[i & 1];
	send_one(&h, sizeof(h), many, MANY_FDS);

	h.h.len = UINT32_MAX; /* a huge length that does not match the packet */
	send_one(&h, sizeof(h), &zeroed, 1);
	struct rm_msg_pids pids = { { RM_PROTO_MAGIC, RM_PROTO_VERSION, RM_MSG_PIDS,
				      sizeof(pids), 0 }, UINT32_MAX, { 0 } };
	send_one(&pids, sizeof(pids), NULL, 0);          /* PIDS before any HELLO */
	struct rm_msg_hdr gone = { RM_PROTO_MAGIC, RM_PROTO_VERSION, RM_MSG_GONE, sizeof(gone), 0 };
	send_one(&gone, sizeof(gone), NULL, 0);
	gone.type = 999;
	send_one(&gone, sizeof(gone), &zero, 1);
	h.h.len = sizeof(h);
	const int kinds[] = { pp[0], pp[1], zero, reg, small, zeroed, unsealed };
	mutants(&h, sizeof(h), kinds, 7);
	close(pp[0]), close(pp[1]), close(zero), close(reg), close(small), close(zeroed);
	close(unsealed);
}

static void bad_requests(void)
{
	static struct rmd_req r;
	const struct rmd_req good = { .magic = RMD_MAGIC, .version = RMD_VERSION, .op = RMD_STATUS,
				       .len = sizeof(r) };

	r = good;
	send_one(&r, sizeof(r) - 1, NULL, 0);            /* truncated */
	send_one(&r, 8, NULL, 0);
	r.len = UINT32_MAX;                              /* huge length */
	send_one(&r, sizeof(r), NULL, 0);
	r = good;
	r.magic = ~r.magic;
	send_one(&r, sizeof(r), NULL, 0);
	r = good;
	r.op = 0xffff;
	send_one(&r, sizeof(r), NULL, 0);
	r = good;                                        /* strings without their NUL */
	r.op = RMD_CREATE;
	memset(r.session, 'a', sizeof(r.session));
	memset(r.arg, '/', sizeof(r.arg));
	send_one(&r, sizeof(r), NULL, 0);
	r = good;                                        /* hostile names */
	r.op = RMD_CREATE;
	strcpy(r.session, "x\"; rm -rf /{}\n");
	strcpy(r.arg, "/tmp/remora-garbage-\"{}\n");
	send_one(&r, sizeof(r), NULL, 0);
	r.op = RMD_ENABLE;
	strcpy(r.session, "");
	strcpy(r.arg, "a\"b:{c}\n");
	send_one(&r, sizeof(r), NULL, 0);
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0)
		die("pipe");
	r = good;                                        /* fds nobody asked for */
	send_one(&r, sizeof(r), pp, 2);
	int many[MANY_FDS];
	for (int i = 0; i < MANY_FDS; i++)
		many[i] = pp[i & 1];
	send_one(&r, sizeof(r), many, MANY_FDS);
	mutants(&good, sizeof(good), pp, 2);
	close(pp[0]), close(pp[1]);
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "helper") && strcmp(argv[1], "ctl"))) {
		fprintf(stderr, "usage: garbage_doors helper|ctl SOCKET\n");
		return 2;
	}
	path = argv[2];
	srand(20);
	int silent = dial(); /* open and silent until the end */
	random_bytes();
	if (!strcmp(argv[1], "helper"))
		bad_hellos();
	else
		bad_requests();
	close(silent);
	printf("sent %u\n", sent);
	return 0;
}
