/* Names: the server list of --ship, the subject prefix, the tokens made of
 * host and session names, and the stream a subject prefix goes to. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ship/ship.h"

/* One element: [nats://|tls://][user[:pass]@]HOST[:PORT]; HOST may be an
 * [IPv6] literal. Stores it with its scheme (nats:// by default). */
static int parse_one(const char *e, size_t n, struct ship_urls *u, char *err, size_t errlen)
{
	char el[512];
	if (n == 0 || n >= sizeof(el)) {
		snprintf(err, errlen, "empty or too long server in the list");
		return -1;
	}
	memcpy(el, e, n);
	el[n] = 0;
	const char *scheme = "nats", *rest = el, *sep = strstr(el, "://");
	if (sep) {
		if ((size_t)(sep - el) == 4 && !strncasecmp(el, "nats", 4))
			scheme = "nats";
		else if ((size_t)(sep - el) == 3 && !strncasecmp(el, "tls", 3))
			scheme = "tls", u->tls = true;
		else {
			snprintf(err, errlen, "'%s': unknown scheme (use nats:// or tls://)", el);
			return -1;
		}
		rest = sep + 3;
	}
	const char *at = strrchr(rest, '@');
	const char *hp = at ? at + 1 : rest;
	const char *port = NULL;
	if (*hp == '[') {
		const char *close = strchr(hp, ']');
		if (!close || close == hp + 1) {
			snprintf(err, errlen, "'%s': bad IPv6 address", el);
			return -1;
		}
		port = close[1] == ':' ? close + 2 : NULL;
		if (close[1] && close[1] != ':') {
			snprintf(err, errlen, "'%s': junk after the address", el);
			return -1;
		}
	} else {
		const char *colon = strchr(hp, ':');
		size_t hl = colon ? (size_t)(colon - hp) : strlen(hp);
		if (hl == 0) {
			snprintf(err, errlen, "'%s': no host", el);
			return -1;
		}
		for (size_t i = 0; i < hl; i++)
			if (!isalnum((unsigned char)hp[i]) && hp[i] != '.' && hp[i] != '-' && hp[i] != '_') {
				snprintf(err, errlen, "'%s': bad character '%c' in the host name", el, hp[i]);
				return -1;
			}
		port = colon ? colon + 1 : NULL;
	}
	if (port) {
		char *end;
		unsigned long p = strtoul(port, &end, 10);
		if (!*port || *end || p == 0 || p > 65535) {
			snprintf(err, errlen, "'%s': bad port '%s' (1 to 65535)", el, port);
			return -1;
		}
	}
	if (u->n == SHIP_URLS_MAX) {
		snprintf(err, errlen, "more than %d servers", SHIP_URLS_MAX);
		return -1;
	}
	if (asprintf(&u->url[u->n], "%s://%s%s", scheme, rest, port ? "" : ":4222") < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	u->n++;
	return 0;
}

int ship_urls_parse(const char *list, struct ship_urls *u, char *err, size_t errlen)
{
	memset(u, 0, sizeof(*u));
	if (!list || !*list) {
		snprintf(err, errlen, "no NATS server given (nats://HOST:PORT[,HOST:PORT...])");
		return -1;
	}
	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");
		if (parse_one(p, n, u, err, errlen) < 0) {
			ship_urls_free(u);
			return -1;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	return 0;
}

void ship_urls_free(struct ship_urls *u)
{
	for (int i = 0; i < u->n; i++)
		free(u->url[i]);
	u->n = 0;
}

int ship_subject_check(const char *subject, char *err, size_t errlen)
{
	size_t tok = 0, len = strlen(subject);
	for (size_t i = 0; i <= len; i++) {
		char ch = subject[i];
		if (ch == '.' || ch == 0) {
			if (tok == 0)
				break;
			tok = 0;
			if (ch == 0)
				return len <= 128 ? 0 : (snprintf(err, errlen, "subject '%.40s...' is "
								"longer than 128 characters", subject), -1);
			continue;
		}
		if (!isalnum((unsigned char)ch) && ch != '_' && ch != '-') {
			snprintf(err, errlen, "bad subject '%s': tokens of letters, digits, '_' and "
					      "'-' separated by '.' (no wildcard)", subject);
			return -1;
		}
		tok++;
	}
	snprintf(err, errlen, "bad subject '%s': an empty token", subject);
	return -1;
}

void ship_token(char *dst, size_t size, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < size; i++)
		dst[i] = isalnum((unsigned char)src[i]) || src[i] == '_' || src[i] == '-' ? src[i] : '_';
	dst[i] = 0;
	if (i == 0 && size > 1)
		snprintf(dst, size, "_");
}

void ship_stream_name(char *dst, size_t size, const char *subject)
{
	size_t i = 0;
	for (; subject[i] && i + 1 < size; i++)
		dst[i] = subject[i] == '.' ? '_' : (char)toupper((unsigned char)subject[i]);
	dst[i] = 0;
}
