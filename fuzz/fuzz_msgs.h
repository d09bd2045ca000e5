/* Shared by the protocol harnesses: an input is a sequence of messages,
 * each [u8 fd kind][u16 length, little-endian][bytes], sent one per
 * SOCK_SEQPACKET packet with the file descriptors the kind names attached
 * (SCM_RIGHTS). A length past the end of the input is cut to what is
 * there. */
#ifndef REMORA_FUZZ_MSGS_H
#define REMORA_FUZZ_MSGS_H

#include <stddef.h>
#include <stdint.h>

enum fuzz_fd_kind {
	FD_NONE,
	FD_ARENA,      /* a valid sealed arena */
	FD_UNSEALED,   /* a memfd without seals */
	FD_PIPE,       /* not a memfd at all */
	FD_GARBAGE,    /* a sealed memfd whose header is garbage */
	FD_TWO,        /* the arena and a pipe in one SCM_RIGHTS */
	FD_KINDS
};

struct fuzz_msg {
	unsigned fd_kind;
	const uint8_t *p;
	size_t n;
};

/* Next message from *data; 0 at the end. */
static inline int fuzz_next_msg(const uint8_t **data, size_t *size, struct fuzz_msg *m)
{
	if (*size < 3)
		return 0;
	m->fd_kind = (*data)[0] % FD_KINDS;
	size_t n = (size_t)(*data)[1] | (size_t)(*data)[2] << 8;
	*data += 3, *size -= 3;
	if (n > *size)
		n = *size;
	m->p = *data;
	m->n = n;
	*data += n, *size -= n;
	return 1;
}

/* Creates the fds once (fuzz_msgs.c); sends one message on sock. Returns
 * sendmsg's result. */
void fuzz_fds_init(void);
long fuzz_send(int sock, const struct fuzz_msg *m);
/* Open file descriptors of this process (to catch leaks). */
int fuzz_count_fds(void);

#endif
