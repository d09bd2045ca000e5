/* The verbs of the remora command line, one file each (ctl/cli/verb_*.c),
 * dispatched by remora.c. Each takes its own argv (argv[0] is the verb)
 * and returns the exit status. */
#ifndef REMORA_CTL_CLI_VERBS_H
#define REMORA_CTL_CLI_VERBS_H

int rm_cmd_record(int argc, char **argv);
int rm_cmd_view(int argc, char **argv);
int rm_cmd_create(int argc, char **argv);
int rm_cmd_enable_event(int argc, char **argv);
int rm_cmd_disable_event(int argc, char **argv);
int rm_cmd_start(int argc, char **argv);
int rm_cmd_stop(int argc, char **argv);
int rm_cmd_destroy(int argc, char **argv);
int rm_cmd_list(int argc, char **argv);
int rm_cmd_status(int argc, char **argv);

#endif
