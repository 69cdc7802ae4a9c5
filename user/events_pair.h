/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Pairing (DESIGN.md, job 2, step 2): a sequence takes the event of the
 * trigger nearest to its first packet when that is within b (before or
 * after: the log's clock and the capture's are not the same clock); a
 * trigger naming a device pairs only with that device's sequences.  Every
 * sequence within b of a trigger is labelled, as the paper says, so an
 * event that pauses longer than a gives several samples.  Unpaired
 * sequences are EV_LABEL_OTHER (heartbeats, logs).
 */
#ifndef IOTPROF_EVENTS_PAIR_H
#define IOTPROF_EVENTS_PAIR_H

#include <stdbool.h>
#include "events_dataset.h"
#include "events_record.h"
#include "events_trigger.h"

#define EV_PAIR_DEFAULT_NS 2000000000ull	/* b = 2 s */

/* The index of the trigger that a sequence of device, first packet at
 * start_ns, pairs with, or -1.  any_device[i] makes trigger i apply to
 * every device (NULL: none does). */
long ev_pair_find(const struct ev_triggers *t, const bool *any_device, const char *device,
		  __u64 start_ns, __u64 window_ns);

struct ev_pair_stats {
	size_t sequences;
	size_t paired;
	size_t triggers_unpaired;	/* triggers no sequence came near */
};

/* Cuts the packets into sequences (gap a) and adds each to ds with its
 * label.  A trigger whose device names no recorded device applies to
 * every device, with a warning (a simhome device name against recorded
 * addresses, say).  Returns 0 or -errno. */
int ev_pair_records(const struct ev_packets *p, const struct ev_triggers *t, __u64 gap_ns,
		    __u64 pair_ns, struct ev_dataset *ds, struct ev_pair_stats *st);

#endif
