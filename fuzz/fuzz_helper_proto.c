/* Harness (b), consumer -> helper: a hostile consumer. The helper's own
 * reader (helper_read_consumer in helper/helper_link.c, from the
 * remora_helper library) is fed the input's messages (fuzz_msgs.h) on a
 * socketpair, fds attached. Checks: no crash or sanitizer report; it
 * says ACK exactly for a whole, well-formed ACK; fds a consumer pushes at
 * the helper never stay open in it (it passes no control buffer). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helper/helper_int.h"
#include "helper/proto.h"

#include "fuzz.h"
#include "fuzz_msgs.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_fds_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rm_arena_hdr hdr;
	static struct rm_arena arena = { .hdr = &hdr };
	static struct rm_helper_ctx ctx;
	int fds0 = fuzz_count_fds();
	int sv[2];
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	struct helper h = { .c = &ctx, .a = &arena, .sock = sv[0], .app_maps = -1 };
	struct fuzz_msg m;
	while (fuzz_next_msg(&data, &size, &m)) {
		if (fuzz_send(sv[1], &m) < 0)
			break;
		struct rm_msg_ack ref;
		memset(&ref, 0, sizeof(ref));
		memcpy(&ref, m.p, m.n < sizeof(ref) ? m.n : sizeof(ref));
		bool want = m.n >= sizeof(ref) && ref.h.magic == RM_PROTO_MAGIC &&
			    ref.h.type == RM_MSG_ACK;
		/* a zero-length packet reads as end of stream: the helper hangs up */
		int got = helper_read_consumer(&h);
		FUZZ_CHECK(got == 0 || got == 1);
		FUZZ_CHECK(got == want);
		if (m.n == 0) {
			FUZZ_CHECK(h.sock == -1);
			break;
		}
		FUZZ_CHECK(h.sock == sv[0]);
	}
	if (h.sock >= 0)
		close(h.sock);
	close(sv[1]);
	FUZZ_CHECK(fuzz_count_fds() == fds0);
	return 0;
}
