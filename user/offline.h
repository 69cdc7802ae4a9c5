/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Offline mode: the XDP program itself, loaded without attaching anything,
 * runs on every frame of a capture through BPF_PROG_TEST_RUN.  There is no
 * parser in user space: live and offline results cannot disagree.
 */
#ifndef IOTPROF_OFFLINE_H
#define IOTPROF_OFFLINE_H

#include <stdbool.h>
#include "flows.h"

struct offline_opts {
	__u32 flows;				/* flow table size, 0 = default */
	const struct iotprof_watch_key *watch;	/* NULL: watch everything */
	size_t n_watch;
};

struct offline_run;

/* Loads the programs into a private, unpinned set of maps. */
struct offline_run *offline_open(const struct offline_opts *o);

/* Runs every frame of the capture.  On a bad file, the frames before the
 * bad one are kept and the error is returned. */
int offline_feed_pcap(struct offline_run *r, const char *path);

/* Runs one Ethernet frame; wire_len and ts_ns as a capture would give. */
int offline_feed_frame(struct offline_run *r, const void *data, __u32 caplen,
		       __u32 wire_len, __u64 ts_ns);

/* Map file descriptors of the run, for reading results. */
int offline_flows_fd(const struct offline_run *r);
int offline_stats_fd(const struct offline_run *r);
int offline_settings_fd(const struct offline_run *r);
int offline_prog_fd(const struct offline_run *r);
int offline_name_strings_fd(const struct offline_run *r);
int offline_names_fd(const struct offline_run *r);
/* The XDP action (XDP_PASS, XDP_DROP) of the last frame run. */
__u32 offline_last_verdict(const struct offline_run *r);
int offline_deny_masks_fd(const struct offline_run *r);
int offline_deny_rules_fd(const struct offline_run *r);
int offline_deny_leases_fd(const struct offline_run *r);
/* The watch map and the "events" ring buffer (event fingerprinting: set
 * IOTPROF_WATCH_F_EVENTS on watch entries, consume after each frame). */
int offline_watch_fd(const struct offline_run *r);
int offline_events_fd(const struct offline_run *r);

void offline_close(struct offline_run *r);

#endif
