/* State shared by the stub's files: the process's arena handle and what
 * the environment asked for. Everything here is set by the constructor
 * (or lazily by the first registration) and read-only afterwards. */
#ifndef REMORA_INJECT_STUB_H
#define REMORA_INJECT_STUB_H

#include <stdbool.h>
#include <stdint.h>

#include "shm/arena.h"

enum rm_stub_state { RM_STUB_UNINIT = 0, RM_STUB_ACTIVE, RM_STUB_DISABLED };

struct rm_stub {
	int state;                 /* enum rm_stub_state */
	struct rm_arena arena;
	char enable_patterns[1024];/* REMORA_ENABLE, comma-separated globs */
	char socket_path[108];     /* REMORA_SOCKET or the per-user default */
	bool debug;                /* REMORA_DEBUG: explain failures on stderr */
};

extern struct rm_stub rm_stub;

/* Idempotent; called by the constructor and by the first registration. */
void rm_stub_init(void);

/* Writes the arena's catalog entries for every registered section and
 * points their events at the enable table. */
void rm_registry_attach_all(void);

/* True when REMORA_ENABLE selects provider:name. */
bool rm_enabled_by_env(const char *provider, const char *name);

/* Writes a message on stderr with raw write(2), only under REMORA_DEBUG. */
void rm_debug(const char *msg, long value);

/* Spawns the helper process; returns its pid or -errno. */
long rm_helper_spawn(void);

#endif
