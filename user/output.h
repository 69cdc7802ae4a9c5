/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Flow records for people (a table) and for programs (one JSON object per
 * line).  The JSON names are a contract other tools read:
 *   {"proto","family","src","dst","sport","dport","packets","bytes",
 *    "first_ns","last_ns","epoch","blocked","src_name","dst_name","app"}
 * src is the initiator; packets/bytes are [initiator->responder, reverse].
 */
#ifndef IOTPROF_OUTPUT_H
#define IOTPROF_OUTPUT_H

#include <stdio.h>
#include <json-c/json.h>
#include "flows.h"

/* Name of an IP protocol as the JSON carries it ("tcp", "udp", "icmp",
 * "icmpv6", else the number in decimal). */
const char *proto_name(__u8 proto, char buf[8]);

/* Builds the JSON object of one record.  clock_offset_ns is added to the
 * record's timestamps (monotonic -> Unix time for live maps, 0 offline). */
struct json_object *flow_to_json(const struct flow_entry *e, __s64 clock_offset_ns);

void output_flows_json(FILE *out, const struct flow_table *t, __s64 clock_offset_ns);
void output_flows_table(FILE *out, const struct flow_table *t);

/* Offset from CLOCK_MONOTONIC (bpf_ktime_get_ns) to Unix time, in ns. */
__s64 clock_monotonic_to_unix_offset(void);

#endif
