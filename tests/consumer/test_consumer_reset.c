/* A helper connection that breaks with ECONNRESET (the helper hung up
 * without reading the consumer's ACK, e.g. killed right after its GONE):
 * recvmsg fails, and the consumer must not then parse its control buffer,
 * which holds stack garbage that can look like SCM_RIGHTS and make it
 * close fds of its own (trace files, sockets). The fuzz harness hit this
 * under ASan. The test sprays the stack with fake SCM_RIGHTS messages
 * naming sentinel fds before each poll and checks they stay open; under
 * memcheck any read of the garbage fails the test outright. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/consumer/consumer.h"
#include "helper/proto.h"

#define SENTINELS 8

static int sentinel[SENTINELS];

/* Leaves fake control messages, each naming a sentinel fd, all over the
 * stack below the caller, at every 8-byte phase of a 24-byte cmsg. */
__attribute__((noinline)) static void spray(unsigned phase)
{
	volatile unsigned char area[32768];
	/* a buffer, not a struct ending in cmsghdr: its flexible array
	 * member must come last (clang: -Wgnu-variable-sized-type-not-at-end) */
	union {
		unsigned char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr h;
	} fake;
	memset(&fake, 0, sizeof(fake));
	fake.h.cmsg_len = CMSG_LEN(2 * sizeof(int));
	fake.h.cmsg_level = SOL_SOCKET;
	fake.h.cmsg_type = SCM_RIGHTS;
	int fds[2] = { sentinel[phase % SENTINELS], sentinel[(phase + 1) % SENTINELS] };
	memcpy(CMSG_DATA(&fake.h), fds, sizeof(fds));
	for (size_t off = phase * 8; off + sizeof(fake) <= sizeof(area); off += sizeof(fake))
		memcpy((unsigned char *)area + off, &fake, sizeof(fake));
	__asm__ volatile("" : : "r"(area) : "memory");
}

static void test_reset_closes_nothing(void **state)
{
	(void)state;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/tmp/remora-test-reset-%d.sock",
		 (int)getpid());
	struct rm_consumer_opts o = { .socket_path = addr.sun_path, .log_prefix = "test" };
	char err[256];
	struct rm_consumer *c = rm_consumer_new(&o, err, sizeof(err));
	assert_non_null(c);
	for (int i = 0; i < SENTINELS; i++) {
		sentinel[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(sentinel[i] >= 0);
	}
	static const struct rm_msg_hdr gone = { RM_PROTO_MAGIC, RM_PROTO_VERSION, RM_MSG_GONE,
						sizeof(gone), 0 };
	for (unsigned round = 0; round < 3 * SENTINELS; round++) {
		int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		assert_true(s >= 0);
		assert_int_equal(connect(s, (struct sockaddr *)&addr, sizeof(addr)), 0);
		assert_int_equal(rm_consumer_poll(c, 0), 0); /* accepts */
		assert_int_equal(send(s, &gone, sizeof(gone), 0), (ssize_t)sizeof(gone));
		assert_int_equal(rm_consumer_poll(c, 0), 0); /* reads GONE, sends ACK */
		struct rm_msg_hdr ack;
		assert_int_equal(recv(s, &ack, sizeof(ack), MSG_PEEK | MSG_DONTWAIT),
				 (ssize_t)sizeof(ack)); /* an unread ACK: closing now resets */
		close(s);
		spray(round % 3);
		assert_int_equal(rm_consumer_poll(c, 0), 0); /* recvmsg: ECONNRESET */
		for (int i = 0; i < SENTINELS; i++)
			assert_int_not_equal(fcntl(sentinel[i], F_GETFD), -1);
	}
	for (int i = 0; i < SENTINELS; i++)
		close(sentinel[i]);
	rm_consumer_finish(c, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_closes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
