/* Shared by the remora CLI verbs. */
#ifndef REMORA_CTL_CTL_H
#define REMORA_CTL_CTL_H

#include <stddef.h>
#include <stdint.h>

/* Verbs, one file each (ctl/verb_<name>.c). Weak: a verb not built yet is
 * NULL and reported as unavailable. */
int rm_cmd_record(int argc, char **argv);
__attribute__((weak)) int rm_cmd_view(int argc, char **argv);
__attribute__((weak)) int rm_cmd_create(int argc, char **argv);
__attribute__((weak)) int rm_cmd_enable_event(int argc, char **argv);
__attribute__((weak)) int rm_cmd_disable_event(int argc, char **argv);
__attribute__((weak)) int rm_cmd_start(int argc, char **argv);
__attribute__((weak)) int rm_cmd_stop(int argc, char **argv);
__attribute__((weak)) int rm_cmd_destroy(int argc, char **argv);
__attribute__((weak)) int rm_cmd_list(int argc, char **argv);
__attribute__((weak)) int rm_cmd_status(int argc, char **argv);

/* The directory holding this program (from /proc/self/exe), into dir;
 * 0, or -1 when it cannot be told. */
int rm_self_dir(char *dir, size_t size);

/* Where libremora.so is: $REMORA_LIB, else next to this program (build
 * tree or install prefix). NULL when not found. */
const char *rm_libremora_path(void);

/* Creates DIR (0700) if missing and checks it is a writable directory;
 * stores its absolute path. Prints one line and returns -1 on failure. */
int rm_prepare_outdir(const char *dir, char *abs, size_t size);

#endif
