#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctl/export/out_buf.h"

int out_open(struct out_buf *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	o->buf = malloc(OUT_BUF_SIZE);
	if (!o->buf)
		return -1;
	o->fd = strcmp(path, "-") ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
				  : STDOUT_FILENO;
	if (o->fd < 0) {
		int e = errno;
		free(o->buf);
		o->buf = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

static void write_all(struct out_buf *o, const unsigned char *p, size_t n)
{
	while (n && !o->err) {
		ssize_t r = write(o->fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			o->err = r < 0 ? errno : EIO;
			return;
		}
		p += r;
		n -= (size_t)r;
		o->bytes += (uint64_t)r;
	}
}

void out_flush(struct out_buf *o)
{
	write_all(o, o->buf, o->len);
	o->len = 0;
}

void out_write_slow(struct out_buf *o, const void *p, size_t n)
{
	out_flush(o);
	if (n >= OUT_BUF_SIZE) {
		write_all(o, p, n);
		return;
	}
	memcpy(o->buf, p, n);
	o->len = n;
}

int out_close(struct out_buf *o)
{
	if (!o->buf)
		return 0;
	out_flush(o);
	if (o->fd != STDOUT_FILENO && close(o->fd) < 0 && !o->err)
		o->err = errno;
	free(o->buf);
	o->buf = NULL;
	return o->err;
}

void out_u64(struct out_buf *o, uint64_t v)
{
	char b[24];
	size_t n = sizeof(b);
	do {
		b[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	out_write(o, b + n, sizeof(b) - n);
}

void out_i64(struct out_buf *o, int64_t v)
{
	if (v < 0) {
		out_putc(o, '-');
		out_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		out_u64(o, (uint64_t)v);
	}
}

void out_double(struct out_buf *o, double d, int single)
{
	char b[40];
	for (int prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
		snprintf(b, sizeof(b), "%.*g", prec, d);
		if (single ? strtof(b, NULL) == (float)d : strtod(b, NULL) == d)
			break;
	}
	out_puts(o, b);
}
