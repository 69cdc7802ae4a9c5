/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Performing one trigger of an experiment (docs/EXPERIMENT.md): a shell
 * command, adb input steps, or a power cycle.  Every child runs in its own
 * process group with stdin on /dev/null and its output captured (the last
 * line is kept for error messages, the rest goes to pr_debug), and is killed
 * with its whole group at its deadline: nothing here blocks forever.
 *
 * Return convention: 0, or a negative errno with `why` saying what failed:
 * -ENOENT (command or adb not found), -ETIMEDOUT (killed at the deadline),
 * -EINTR (a signal with a handler arrived: the child group was killed so the
 * caller can stop), -EIO (an adb step failed), -EINVAL (nothing to run here).
 */
#ifndef IOTPROF_INTERACT_H
#define IOTPROF_INTERACT_H

#include <stddef.h>
#include "experiment.h"

#define ADB_MISSING_MSG "adb not found in PATH; install the android-sdk-platform-tools package"

/* Runs argv[0] (a path, or a name looked up in PATH) with argv, waiting at
 * most timeout_s seconds (> 0).  out_fd >= 0 receives the child's stdout
 * (stderr is still captured); -1 captures both.  Returns 0 once the child
 * exited, whatever its status: *exit_status (may be NULL) is the exit
 * status, or 128 + signal number; for a non-zero status `why` holds
 * "exit status N: <last line of output>" or "killed by signal N (name)". */
int run_argv(char *const argv[], int out_fd, double timeout_s, int *exit_status,
	     char *why, size_t why_len);

/* `/bin/sh -c cmd` under run_argv's rules; the shell's status 127 ("not
 * found") is returned as -ENOENT with the shell's message in `why`. */
int run_command(const char *cmd, double timeout_s, int *exit_status, char *why, size_t why_len);

/* The adb executable found in PATH, or -ENOENT with ADB_MISSING_MSG. */
int adb_find(char *path, size_t path_len, char *why, size_t why_len);

/* Escapes text for `adb shell input text`: the remote shell sees one
 * single-quoted word, spaces become %s.  -ENOSPC when out is too small. */
int adb_escape_text(const char *text, char *out, size_t out_len);

/* One trigger: command (exit status ignored unless 127, "not found"), adb
 * steps, or power cycle (off, delay, on), all within in->timeout_s.
 * Replay is performed by the campaign engine: -EINVAL here. */
int interaction_run(const struct interaction *in, char *why, size_t why_len);

/* Sleeps seconds, or until a handled signal arrives (-EINTR). */
int interact_sleep(double seconds);

#endif
