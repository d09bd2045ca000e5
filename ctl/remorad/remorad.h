/* remorad's parts: the session registry and its state file
 * (remorad_registry.c), the requests on it (remorad_session.c), the
 * reports of `list` and `status` (remorad_report.c), the reply stream
 * (remorad_reply.c), and the capability and syscall lockdown
 * (remorad_lockdown.c). */
#ifndef REMORA_CTL_REMORAD_H
#define REMORA_CTL_REMORAD_H

#include <limits.h>
#include <stdio.h>
#include <stdbool.h>
#include <time.h>
#include <urcu.h>
#include <urcu/rculfhash.h>

#include "ctl/consumer/consumer.h"
#include "ctl/remorad/daemon_proto.h"

/* A reply being written: text accumulates and goes out in packets. */
struct reply {
	int fd;
	struct rmd_resp r;
	size_t used;
	bool failed;
};
void reply_init(struct reply *o, int fd);
__attribute__((format(printf, 2, 3))) void reply_printf(struct reply *o, const char *fmt, ...);
/* Sends the last packet with this status. */
void reply_end(struct reply *o, enum rmd_status st);
/* One line, then reply_end(RMD_ERR). */
__attribute__((format(printf, 2, 3))) void reply_error(struct reply *o, const char *fmt, ...);

enum session_state { SESSION_CREATED, SESSION_STARTED, SESSION_STOPPED };

struct session {
	struct cds_lfht_node node; /* keyed by name */
	char name[RMD_NAME_MAX];
	char out_dir[PATH_MAX];
	bool overwrite;
	uint32_t block_ms;         /* blocking mode, 0: off */
	bool snapshot;             /* snapshot mode (remorad_snapshot.c) */
	uint64_t ring_bytes;       /* its ring per process tree, 0: the arena's size */
	enum session_state state;
	time_t created;
	struct rm_sink *sink;
	struct session_ship *ship; /* --ship (remorad_ship.c), NULL: not shipped */
};

struct remorad {
	struct rm_consumer *c;
	struct cds_lfht *sessions;
	char current[RMD_NAME_MAX];
	char sock[108], ctl[108];
	char state_file[PATH_MAX];   /* sessions saved across restarts */
	uid_t uid;
};

void sessions_init(struct remorad *d);
void sessions_handle(struct remorad *d, const struct rmd_req *q, struct reply *o);
/* Stops every session (writes what is buffered), frees them. */
void sessions_shutdown(struct remorad *d);
/* Re-creates the sessions saved by a previous remorad (state file). */
void sessions_restore(struct remorad *d);

/* remorad_registry.c, for the requests (remorad_session.c): a session's
 * state by name as the state file and replies say it, the session of that
 * name (NULL: none), a new
 * session (its sink made, in the table; NULL when out of memory), its
 * blocking mode, and its end (out of the table, its sink destroyed, its
 * stats in st unless NULL). */
extern const char *const session_state_names[];
struct session *session_lookup(struct remorad *d, const char *name);
struct session *session_add(struct remorad *d, const char *name, const char *dir,
			    bool overwrite);
void session_set_blocking(struct session *s, uint32_t ms);
void session_free(struct remorad *d, struct session *s, struct rm_sink_stats *st);

/* Options of `create` beyond the fixed fields (rmd_req.opts). */
struct session_opts {
	bool snapshot;
	uint64_t ring_bytes;
	struct rm_rotation rot;    /* rotate-size, rotate-timer, max-chunks */
};
/* remorad_snapshot.c: takes a create option if it is snapshot mode's (1),
 * 0 when the key is not its, -1 with err for a bad value. */
int snapshot_create_opt(struct session_opts *so, const char *key, const char *val, char *err,
			size_t errlen);
/* 0, or -1 with err when the options contradict each other or q's flags. */
int snapshot_check_opts(const struct session_opts *so, const struct rmd_req *q, char *err,
			size_t errlen);
/* Puts a new (not yet started) session in snapshot mode. */
void snapshot_session_set(struct session *s, uint64_t ring_bytes);
/* RMD_SNAPSHOT for session s: writes its rings, replies. */
void snapshot_take(struct remorad *d, struct session *s, const struct rmd_req *q,
		   struct reply *o);

/* For the files below: the session a request names (or the current one;
 * NULL after an error reply; remorad_session.c), and saving the state
 * (remorad_registry.c). */
struct session *sessions_target(struct remorad *d, const struct rmd_req *q, struct reply *o);
void sessions_save(struct remorad *d);

/* remorad_lifecycle.c: rotation schedules (create's opts, the state file)
 * and the RMD_ROTATE and RMD_CLEAR requests (true when q was one). A
 * create option of the rotation schedule: 1 taken, 0 not its key, -1
 * with err for a bad value (as snapshot_create_opt). */
int rotation_create_opt(struct rm_rotation *r, const char *key, const char *val, char *err,
			size_t errlen);
/* 0, or -1 with err when the schedule is bad or goes with overwrite or
 * snapshot mode (neither writes chunks). */
int rotation_check_opts(const struct session_opts *so, const struct rmd_req *q, char *err,
			size_t errlen);
void rotation_save(FILE *f, const struct session *s);
void rotation_restore(struct session *s, const char *line);
bool lifecycle_handle(struct remorad *d, const struct rmd_req *q, struct reply *o);

void report_list(struct remorad *d, struct reply *o);
/* Starts the shippers of restored sessions (after the lockdown, so their
 * threads run under the filter). */
void sessions_ship_start(struct remorad *d);
void report_status(struct remorad *d, const char *name, struct reply *o);

/* Drops every capability (bounding and ambient sets too), sets
 * no_new_privs and loads the syscall allow-list. 0, or -1 with err. */
int remorad_lockdown(char *err, size_t errlen);

#endif
