/* The stub's constructor: read the environment, create the arena, register
 * the events of every shared object loaded so far, spawn the helper, and
 * leave the app with no fd, no thread and no signal handler of ours. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "shm/clock.h"
#include "shm/env.h"
#include "inject/stub.h"
#include "shm/rsys.h"
#include "shm/size.h"
#include "shm/socket_path.h"
#include "shm/vdso.h"

struct rm_stub rm_stub;

void rm_debug(const char *msg, long value)
{
	if (!rm_stub.debug)
		return;
	char num[24], *p = num + sizeof(num);
	unsigned long v = value < 0 ? (unsigned long)-value : (unsigned long)value;
	*--p = '\n';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10));
	if (value < 0)
		*--p = '-';
	*--p = ' ';
	rsys(SYS_write, 2, msg, strlen(msg));
	rsys(SYS_write, 2, p, num + sizeof(num) - p);
}

static void copy_env(char *dst, size_t size, const char *v)
{
	size_t n = v ? strnlen(v, size - 1) : 0;
	if (n) /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(dst, v, n);
	dst[n] = 0;
}

static void read_params(struct rm_params *p)
{
	rm_params_default(p);
	uint64_t size = rm_parse_size(rm_getenv("REMORA_BUFFER_SIZE"));
	if (size)
		rm_params_set_size(p, size);
	/* catalog entries (tests shrink it to fill it) */
	uint64_t events = rm_parse_size(rm_getenv("REMORA_EVENT_MAX"));
	if (events && events <= 65536)
		p->event_max = (uint32_t)events;
	const char *ow = rm_getenv("REMORA_OVERWRITE");
	if (ow && *ow == '1')
		p->mode = RM_MODE_OVERWRITE;
	const char *clock = rm_getenv("REMORA_CLOCK");
	if (clock && !strcmp(clock, "coarse"))
		p->clock = RM_CLOCK_MONOTONIC_COARSE;
	if (clock && !strcmp(clock, "tsc")) {
		/* a TSC that changes rate or stops in sleep states cannot be
		 * mapped to CLOCK_MONOTONIC: keep the default then */
		if (rm_clock_tsc_invariant())
			p->clock = RM_CLOCK_TSC;
		else
			rm_debug("remora: REMORA_CLOCK=tsc: CPUID says the TSC is not invariant, "
				 "using CLOCK_MONOTONIC; cpuid leaf", 0x80000007);
	}
}

void rm_stub_init(void)
{
	if (rm_stub.state != RM_STUB_UNINIT)
		return;
	rm_stub.state = RM_STUB_DISABLED;
	const char *dbg = rm_getenv("REMORA_DEBUG");
	rm_stub.debug = dbg && *dbg && *dbg != '0';
	const char *off = rm_getenv("REMORA_DISABLE");
	if (off && *off == '1')
		return;
	copy_env(rm_stub.enable_patterns, sizeof(rm_stub.enable_patterns), rm_getenv("REMORA_ENABLE"));
	rm_socket_path(rm_stub.socket_path, sizeof(rm_stub.socket_path));
	/* Events are kept from the first one only when a consumer listens, or
	 * may: with no socket there is no session to want them, and the app
	 * must pay the disabled cost even when its helper never runs (killed,
	 * or valgrind, which runs no seccomp helper) and never says so. */
	rm_stub.socket_seen = rsys(SYS_faccessat, AT_FDCWD, rm_stub.socket_path, F_OK) == 0;

	struct rm_params p;
	read_params(&p);
	rm_vdso_init();
	int err = rm_arena_create(&p, "remora", &rm_stub.arena);
	if (!err)
		err = rm_arena_producer_init(&rm_stub.arena);
	if (err) {
		rm_debug("remora: cannot create the arena, tracing off; errno", -err);
		return;
	}
	/* blocking mode from the first event (remora record --blocking); a
	 * session's consumer sets it when it attaches */
	uint64_t block_ms = rm_parse_size(rm_getenv("REMORA_BLOCKING_MS"));
	if (block_ms && block_ms <= 60000)
		rm_stub.arena.hdr->block_ns = block_ms * 1000000;
	long helper = rm_helper_spawn(&rm_stub.arena, rm_stub.socket_path);
	/* The helper has its own copy of the fd table: the app keeps none. */
	rsys(SYS_close, rm_stub.arena.fd);
	rm_stub.arena.fd = -1;
	if (helper < 0) {
		rm_stub.arena.hdr->helper_state = RM_HELPER_FAILED;
		rm_debug("remora: cannot start the helper, tracing off; errno", helper);
		return;
	}
	rm_stub.state = RM_STUB_ACTIVE;
	rm_registry_attach_all();
}

__attribute__((constructor(101))) static void remora_constructor(void)
{
	rm_stub_init();
}
