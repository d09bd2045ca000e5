/* What `remora record` says when it ends: the summary with losses by
 * cause, or why no trace was written (and the empty directories of the
 * run removed), and the --snapshot-on-exit snapshot. */
#ifndef REMORA_CTL_CLI_RECORD_SUMMARY_H
#define REMORA_CTL_CLI_RECORD_SUMMARY_H

#include <stdbool.h>

#include "ctl/consumer/consumer.h"

/* Whether a trace was written: a regular file anywhere under dir. */
bool record_trace_written(const char *dir);

void record_print_summary(const struct rm_consumer_summary *s, const char *outdir,
			  bool interrupted);

/* No success message without a trace: says why nothing was written and
 * removes the empty directories of this run: DIR itself when this run
 * created it, the per-process ones when DIR was empty before (not with
 * --force: those might be the user's). */
void record_no_trace(const struct rm_consumer_summary *s, const char *outdir, bool made_dir,
		     bool force, bool cmd_ran);

/* --snapshot-on-exit: the one snapshot, once every tree is over. */
bool record_snapshot(struct rm_consumer *c, struct rm_snapshot_result *r);

#endif
