/* `remora enable-event [-s NAME] PATTERN...` and `disable-event`: add or
 * remove "provider:name" globs of a session (the current one by default). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/pattern_hint.h"
#include "ctl/cli/verbs.h"
#include "ctl/filter/filter.h"

static void usage(FILE *f, bool on)
{
	fprintf(f, "usage: remora %s-event [-s NAME] %s%s\n"
		   "  -s, --session NAME  the session (default: the last one created)\n"
		   "  -a, --all           %s\n"
		   "%s"
		   "PATTERN is a provider:name glob (* any run, ? one character), e.g.\n"
		   "'myapp:*' or '*:request'.\n",
		on ? "enable" : "disable", on ? "PATTERN... | -a" : "PATTERN... | -a",
		on ? " [--filter EXPR]" : "",
		on ? "every event (same as '*')" : "remove every event rule",
		on ? "  -f, --filter EXPR   record only the events for which EXPR is true, e.g.\n"
		     "                      'id >= 10 && path == \"/a/*\"' (fields, literals, globs,\n"
		     "                      $ctx.pid/tid/vpid/vtid/procname, == != < <= > >=, && || !,\n"
		     "                      parentheses); enabling a PATTERN again replaces its\n"
		     "                      filter, in a running session within a second\n" : "");
}

/* After enabling: which patterns match no event type a traced process
 * has registered (remorad's `list`), a likely typo. */
static void warn_unmatched(const char *const *patterns, int n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	struct rmd_req q;
	rmd_req_init(&q, RMD_LIST);
	int r = rmd_call_to(&q, false, f);
	fclose(f);
	struct rm_seen seen = { 0 };
	if (r == 0) {
		rm_seen_from_list(&seen, text);
		rm_hint_unmatched("enable-event", patterns, n, &seen, true);
	}
	rm_seen_free(&seen);
	free(text);
}

int rm_event_verb(int argc, char **argv, bool on)
{
	static const struct option opts[] = {
		{ "session", required_argument, 0, 's' }, { "all", no_argument, 0, 'a' },
		{ "help", no_argument, 0, 'h' }, { "filter", required_argument, 0, 'f' },
		{ 0, 0, 0, 0 },
	};
	const char *session = "", *filter = NULL;
	bool all = false;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, on ? "s:ahf:" : "s:ah", opts, NULL)) != -1) {
		switch (ch) {
		case 's': session = optarg; break;
		case 'f':
			if (!on) {
				usage(stderr, on);
				return 2;
			}
			filter = optarg;
			break;
		case 'a': all = true; break;
		case 'h': usage(stdout, on); return 0;
		default: usage(stderr, on); return 2;
		}
	}
	const char *verb = on ? "enable-event" : "disable-event";
	if (*session && !rmd_name_ok(session)) {
		fprintf(stderr, "remora %s: invalid session name '%s'\n", verb, session);
		return 2;
	}
	if (all == (optind < argc)) {
		fprintf(stderr, "remora %s: %s\n", verb,
			all ? "give either -a or patterns, not both" : "no event pattern given");
		usage(stderr, on);
		return 2;
	}
	if (filter) {
		char err[512];
		struct rm_filter_expr *x = rm_filter_parse(filter, err, sizeof(err));
		if (!x) {
			fprintf(stderr, "remora %s: --filter '%s': %s\n", verb, filter, err);
			return 2;
		}
		rm_filter_expr_free(x);
	}
	struct rmd_req q;
	rmd_req_init(&q, on ? RMD_ENABLE : RMD_DISABLE);
	if (filter && (size_t)snprintf(q.opts, sizeof(q.opts), "filter=%s", filter) >= sizeof(q.opts)) {
		fprintf(stderr, "remora %s: filter too long\n", verb);
		return 2;
	}
	if (filter && strchr(filter, '\n')) {
		fprintf(stderr, "remora %s: a filter is one line\n", verb);
		return 2;
	}
	snprintf(q.session, sizeof(q.session), "%s", session);
	if (all) {
		if (on)
			strcpy(q.arg, "*");
		else
			q.flags = RMD_F_ALL;
		return rmd_call(&q, false);
	}
	int st = 0;
	for (int i = optind; i < argc; i++) {
		if (strlen(argv[i]) >= 256) {
			fprintf(stderr, "remora %s: pattern too long (at most 255 characters)\n", verb);
			return 2;
		}
		snprintf(q.arg, sizeof(q.arg), "%s", argv[i]);
		int r = rmd_call(&q, false);
		if (r)
			st = r;
	}
	if (on && st == 0)
		warn_unmatched((const char *const *)argv + optind, argc - optind);
	return st;
}

int rm_cmd_enable_event(int argc, char **argv)
{
	return rm_event_verb(argc, argv, true);
}
