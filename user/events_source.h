/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where packet records come from: the kernel's "events" ring buffer, fed
 * live by the attached programs (events_live.c) or offline by the same XDP
 * program run on a capture through BPF_PROG_TEST_RUN (events_offline.c).
 * Either way a record's device is the index of its address in the list
 * the caller gave.
 */
#ifndef IOTPROF_EVENTS_SOURCE_H
#define IOTPROF_EVENTS_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include "events_record.h"

/* A negative return stops the source with that error. */
typedef int (*ev_packet_fn)(void *ctx, const struct ev_packet *p);

/* A kernel record as a packet record of device index `device`, at ts_ns. */
void ev_packet_from_kernel(const struct iotprof_event *e, __u32 device, __u64 ts_ns,
			   struct ev_packet *p);

/* Runs every frame of the capture through the XDP program with the
 * devices watched for events, and hands each record out after the frame
 * that made it.  Returns 0 or -errno, having said why. */
int ev_offline_pcap(const char *pcap, const struct iotprof_watch_key *devices, size_t n,
		    ev_packet_fn fn, void *ctx);

struct ev_live;

/* Opens the pinned maps of a loaded iotprof, turns packet records on for
 * the devices (watching them if they were not), and reads the ring buffer
 * into fn.  Timestamps are converted to Unix time.  NULL on error, having
 * said why. */
struct ev_live *ev_live_open(const char *pin_dir, const struct iotprof_watch_key *devices,
			     size_t n, ev_packet_fn fn, void *ctx);
/* Waits up to timeout_ms for records.  Returns how many were handed out,
 * or -errno (-EINTR when a signal came). */
int ev_live_poll(struct ev_live *l, int timeout_ms);
/* Unix time now, in ns (the clock the records are converted to). */
__u64 ev_live_now_ns(void);
/* Records the kernel dropped since ev_live_open (ring buffer full). */
__u64 ev_live_lost(struct ev_live *l);
/* Puts the watch entries back as they were, hands out the records still
 * in the ring (fn is called from here too), and says how many records
 * were lost, if any. */
void ev_live_close(struct ev_live *l);

#endif
