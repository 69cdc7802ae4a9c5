/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet sequences (DESIGN.md, job 2, step 1): a device's packets are cut
 * wherever the gap to that device's previous packet exceeds a (strictly).
 * A sequence also ends at EV_SEQ_MAX_PACKETS packets, so that a device that
 * never pauses (a camera streaming) cannot grow one without bound; the rest
 * starts a new sequence.
 *
 * One streaming implementation serves live detection (packets as they
 * come, sequences closed by a clock when the device stays quiet), pcap
 * detection and training from record files (packets in time order).
 */
#ifndef IOTPROF_EVENTS_SEQ_H
#define IOTPROF_EVENTS_SEQ_H

#include <stddef.h>
#include <linux/types.h>
#include "events_record.h"

#define EV_GAP_DEFAULT_NS  1000000000ull	/* a = 1 s */
#define EV_SEQ_MAX_PACKETS 1024

struct ev_seq {
	__u32 device;		/* the index the packets were pushed with */
	__u32 n;		/* packets */
	__u64 start_ns;		/* first packet */
	__u64 end_ns;		/* last packet */
	__s32 *x;		/* features [d·l]; valid during the callback only */
};

/* Called for each closed sequence; a negative return stops the caller. */
typedef int (*ev_seq_fn)(void *ctx, const struct ev_seq *s);

struct ev_seq_open;

struct ev_sequencer {
	__u64 gap_ns;
	ev_seq_fn fn;
	void *ctx;
	struct ev_seq_open *open;	/* indexed by device */
	size_t n_open;
};

void ev_seq_init(struct ev_sequencer *sq, __u64 gap_ns, ev_seq_fn fn, void *ctx);
/* Adds a packet of device (its feature, ev_feature()).  Packets of one
 * device must come in time order; an earlier one counts as a zero gap. */
int ev_seq_push(struct ev_sequencer *sq, __u32 device, __u64 ts_ns, __s32 feature);
/* Closes the sequences whose last packet is more than a before now. */
int ev_seq_idle(struct ev_sequencer *sq, __u64 now_ns);
/* Closes every open sequence, oldest first. */
int ev_seq_flush(struct ev_sequencer *sq);
void ev_seq_free(struct ev_sequencer *sq);

/* The sequences of a set of packet records: sorted by time (stable), cut,
 * flushed.  Device indexes are those of p->devices. */
int ev_seq_cut(const struct ev_packets *p, __u64 gap_ns, ev_seq_fn fn, void *ctx);

#endif
