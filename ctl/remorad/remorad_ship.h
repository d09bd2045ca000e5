/* `remora create NAME --ship URLS`: a session whose traces are also
 * published to NATS JetStream (ctl/ship/). The CLI passes the options as
 * "ship=", "ship-subject=" and "ship-creds=" lines of rmd_req.opts; they
 * are saved with the session and its shipper restarts with remorad. */
#ifndef REMORA_CTL_REMORAD_SHIP_H
#define REMORA_CTL_REMORAD_SHIP_H

#include <stdio.h>

#include "ctl/remorad/remorad.h"

struct session_ship;

/* Reads the ship* lines of opts into *out (NULL when there is no ship=
 * line). -1 with err on a bad value or an unknown ship* key. */
int session_ship_from_opts(const char *opts, struct session_ship **out, char *err, size_t errlen);
/* One saved line ("ship NAME URLS", "ship-subject NAME S", "ship-creds NAME
 * FILE") for session s: 1 when it was one, 0 when not a ship line. */
int session_ship_restore_line(struct session *s, const char *key, const char *value);
/* Hooks the shipper to the session's sink and starts its thread (the
 * network is only tried there). -1 with err. */
int session_ship_start(struct session *s, char *err, size_t errlen);
/* The session's ship lines for the state file. */
void session_ship_save(FILE *f, const struct session *s);
/* "URLS (subject S)" for replies; "" when not shipping. */
const char *session_ship_describe(const struct session *s, char *buf, size_t size);
/* After the sink is destroyed: the shipper sends the rest in a thread of
 * its own (up to 30 s) and frees itself; remorad does not wait. */
void session_ship_end(struct session *s);
/* remorad is stopping: session_ship_end waits (5 s at most) instead. */
void session_ship_shutdown(void);

#endif
