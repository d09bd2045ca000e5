/* Shipping a remorad session's traces (ctl/ship/): options from the
 * request, the state file lines, the shipper's start and detached end. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/remorad/remorad_ship.h"
#include "ctl/ship/ship.h"

struct session_ship {
	char urls[1024];
	char subject[160];
	char creds[PATH_MAX];
	struct rm_ship *sh;
};

static struct session_ship *ship_of(struct session *s)
{
	if (!s->ship)
		s->ship = calloc(1, sizeof(*s->ship));
	return s->ship;
}

static int set(struct session_ship *p, const char *key, const char *v, char *err, size_t errlen)
{
	char e[512];
	if (!strcmp(key, "ship")) {
		struct ship_urls u;
		if (ship_urls_parse(v, &u, e, sizeof(e)) < 0 || strlen(v) >= sizeof(p->urls)) {
			snprintf(err, errlen, "bad --ship '%s': %s\n", v, e);
			return -1;
		}
		ship_urls_free(&u);
		snprintf(p->urls, sizeof(p->urls), "%s", v);
	} else if (!strcmp(key, "ship-subject")) {
		if (ship_subject_check(v, e, sizeof(e)) < 0) {
			snprintf(err, errlen, "bad --ship-subject: %s\n", e);
			return -1;
		}
		snprintf(p->subject, sizeof(p->subject), "%s", v);
	} else if (!strcmp(key, "ship-creds")) {
		if (v[0] != '/' || strlen(v) >= sizeof(p->creds)) {
			snprintf(err, errlen, "--ship-creds must be an absolute path\n");
			return -1;
		}
		snprintf(p->creds, sizeof(p->creds), "%s", v);
	} else {
		snprintf(err, errlen, "unknown option '%s' (this remorad knows ship, ship-subject "
				      "and ship-creds)\n", key);
		return -1;
	}
	return 0;
}

int session_ship_from_opts(const char *opts, struct session_ship **out, char *err, size_t errlen)
{
	struct session_ship *p = calloc(1, sizeof(*p));
	*out = NULL;
	if (!p) {
		snprintf(err, errlen, "out of memory\n");
		return -1;
	}
	for (const char *l = opts; l && *l;) {
		size_t n = strcspn(l, "\n");
		char line[PATH_MAX + 64];
		snprintf(line, sizeof(line), "%.*s", (int)n, l);
		l += n + (l[n] == '\n');
		char *eq = strchr(line, '=');
		if (!eq || strncmp(line, "ship", 4))
			continue; /* another feature's option */
		*eq = 0;
		if (set(p, line, eq + 1, err, errlen) < 0) {
			free(p);
			return -1;
		}
	}
	if (!p->urls[0]) {
		bool other = p->subject[0] || p->creds[0];
		free(p);
		if (other) {
			snprintf(err, errlen, "--ship-subject and --ship-creds need --ship URLS\n");
			return -1;
		}
		return 0;
	}
	if (p->creds[0] && access(p->creds, R_OK) != 0) {
		snprintf(err, errlen, "remorad cannot read the --ship-creds file %s: %s\n", p->creds,
			 strerror(errno));
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int session_ship_restore_line(struct session *s, const char *key, const char *value)
{
	if (strcmp(key, "ship") && strcmp(key, "ship-subject") && strcmp(key, "ship-creds"))
		return 0;
	char err[600];
	struct session_ship *p = ship_of(s);
	if (p && set(p, key, value, err, sizeof(err)) < 0)
		fprintf(stderr, "remorad: session %s: %s", s->name, err);
	return 1;
}

int session_ship_start(struct session *s, char *err, size_t errlen)
{
	struct session_ship *p = s->ship;
	if (!p || !p->urls[0] || p->sh)
		return 0;
	const char *slash = strrchr(s->out_dir, '/');
	struct ship_opts o = { .urls = p->urls, .subject = p->subject[0] ? p->subject : NULL,
			       .creds = p->creds[0] ? p->creds : NULL,
			       .session = slash ? slash + 1 : s->out_dir, .root = s->out_dir,
			       .who = "remorad" };
	p->sh = rm_ship_new(&o, err, errlen);
	if (!p->sh)
		return -1;
	rm_sink_set_hook(s->sink, &rm_ship_hook, p->sh);
	if (rm_ship_start(p->sh, err, errlen) < 0) {
		rm_sink_set_hook(s->sink, NULL, NULL);
		rm_ship_finish(p->sh, 0, NULL);
		p->sh = NULL;
		return -1;
	}
	return 0;
}

void session_ship_save(FILE *f, const struct session *s)
{
	const struct session_ship *p = s->ship;
	if (!p || !p->urls[0])
		return;
	fprintf(f, "ship %s %s\n", s->name, p->urls);
	if (p->subject[0])
		fprintf(f, "ship-subject %s %s\n", s->name, p->subject);
	if (p->creds[0])
		fprintf(f, "ship-creds %s %s\n", s->name, p->creds);
}

const char *session_ship_describe(const struct session *s, char *buf, size_t size)
{
	const struct session_ship *p = s->ship;
	if (!p || !p->urls[0])
		snprintf(buf, size, "%s", "");
	else
		snprintf(buf, size, "%s (subject %s)", p->urls,
			 p->subject[0] ? p->subject : SHIP_SUBJECT_DEFAULT);
	return buf;
}

static void *finish(void *arg)
{
	struct ship_stats st;
	if (rm_ship_finish(arg, 30000, &st) < 0)
		fprintf(stderr, "remorad: ship: %llu bytes were not acknowledged by NATS within 30 s "
				"of the session's end; the local trace is complete\n",
			(unsigned long long)st.unacked_bytes);
	return NULL;
}

#define SHUTDOWN_WAIT_MS 5000

static bool shutting_down;

void session_ship_shutdown(void)
{
	shutting_down = true;
}

void session_ship_end(struct session *s)
{
	struct session_ship *p = s->ship;
	s->ship = NULL;
	if (!p)
		return;
	if (shutting_down && p->sh) { /* remorad is leaving: a last chance, bounded */
		struct ship_stats st;
		if (rm_ship_finish(p->sh, SHUTDOWN_WAIT_MS, &st) < 0)
			fprintf(stderr, "remorad: session %s: %llu bytes not shipped at shutdown (they "
					"are in the local trace)\n", s->name,
				(unsigned long long)st.unacked_bytes);
		free(p);
		return;
	}
	pthread_t th;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	if (p->sh && pthread_create(&th, &a, finish, p->sh) != 0)
		rm_ship_finish(p->sh, 0, NULL);
	pthread_attr_destroy(&a);
	free(p);
}
