/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* `iotprof flows --follow --json`: the live flow table as a stream of JSON
 * Lines, one per event (user/follow.h), until SIGINT, SIGTERM or a closed
 * pipe:
 *   {"v":1,"event":"new"|"app"|"end",["reason":...,]<the flow record>}
 * The record is what `iotprof flows --json` prints (docs/JSON.md). */
#ifndef IOTPROF_FLOWS_FOLLOW_H
#define IOTPROF_FLOWS_FOLLOW_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include "follow.h"
#include "output.h"

struct flows_follow_opts {
	const char *pin_dir;
	__u64 interval_ns;	/* between polls */
	__u64 idle_ns;		/* a record this long without a packet has ended; 0: never */
	bool has_epoch;		/* only the records of one epoch */
	__u32 epoch;
};

/* Follows until stopped.  Returns 0 (stopped by a signal or the reader
 * going away) or -errno. */
int flows_follow(FILE *out, const struct flows_follow_opts *o);

/* One event as its JSON object. */
struct json_object *follow_event_json(enum follow_event ev, enum follow_end_reason why,
				      const struct flow_entry *e, const struct output_ctx *ctx);

/* SIGINT and SIGTERM set *flag (and interrupt a sleep); SIGPIPE is
 * ignored, so a reader that goes away is a write error. */
void follow_catch_signals(volatile sig_atomic_t *flag);

/* CLOCK_MONOTONIC in ns: the clock of live records. */
__u64 follow_now_ns(void);

#endif
