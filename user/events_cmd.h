/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The subcommands of `iotprof events` (user/cmd_events.c dispatches).
 * Each parses its own options and returns the process exit status: 0 done,
 * 1 failed, 2 usage error.
 */
#ifndef IOTPROF_EVENTS_CMD_H
#define IOTPROF_EVENTS_CMD_H

#include <signal.h>
#include <stddef.h>
#include "iotprof_abi.h"

#define EV_MAX_DEVICES 64
#define EV_MAX_FILES   256

int ev_cmd_record(int argc, char **argv, const char *pin_dir);
int ev_cmd_train(int argc, char **argv);
int ev_cmd_report(int argc, char **argv);
int ev_cmd_detect(int argc, char **argv, const char *pin_dir);

/* SIGINT and SIGTERM set ev_stop instead of ending the process, so that a
 * live run closes its sequences and puts the watch entries back. */
extern volatile sig_atomic_t ev_stop;
void ev_catch_stop_signals(void);

/* "ADDR[,ADDR...]" of --device onto keys and their printable names. */
int ev_parse_devices(char *list, struct iotprof_watch_key *keys, char names[][48],
		     size_t *n);

/* "--gap 1.5", "--gap 500ms" and friends; says what is wrong. */
int ev_parse_duration_opt(const char *opt, const char *text, __u64 *ns);

#endif
