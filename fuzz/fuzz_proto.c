/* Harness (b), helper -> consumer: a hostile helper. The consumer core of
 * `remora record` and remorad (ctl/consumer/consumer.c) runs unmodified on a real
 * socket; the harness connects to it like a helper and sends the input's
 * messages (fuzz_msgs.h), each with the fds its kind names, polling the
 * consumer after each, then hangs up. Checks: no crash or sanitizer report,
 * no fd left open by the consumer (a refused or superfluous fd must be
 * closed), and no connection counts as active after the hang-up.
 *
 * The consumer writes one line on stderr per refused message; run libFuzzer
 * with -close_fd_mask=2 to keep them out of the way (scripts/fuzz.sh). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/consumer/consumer.h"
#include "fuzz.h"
#include "fuzz_msgs.h"
#include "helper/proto.h"

static struct rm_consumer *cons;
static struct sockaddr_un addr = { .sun_family = AF_UNIX };

static void finish(void)
{
	if (cons)
		rm_consumer_finish(cons, NULL);
	cons = NULL;
}

/* `remora record`'s consumer (no reaping): reaping costs a synchronize_rcu
 * per connection, ~10 ms; a fresh consumer every RENEW inputs bounds the
 * connections kept instead. */
#define RENEW 256

static void renew(void)
{
	finish();
	struct rm_consumer_opts o = { .socket_path = addr.sun_path, .log_prefix = "fuzz_proto" };
	char err[256];
	cons = rm_consumer_new(&o, err, sizeof(err));
	if (!cons) {
		fprintf(stderr, "fuzz_proto: %s\n", err);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/tmp/remora-fuzz-proto-%d.sock",
		 (int)getpid());
	atexit(finish);
	fuzz_fds_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned runs;
	if (runs++ % RENEW == 0)
		renew();
	int fds0 = fuzz_count_fds();
	size_t size0 = size;
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(s >= 0);
	FUZZ_CHECK(connect(s, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	FUZZ_CHECK(rm_consumer_poll(cons, 0) == 0); /* accepts */
	struct fuzz_msg m;
	while (fuzz_next_msg(&data, &size, &m)) {
		if (fuzz_send(s, &m) < 0)
			break; /* the consumer hung up on us */
		FUZZ_CHECK(rm_consumer_poll(cons, 0) == 0);
	}
	/* Most inputs end with a well-formed GONE: a helper that hangs up
	 * without one makes the consumer scan every process's maps for the
	 * arena (~20 ms under ASan), so only inputs of odd length do that. */
	if (size0 % 2 == 0) {
		static const struct rm_msg_hdr gone = { RM_PROTO_MAGIC, RM_PROTO_VERSION,
							RM_MSG_GONE, sizeof(gone), 0 };
		struct fuzz_msg g = { FD_NONE, (const uint8_t *)&gone, sizeof(gone) };
		if (fuzz_send(s, &g) >= 0)
			FUZZ_CHECK(rm_consumer_poll(cons, 0) == 0);
	}
	close(s);
	for (int i = 0; i < 3; i++)
		FUZZ_CHECK(rm_consumer_poll(cons, 0) == 0);
	/* a helper that hung up without GONE: its tree is over (nobody maps
	 * the arena), so the consumer must have stopped listing it */
	FUZZ_CHECK(rm_consumer_active(cons) == 0);
	FUZZ_CHECK(fuzz_count_fds() == fds0);
	return 0;
}
