/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Following the flow table as it changes: each poll's records are compared
 * with the previous poll's, and what changed is reported as an event.
 *   new   a record appeared (or a new epoch restarted it)
 *   app   its application data changed (a DNS answer came, an HTTP
 *         request's Host was read, ...)
 *   end   it ended: TCP FIN both ways or RST and quiet for one poll, no
 *         packet for the idle time, evicted from the map, or its epoch over
 * `iotprof flows --follow` prints them as JSON Lines; the IPFIX exporter
 * sends a record at each end.  Nothing here reads the kernel: the caller
 * hands in each poll's table, so a test can play any sequence.
 */
#ifndef IOTPROF_FOLLOW_H
#define IOTPROF_FOLLOW_H

#include "flows.h"

enum follow_event {
	FOLLOW_NEW,
	FOLLOW_APP,
	FOLLOW_END,
};

enum follow_end_reason {
	FOLLOW_END_NONE = 0,
	FOLLOW_END_FIN,		/* FIN both ways (or RST), then a quiet poll */
	FOLLOW_END_IDLE,	/* no packet for the idle time */
	FOLLOW_END_EVICTED,	/* gone from the map (LRU, or the maps were reset) */
	FOLLOW_END_EPOCH,	/* a new epoch restarted the record */
	FOLLOW_END_EXIT,	/* still live when following stopped (follow_finish) */
};

/* e is the record as it is now (for an end: as it was last seen).  A
 * record that ended and then got packets again (an idle connection that
 * woke up) is new again; `reported` then holds its counters at that earlier
 * end, so that an exporter sends what is new (NULL otherwise). */
typedef int (*follow_fn)(void *ctx, enum follow_event ev, enum follow_end_reason why,
			 const struct flow_entry *e, const struct iotprof_flow *reported);

struct follow;

/* idle_ns: a record without a packet for this long has ended; 0: never. */
struct follow *follow_new(__u64 idle_ns);
void follow_free(struct follow *f);

/* One poll: t holds every record of the map now (reordered here); now_ns
 * is on the records' clock (CLOCK_MONOTONIC live).  Events come in key
 * order, ends of vanished records last.  Returns 0, or the first non-zero
 * value fn returned (the state is then as after the event it refused). */
int follow_update(struct follow *f, struct flow_table *t, __u64 now_ns, follow_fn fn, void *ctx);

/* Ends every record not ended yet (FOLLOW_END_EXIT). */
int follow_finish(struct follow *f, follow_fn fn, void *ctx);

const char *follow_event_name(enum follow_event ev);
const char *follow_end_reason_name(enum follow_end_reason why);

#endif
