/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The small maps: settings (epoch, watch flags), watch list, statistics. */
#ifndef IOTPROF_STATE_H
#define IOTPROF_STATE_H

#include <stdio.h>
#include "iotprof_abi.h"

int settings_read(int fd, struct iotprof_config *cfg);
int settings_write(int fd, const struct iotprof_config *cfg);

/* Adds or removes a watched address and keeps the settings' MAC flag true
 * to the watch map's content.  Returns 0 or -errno. */
int watch_add(int watch_fd, int settings_fd, const struct iotprof_watch_key *k);
int watch_del(int watch_fd, int settings_fd, const struct iotprof_watch_key *k);
void watch_print(FILE *out, int watch_fd, const struct iotprof_config *cfg);

/* Sums the per-CPU counters. */
int stats_read(int fd, __u64 out[IOTPROF_STAT__MAX]);
void stats_print(FILE *out, const __u64 s[IOTPROF_STAT__MAX], __u64 live_flows,
		 __u32 flows_capacity);

#endif
