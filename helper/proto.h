/* The helper <-> consumer protocol, on a SOCK_SEQPACKET Unix socket (one
 * message per packet, so no framing code on either side).
 *
 *   helper   -> consumer  HELLO  + the arena memfd (SCM_RIGHTS)
 *   consumer -> helper    ACK    the consumer mapped the arena
 *   helper   -> consumer  PIDS   the live processes of the tree, whenever it changes
 *   helper   -> consumer  GONE   every process of the tree exited or exec'd
 *   consumer -> helper    ACK    after GONE: the arena was drained; the helper exits
 *
 * Every message starts with rm_msg_hdr; a receiver checks magic, version,
 * type and that `len` equals the bytes received before using anything. */
#ifndef REMORA_HELPER_PROTO_H
#define REMORA_HELPER_PROTO_H

#include <stdint.h>

#define RM_PROTO_MAGIC 0x31504d52u /* "RMP1" */
#define RM_PROTO_VERSION 1u
#define RM_PIDS_MAX 1000

enum rm_msg_type { RM_MSG_HELLO = 1, RM_MSG_ACK = 2, RM_MSG_PIDS = 3, RM_MSG_GONE = 4 };

struct rm_msg_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t len;    /* whole message, header included */
	uint32_t pad;
};

struct rm_msg_hello {
	struct rm_msg_hdr h;
	uint32_t pid, ppid, uid, gid;
	uint32_t helper_pid;
	int32_t lockdown_err;   /* 0, or -errno of the step below that failed */
	uint32_t lockdown_step;
	uint32_t pad;
	uint64_t arena_size;
	char comm[16];
	char exe[256];
};

struct rm_msg_pids {
	struct rm_msg_hdr h;
	uint32_t n;
	uint32_t pids[RM_PIDS_MAX];
};

struct rm_msg_ack {
	struct rm_msg_hdr h;
};

#endif
