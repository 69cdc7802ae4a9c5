/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The small maps: settings (epoch, watch flags), watch list, statistics. */
#ifndef IOTPROF_STATE_H
#define IOTPROF_STATE_H

#include <stdio.h>
#include <json-c/json.h>
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
/* The same as one JSON object: {"v":1,"counters":{NAME:N,...},
 * "flows_live","flows_capacity","flows_evicted"}. */
struct json_object *stats_json(const __u64 s[IOTPROF_STAT__MAX], __u64 live_flows,
			       __u32 flows_capacity);
/* Flows created that are not live any more: the LRU map evicts silently. */
__u64 stats_flows_evicted(const __u64 s[IOTPROF_STAT__MAX], __u64 live_flows);

#endif
