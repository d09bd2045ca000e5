/* The output directory of `remora record -o DIR` (and `create -o`): created 0700 when
 * missing, refused when it already holds files (unless forced) or when the
 * way to it goes through a symbolic link another user owns (README,
 * SECURITY.md "Trace files"). */
#ifndef REMORA_CTL_CLI_OUTDIR_H
#define REMORA_CTL_CLI_OUTDIR_H

#include <stdbool.h>
#include <stddef.h>

/* Stores DIR's absolute path (no symlink left) in abs. Prints one line
 * saying what is wrong and what to do, and returns -1, on refusal. */
int rm_prepare_outdir(const char *dir, bool force, char *abs, size_t size);

/* The same refusals without creating anything, for `remora create -o`
 * (remorad makes the directory): 0, or -1 after saying why. */
int rm_check_outdir(const char *dir, bool force);

#endif
