/* Copies of test programs that another uid can run. A test that drops to
 * uid 65534 must not depend on the modes of the checkout's parents: a clone
 * in /root (mode 0700) is out of that uid's reach, and so is the build
 * tree's libremora that the program's RUNPATH names. */
#ifndef REMORA_TESTS_INJECT_STAGE_H
#define REMORA_TESTS_INJECT_STAGE_H

/* Copies `exe` and libremora (LIBREMORA, as libremora.so.0) into a fresh
 * directory under /tmp that everyone can search; the copy finds the library
 * through LD_LIBRARY_PATH=lt_stage_dir(). Returns the copy's path, or NULL
 * (errno set). Staged files are removed at exit. */
const char *lt_stage(const char *exe);
const char *lt_stage_dir(void);

#endif
