/* Is the producer thread that owns a chunk still there? The consumer asks
 * only about chunks that have stopped moving, and only answers "dead" when
 * it is certain: the thread is gone, its tid was reused (start time
 * differs), or its process no longer maps the arena (it exec'd). */
#ifndef REMORA_SHM_LIVENESS_H
#define REMORA_SHM_LIVENESS_H

#include <stdint.h>
#include <sys/types.h>

/* 1 alive, 0 dead, -1 unknown (/proc could not be read for another reason
 * than the thread being gone: the caller must keep the chunk). *start_time is filled on first sight (0) and compared
 * afterwards. arena_dev/arena_ino identify the arena's memfd (0: skip the
 * exec check); the exec check is skipped on first sight too (a fork
 * storm's children are mostly seen once alive, then gone), so an exec is
 * seen at the second look. */
int rm_thread_alive(uint32_t pid, uint32_t tid, uint64_t *start_time, dev_t arena_dev,
		    ino_t arena_ino);

/* 1 when /proc/<pid>/maps shows a mapping of (dev, ino), 0 when it does
 * not, -1 when it cannot be read (then the caller must assume alive). */
int rm_proc_maps_inode(uint32_t pid, dev_t dev, ino_t ino);

#endif
