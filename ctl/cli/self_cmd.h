/* The name of this program to print in hints (self_cmd.c). */
#ifndef REMORA_CTL_CLI_SELF_CMD_H
#define REMORA_CTL_CLI_SELF_CMD_H

#include <stdbool.h>

/* "remora" when PATH finds this very program under that name, else the
 * absolute path of this program. */
const char *rm_self_command(void);

#endif
