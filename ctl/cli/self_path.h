/* Where the CLI finds the programs and libraries it runs (self_path.c). */
#ifndef REMORA_CTL_CLI_SELF_PATH_H
#define REMORA_CTL_CLI_SELF_PATH_H

#include <stddef.h>

/* The directory holding this program (from /proc/self/exe), into dir;
 * 0, or -1 when it cannot be told. */
int rm_self_dir(char *dir, size_t size);

/* Where libremora.so is: $REMORA_LIB, else next to this program (build
 * tree or install prefix). NULL when not found. */
const char *rm_libremora_path(void);

#endif
