/* The remora CLI <-> remorad control protocol, on a SOCK_SEQPACKET Unix
 * socket next to the helper socket (remorad.ctl). One request per
 * connection:
 *
 *   CLI     -> remorad   struct rmd_req  (fixed size)
 *   remorad -> CLI       struct rmd_resp (header + NUL-terminated text),
 *                        repeated while `more` is 1
 *
 * Both sides check magic, version, that `len` equals the bytes received,
 * and that every string is NUL-terminated inside its field before using
 * anything. remorad admits same-uid or root CLI peers only (SO_PEERCRED). */
#ifndef REMORA_CTL_DAEMON_PROTO_H
#define REMORA_CTL_DAEMON_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define RMD_MAGIC 0x31444d52u /* "RMD1" */
#define RMD_VERSION 3u
#define RMD_NAME_MAX 64       /* session names, NUL included */
#define RMD_ARG_MAX 4096      /* an output directory or an event glob */
#define RMD_TEXT_MAX 8192

enum rmd_op {
	RMD_CREATE = 1,  /* session, arg = absolute output dir, flags RMD_F_OVERWRITE,
			  * block_ms (blocking mode, 0: off) */
	RMD_ENABLE,      /* session ("" = current), arg = glob */
	RMD_DISABLE,     /* session, arg = glob, or flags RMD_F_ALL */
	RMD_START,       /* session */
	RMD_STOP,        /* session */
	RMD_DESTROY,     /* session */
	RMD_LIST,        /* traced processes and their events */
	RMD_STATUS,      /* session ("" = every session) */
	/* Lifecycle, filters and context, shipping: each owner fills its
	 * case in sessions_handle; until then remorad answers "unknown
	 * request". Append new ops here, never renumber. */
	RMD_SNAPSHOT,    /* session, arg = output dir ("" = the session's default) */
	RMD_ROTATE,      /* session */
	RMD_CLEAR,       /* session */
	RMD_ADD_CONTEXT, /* session, arg = context type */
	RMD_OP_MAX
};

enum { RMD_F_OVERWRITE = 1u, RMD_F_ALL = 2u };

struct rmd_req {
	uint32_t magic;
	uint16_t version;
	uint16_t op;
	uint32_t len;    /* sizeof(struct rmd_req) */
	uint32_t flags;
	uint32_t block_ms;
	char session[RMD_NAME_MAX];
	char arg[RMD_ARG_MAX];
	/* Options beyond the fixed fields, as "key=value" lines, NUL-terminated
	 * (create: snapshot, buffer-size (snapshot ring bytes), rotate-size, rotate-timer, max-chunks, ship,
	 * ship-subject, ship-creds; enable-event: filter). Unknown keys are
	 * refused by name. */
	char opts[RMD_ARG_MAX];
};

enum rmd_status { RMD_OK = 0, RMD_ERR = 1 };

struct rmd_resp {
	uint32_t magic;
	uint16_t version;
	uint16_t status; /* enum rmd_status; the text says what is wrong and what to do */
	uint32_t len;    /* header + text up to and including its NUL */
	uint32_t more;   /* 1: another rmd_resp follows */
	char text[RMD_TEXT_MAX];
};

#define RMD_RESP_HDR offsetof(struct rmd_resp, text)

/* A session name: 1-63 of [A-Za-z0-9_.-], not starting with '.' or '-'. */
int rmd_name_ok(const char *s);

/* The control socket next to the helper socket (rm_socket_path of
 * shm/socket_path.h): remorad.sock -> remorad.ctl, any other
 * name gets ".ctl" appended. 0, or -1 when it does not fit. */
int rmd_ctl_path(const char *sock, char *buf, size_t size);

#endif
