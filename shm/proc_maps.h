/* Which processes map the arena? Read from /proc/<pid>/maps with raw
 * syscalls (the helper runs no libc). A process that exec'd no longer maps
 * it; a grandchild that never recorded still does. */
#ifndef REMORA_SHM_PROC_MAPS_H
#define REMORA_SHM_PROC_MAPS_H

#include <stdint.h>

struct rm_arena_id {
	uint32_t dev_major, dev_minor;
	uint64_t ino;
};

/* Fills id from the memfd (raw fstat). Returns 0 or -errno. */
int rm_arena_id_of(int fd, struct rm_arena_id *id);

/* 1 when pid maps the arena, 0 when it does not, -1 when unknown
 * (unreadable maps, process gone). */
int rm_maps_has(uint32_t pid, const struct rm_arena_id *id);

/* Same for a /proc/<pid>/maps fd held open (re-read from offset 0): 1
 * when it maps the arena, 0 when not or when it reads empty (the image it
 * was opened on is gone). The helper opens its app's maps before it drops
 * its capabilities, which it needs to open them for a root app. */
int rm_maps_fd_has(int fd, const struct rm_arena_id *id);

/* Scans /proc for processes mapping the arena, skipping the pids in skip;
 * stores at most max of them. Returns how many it stored, or -1 when none
 * was found but the scan could not look everywhere (out of fds): then a
 * process may still map it. */
int rm_scan_mappers(const struct rm_arena_id *id, const uint32_t *skip, int nskip,
		    uint32_t *out, int max);

#endif
