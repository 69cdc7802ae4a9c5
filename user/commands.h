/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The subcommands of 'iotprof'.  Each parses its own options and returns the
 * process exit status. */
#ifndef IOTPROF_COMMANDS_H
#define IOTPROF_COMMANDS_H

int cmd_flows(int argc, char **argv, const char *pin_dir);
int cmd_epoch(int argc, char **argv, const char *pin_dir);
int cmd_watch(int argc, char **argv, const char *pin_dir);
int cmd_stats(int argc, char **argv, const char *pin_dir);
int cmd_dns(int argc, char **argv, const char *pin_dir);
int cmd_deny(int argc, char **argv, const char *pin_dir);
int cmd_signature(int argc, char **argv, const char *pin_dir);
int cmd_run(int argc, char **argv, const char *pin_dir);
int cmd_replay(int argc, char **argv, const char *pin_dir);
int cmd_merge(int argc, char **argv, const char *pin_dir);
int cmd_export(int argc, char **argv, const char *pin_dir);
int cmd_events(int argc, char **argv, const char *pin_dir);
int cmd_capture(int argc, char **argv, const char *pin_dir);
int cmd_metrics(int argc, char **argv, const char *pin_dir);

#endif
