/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reading the flow table out of its map, as one sorted array. */
#ifndef IOTPROF_FLOWS_H
#define IOTPROF_FLOWS_H

#include <stddef.h>
#include "iotprof_abi.h"

struct flow_entry {
	struct iotprof_flow_key key;
	struct iotprof_flow val;
};

struct flow_table {
	struct flow_entry *v;
	size_t n, cap;
};

/* Reads every record of the map (batch operations when the kernel has
 * them).  Returns 0 or -errno. */
int flows_read_map(int map_fd, struct flow_table *t);

/* Keeps only the records of one epoch. */
void flows_keep_epoch(struct flow_table *t, __u32 epoch);

/* Orders by first packet time, then by key: stable output. */
void flows_sort(struct flow_table *t);

void flows_free(struct flow_table *t);

#endif
