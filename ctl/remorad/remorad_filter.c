/* enable-event's options (struct rmd_req.opts, "key=value" lines): the
 * one key it takes is `filter`. The filter is syntax-checked when the rule
 * is added and type-checked against every event of every traced process
 * that the pattern selects now; events that register later are checked
 * when they do (reported on remorad's stderr, not recorded). */
#include <stdio.h>
#include <string.h>

#include "ctl/remorad/remorad.h"
#include "ctl/remorad/remorad_filter.h"

int rmd_enable_opts(const char *opts, char *filter, size_t size, char *err, size_t errlen)
{
	filter[0] = 0;
	for (const char *line = opts; *line;) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		if (n > 7 && !strncmp(line, "filter=", 7)) {
			if (n - 7 >= size) {
				snprintf(err, errlen, "filter too long (at most %zu characters)", size - 1);
				return -1;
			}
			memcpy(filter, line + 7, n - 7);
			filter[n - 7] = 0;
		} else if (n) {
			const char *eq = memchr(line, '=', n);
			snprintf(err, errlen, "unknown option '%.*s' for enable-event (it takes: filter)",
				 (int)(eq ? (size_t)(eq - line) : n), line);
			return -1;
		}
		line += n + (end != NULL);
	}
	return 0;
}
