/* The private socket directory of `remora record`: /tmp/remora-rec-PID-XXXXXX
 * (mode 0700, from mkdtemp). The pid in its name lets a later run tell a
 * directory left behind by a killed record (SIGKILL runs no clean-up) from
 * one in use, and remove it. */
#ifndef REMORA_CTL_CLI_REC_SOCKDIR_H
#define REMORA_CTL_CLI_REC_SOCKDIR_H

#include <stddef.h>

#define RM_REC_SOCKDIR_MAX 64

/* Removes this uid's stale directories, then creates ours in buf. 0, or -1
 * with errno set (mkdtemp's). */
int rm_rec_sockdir_make(char *buf, size_t size);

/* Removes the socket and the directory. */
void rm_rec_sockdir_remove(const char *dir);

#endif
