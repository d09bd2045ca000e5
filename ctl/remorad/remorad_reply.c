/* remorad's replies: text in rmd_resp packets, `more` set on all but the last. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ctl/remorad/remorad.h"

void reply_init(struct reply *o, int fd)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
}

static void send_packet(struct reply *o, enum rmd_status st, uint32_t more)
{
	o->r.magic = RMD_MAGIC;
	o->r.version = RMD_VERSION;
	o->r.status = (uint16_t)st;
	o->r.more = more;
	o->r.text[o->used] = 0;
	o->r.len = (uint32_t)(RMD_RESP_HDR + o->used + 1);
	if (!o->failed && send(o->fd, &o->r, o->r.len, MSG_NOSIGNAL) != (ssize_t)o->r.len)
		o->failed = true;
	o->used = 0;
}

static void vappend(struct reply *o, const char *fmt, va_list ap)
{
	char line[RMD_TEXT_MAX];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	if (o->used + len + 1 > sizeof(o->r.text))
		send_packet(o, RMD_OK, 1);
	memcpy(o->r.text + o->used, line, len);
	o->used += len;
}

void reply_printf(struct reply *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vappend(o, fmt, ap);
	va_end(ap);
}

void reply_end(struct reply *o, enum rmd_status st)
{
	send_packet(o, st, 0);
}

void reply_error(struct reply *o, const char *fmt, ...)
{
	va_list ap;
	o->used = 0;
	va_start(ap, fmt);
	vappend(o, fmt, ap);
	va_end(ap);
	reply_end(o, RMD_ERR);
}
