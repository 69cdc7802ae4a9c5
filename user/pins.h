/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The pin directory on bpffs where the loader leaves iotprof's maps. */
#ifndef IOTPROF_PINS_H
#define IOTPROF_PINS_H

#include <stdbool.h>

/* Makes sure dir's parent is a bpffs (mounting one at /sys/fs/bpf when that
 * is where it belongs and none is mounted) and creates dir.  Also points
 * libxdp at the same bpffs.  Returns 0 or -errno, having said why. */
int pins_prepare(const char *dir);

/* Opens the pinned map <dir>/<name>.  Returns an fd or -errno; with
 * `explain`, says that iotprof-load has to run first. */
int pins_open_map(const char *dir, const char *name, bool explain);

/* True when <dir>/<name> exists. */
bool pins_exist(const char *dir, const char *name);

/* Unpins every map of ours in dir and removes dir. */
int pins_remove_all(const char *dir);

#endif
