/* State shared by the stub's files: the process's arena handle and what
 * the environment asked for. Everything here is set by the constructor
 * (or lazily by the first registration) and read-only afterwards.
 *
 * Who calls whom: init.c (the constructor) calls registry.c, spawn.c;
 * registry.c calls enable_env.c and, for a shared object registering
 * before our constructor ran, rm_stub_init() (the one call back, by
 * design: the first registration may come first). spawn.c and
 * enable_env.c get what they need as arguments; fastpath.c only reads
 * rm_stub.arena. */
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
	bool socket_seen;          /* socket_path existed at start: a consumer may come */
};

extern struct rm_stub rm_stub;

/* The id of an event the catalog had no room for. Its `enabled` points at
 * rm_unregistered_on, always 1, so its records reach remora_reserve(),
 * which drops and counts them (lost_catalog): the consumer never knew the
 * event, so it cannot tell whether a session selected it, and every
 * record of it is counted lost rather than none. */
#define RM_ID_UNREGISTERED UINT32_MAX
extern const volatile uint8_t rm_unregistered_on;

/* Idempotent; called by the constructor and by the first registration. */
void rm_stub_init(void);

/* Writes the arena's catalog entries for every registered section and
 * points their events at the enable table. */
void rm_registry_attach_all(void);

/* True when one of patterns (REMORA_ENABLE: comma-separated globs)
 * selects provider:name. Reads no stub state (enable_env.c). */
bool rm_enabled_by_env(const char *patterns, const char *provider, const char *name);

/* Writes a message on stderr with raw write(2), only under REMORA_DEBUG. */
void rm_debug(const char *msg, long value);

/* Spawns the helper process for arena a (its fd still open), which
 * connects to socket_path; returns its pid or -errno. Reads no stub state
 * (spawn.c). */
long rm_helper_spawn(const struct rm_arena *a, const char *socket_path);

#endif
