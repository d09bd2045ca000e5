/* The trace directory and the files in it. All files are created 0600
 * whatever the umask, because a trace can hold anything the program saw. */
#ifndef REMORA_CTL_CTF_FILES_H
#define REMORA_CTL_CTF_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Creates `dir` 0700 (and missing parents) or accepts an existing empty
 * writable directory. Returns an O_DIRECTORY fd, or -1 and err. */
int ctf_dir_open(const char *dir, char *err, size_t errlen);

/* Creates a new file `name` in dirfd, 0600, failing if it exists. */
int ctf_file_create(int dirfd, const char *dir, const char *name, char *err, size_t errlen);

/* Replaces `name` with `len` bytes atomically: a hidden temp file (which
 * babeltrace2 ignores), then rename(). On failure the old file is intact. */
int ctf_file_replace(int dirfd, const char *dir, const char *name, const void *buf, size_t len,
		     char *err, size_t errlen);

/* pwritev() until everything is written or an error; *done is the number
 * of bytes that did reach the file. Returns 0 or an errno value. */
int ctf_pwritev_all(int fd, struct iovec *iov, int iovcnt, off_t at, size_t *done);

#endif
