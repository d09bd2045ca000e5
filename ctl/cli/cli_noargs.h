/* The argument check of a verb that takes nothing but --help (list,
 * version): one copy of its getopt loop and its messages. */
#ifndef REMORA_CTL_CLI_NOARGS_H
#define REMORA_CTL_CLI_NOARGS_H

#include <stdio.h>

/* -1 to go on, or the exit status: 0 after --help (usage on stdout), 2
 * after a bad option or an argument (usage on stderr). */
int rm_parse_no_args(int argc, char **argv, const char *verb, void (*usage)(FILE *));

#endif
