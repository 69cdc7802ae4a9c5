/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Flow records for people (a table) and for programs (one JSON object per
 * line).  The JSON names are a contract other tools read (docs/JSON.md):
 *   {"v","proto","family","src","dst","sport","dport","packets","bytes",
 *    "first_ns","last_ns","epoch","blocked","src_name","dst_name","app"}
 * src is the initiator; packets/bytes are [initiator->responder, reverse];
 * first_ns/last_ns are decimal strings (a double cannot hold them).
 */
#ifndef IOTPROF_OUTPUT_H
#define IOTPROF_OUTPUT_H

#include <stdio.h>
#include <json-c/json.h>
#include "flows.h"

/* Name of an IP protocol as the JSON carries it ("tcp", "udp", "icmp",
 * "icmpv6", else the number in decimal). */
const char *proto_name(__u8 proto, char buf[8]);

/* Where output finds what a record only refers to. */
struct output_ctx {
	__s64 clock_offset_ns;	/* added to timestamps: monotonic -> Unix time live, 0 offline */
	int name_strings_fd;	/* name id -> text, -1 for none */
};

/* "v" of every JSON object iotprof prints for programs to read. */
#define OUTPUT_JSON_VERSION 1

/* A 64-bit value as a JSON string of decimal digits: JSON tools read numbers
 * as doubles, exact only up to 2^53 (Unix time in ns is above it). */
struct json_object *json_u64_string(__u64 v);

/* Builds the JSON object of one record. */
struct json_object *flow_to_json(const struct flow_entry *e, const struct output_ctx *ctx);

void output_flows_json(FILE *out, const struct flow_table *t, const struct output_ctx *ctx);
void output_flows_table(FILE *out, const struct flow_table *t, const struct output_ctx *ctx);

/* Offset from CLOCK_MONOTONIC (bpf_ktime_get_ns) to Unix time, in ns. */
__s64 clock_monotonic_to_unix_offset(void);

#endif
