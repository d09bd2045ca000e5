/* The torture's trace read back by babeltrace2, the independent reader:
 * it must accept every file and print exactly the events written. */
#include <inttypes.h>
#include <stdio.h>

#include "torture_common.h"

int torture_babeltrace(const char *bt, const char *dir, uint64_t events, char *err,
		       size_t errlen)
{
	char cmd[16384];
	if (snprintf(cmd, sizeof(cmd), "'%s' '%s' 2>'%s.bt-err' | wc -l", bt, dir, dir) >=
	    (int)sizeof(cmd)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	FILE *f = popen(cmd, "r");
	unsigned long long lines = 0;
	if (!f || fscanf(f, "%llu", &lines) != 1) {
		snprintf(err, errlen, "cannot run %s", bt);
		return -1;
	}
	int st = pclose(f);
	if (snprintf(cmd, sizeof(cmd), "grep -v 'Tracer discarded' '%s.bt-err' | grep -c . ",
		     dir) >= (int)sizeof(cmd)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	f = popen(cmd, "r");
	unsigned long long errs = 0;
	if (!f || fscanf(f, "%llu", &errs) != 1)
		errs = 1;
	if (f)
		pclose(f);
	if (st != 0 || errs) {
		snprintf(err, errlen, "babeltrace2 failed on %s (status %d, %llu lines of errors in "
			 "%s.bt-err)", dir, st, errs, dir);
		return -1;
	}
	if (lines != events) {
		snprintf(err, errlen, "babeltrace2 printed %llu events, the trace holds %llu", lines,
			 (unsigned long long)events);
		return -1;
	}
	return 0;
}
