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

/* What a trace is about: the device's and the triggering host's addresses
 * (a record with no endpoint among them is not part of the trace; n = 0:
 * every record is), and whether control-plane packets make Flow IDs. */
struct trace_hosts {
	struct iotprof_watch_key v[16];
	size_t n;
	/* The Forest paper (section III-B) filters the control plane before
	 * it builds Flow IDs: ARP, ICMP/ICMPv6, DHCP/DHCPv6, TCP segments of
	 * the handshake, TLS handshake records but an SNI ClientHello.  true
	 * keeps them (the experiment file's "control-plane: keep"). */
	bool keep_control;
	/* A client's ports in [client_port_lo, client_port_hi] are a socket's
	 * and become wildcards (the well-known ports file's "ephemeral"
	 * line); 0, 0: none. */
	int client_port_lo, client_port_hi;
};

int trace_hosts_add(struct trace_hosts *h, const char *addr);

/* The Flow IDs of the records in t (all of them: filter epochs first).
 * Non-local addresses become the names the strings map holds for them.
 * Records of the control plane make none (unless h->keep_control), nor
 * do a DNS message's further questions: a DNS Flow ID is its message's
 * first question.  The source is the sender of the first data-plane
 * packet; an HTTP URI with a query becomes its path and "*" (a prefix:
 * queries carry per-request tokens). */
int trace_flowids(const struct flow_table *t, int strings_fd, const struct trace_hosts *h,
		  struct flowid_set *out);

/* Feeds a capture to an offline run as its next trace: the next epoch
 * (*epoch is incremented), then the records of that epoch in t (in the
 * order of their first packets; flows_free it). */
struct offline_run;
int trace_of_pcap(struct offline_run *r, __u32 *epoch, const char *pcap, struct flow_table *t);

/* The Flow IDs of n captures, out[i] for pcaps[i], through the XDP program
 * (BPF_PROG_TEST_RUN).  They run one after another on one set of maps, so
 * a name learnt in one capture names its address in the later ones, as a
 * gateway's resolver cache would.  dns_cache: a hosts file or resolver
 * dump imported first (NULL: none). */
int trace_flowids_of_pcaps(char *const *pcaps, size_t n, const struct trace_hosts *h, const char *dns_cache,
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
