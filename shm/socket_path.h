/* Where the consumer listens for helpers: REMORA_SOCKET, else
 * $XDG_RUNTIME_DIR/remora/remorad.sock, else /tmp/remora-UID/remorad.sock.
 * The stub (where its helper connects) and remorad (where it listens) ask
 * the same function, so they cannot disagree. In a setuid program
 * (shm/env.h) neither variable is read and UID is the effective uid.
 * Stub-safe: getenv and a raw getuid only. */
#ifndef REMORA_SHM_SOCKET_PATH_H
#define REMORA_SHM_SOCKET_PATH_H

#include <stddef.h>

/* Into buf (NUL-terminated, cut at size - 1). */
void rm_socket_path(char *buf, size_t size);

#endif
