/* A write buffer over a file descriptor for the exporters: stdio's
 * fprintf costs more than the whole rest of an event, so numbers are
 * formatted here by hand. Errors are sticky: after the first failed
 * write every call is a no-op and out_close() reports it. */
#ifndef REMORA_CTL_EXPORT_OUT_BUF_H
#define REMORA_CTL_EXPORT_OUT_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define OUT_BUF_SIZE (1u << 20)

struct out_buf {
	int fd;
	int err;             /* errno of the first failed write, else 0 */
	size_t len;
	uint64_t bytes;      /* written to fd so far */
	unsigned char *buf;  /* OUT_BUF_SIZE bytes */
};

/* path "-" is stdout. Returns 0, or -1 with errno set. */
int out_open(struct out_buf *o, const char *path);
void out_flush(struct out_buf *o);
/* Flushes and closes; returns 0 or the errno of the first failure. */
int out_close(struct out_buf *o);

void out_write_slow(struct out_buf *o, const void *p, size_t n);

static inline void out_write(struct out_buf *o, const void *p, size_t n)
{
	if (o->len + n <= OUT_BUF_SIZE) {
		memcpy(o->buf + o->len, p, n);
		o->len += n;
	} else {
		out_write_slow(o, p, n);
	}
}

static inline void out_putc(struct out_buf *o, char c)
{
	if (o->len == OUT_BUF_SIZE)
		out_flush(o);
	o->buf[o->len++] = (unsigned char)c;
}

static inline void out_puts(struct out_buf *o, const char *s)
{
	out_write(o, s, strlen(s));
}

void out_u64(struct out_buf *o, uint64_t v);
void out_i64(struct out_buf *o, int64_t v);
/* The shortest decimal that reads back as the same double (or float). */
void out_double(struct out_buf *o, double d, int single);

#endif
