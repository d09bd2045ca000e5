/* What the stub hands to the helper across clone(): everything the helper
 * needs is prepared by the parent, so the child never calls libc. */
#ifndef REMORA_HELPER_MAIN_H
#define REMORA_HELPER_MAIN_H

#include "shm/arena.h"
#include "shm/proc_maps.h"
#include "helper/proto.h"

struct rm_helper_ctx {
	struct rm_arena arena;
	int memfd;
	struct rm_arena_id arena_id;
	char socket_path[108];
	uint32_t euid;  /* the app's effective uid: the only consumer uid trusted
			 * with the arena (SECURITY.md, "Setuid programs") */
	struct rm_msg_hello hello;
};

/* Runs in the clone()d child; never returns. */
__attribute__((noreturn)) void rm_helper_main(struct rm_helper_ctx *c);

#endif
