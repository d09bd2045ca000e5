#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "fuzz_msgs.h"
#include "shm/arena.h"

static int fds[FD_KINDS][2];

void fuzz_fds_init(void)
{
	if (fds[FD_ARENA][0])
		return;
	struct rm_params p;
	rm_params_default(&p);
	p.chunk_size = 4096;
	p.chunk_count = 4;
	p.small_count = 0;
	p.event_max = 4;
	p.pid_max = 4;
	p.slot_max = 4;
	struct rm_arena a;
	FUZZ_CHECK(rm_arena_create(&p, "fuzz-proto-arena", &a) == 0);
	munmap(a.base, a.size); /* nobody maps it: the consumer sees the tree gone */
	fds[FD_ARENA][0] = a.fd;
	fds[FD_UNSEALED][0] = memfd_create("fuzz-unsealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	FUZZ_CHECK(ftruncate(fds[FD_UNSEALED][0], 1 << 16) == 0);
	int pp[2];
	FUZZ_CHECK(pipe2(pp, O_CLOEXEC) == 0);
	fds[FD_PIPE][0] = pp[0];
	fds[FD_GARBAGE][0] = memfd_create("fuzz-garbage", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	char junk[4096];
	memset(junk, 0xa5, sizeof(junk));
	FUZZ_CHECK(write(fds[FD_GARBAGE][0], junk, sizeof(junk)) == sizeof(junk));
	FUZZ_CHECK(fcntl(fds[FD_GARBAGE][0], F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
	fds[FD_TWO][0] = a.fd;
	fds[FD_TWO][1] = pp[0];
}

long fuzz_send(int sock, const struct fuzz_msg *m)
{
	struct iovec iov = { (void *)m->p, m->n };
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int nfd = m->fd_kind == FD_NONE ? 0 : m->fd_kind == FD_TWO ? 2 : 1;
	if (nfd) {
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(nfd * sizeof(int));
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfd * sizeof(int));
		memcpy(CMSG_DATA(cm), fds[m->fd_kind], nfd * sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

int fuzz_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	FUZZ_CHECK(d);
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}
