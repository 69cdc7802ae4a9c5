/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One trace of an experiment: the flow records of one epoch (live) or of
 * one capture (offline), turned into the Flow IDs of DESIGN.md Job 1 step 2
 * before the port rule (both ports as seen), and kept on disk as a raw
 * snapshot: gzip-compressed JSON, one object per flow record.
 */
#ifndef IOTPROF_TRACE_H
#define IOTPROF_TRACE_H

#include <stdbool.h>
#include "flowid.h"
#include "flows.h"

/* The addresses a trace is about: the device's and the triggering host's.
 * A record with no endpoint among them is not part of the trace (n = 0:
 * every record is). */
struct trace_hosts {
	struct iotprof_watch_key v[16];
	size_t n;
};

int trace_hosts_add(struct trace_hosts *h, const char *addr);

/* The Flow IDs of the records in t (all of them: filter epochs first).
 * Non-local addresses become the names the strings map holds for them. */
int trace_flowids(const struct flow_table *t, int strings_fd, const struct trace_hosts *h,
		  struct flowid_set *out);

/* The Flow IDs of a capture, through the XDP program (BPF_PROG_TEST_RUN).
 * dns_cache: a hosts file or resolver dump imported first (NULL: none). */
int trace_flowids_of_pcap(const char *pcap, const struct trace_hosts *h, const char *dns_cache,
			  struct flowid_set *out);

/* What a snapshot says about its trace besides the flows. */
struct trace_meta {
	int node, iteration;	/* experiment number and 1-based iteration */
	__u32 epoch;
	double started;		/* Unix time the iteration began */
	bool success;		/* the verification's verdict */
	double score;		/* SSIM for screenshots, else 1 or 0 */
};

/* Writes the raw snapshot (records with their Flow ID, counters and
 * application data) to path, gzip-compressed, atomically. */
int trace_write(const char *path, const struct trace_meta *m, const struct flow_table *t,
		int strings_fd, const struct trace_hosts *h);

/* Reads a snapshot back: its Flow IDs and meta data. */
int trace_read(const char *path, struct trace_meta *m, struct flowid_set *out);

#endif
