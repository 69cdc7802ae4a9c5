/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Frames of a pcap or pcapng file (libpcap), every one as an Ethernet frame:
 * BSD loopback (DLT_NULL, DLT_LOOP), raw IP (DLT_RAW, DLT_IPV4, DLT_IPV6) and
 * Linux cooked (SLL, SLL2) frames get a synthetic Ethernet header, so the
 * one parser in bpf/ sees what it sees on a live interface.  No protocol
 * above the link header is looked at here.
 */
#ifndef IOTPROF_PCAP_READER_H
#define IOTPROF_PCAP_READER_H

#include <linux/types.h>

struct frame {
	const __u8 *data;	/* starts with an Ethernet header */
	__u32 caplen;		/* bytes present in data */
	__u32 wire_len;		/* length on the wire, synthetic header included */
	__u64 ts_ns;		/* Unix time */
	__u64 number;		/* 1-based, as tshark counts */
};

/* Returns 0 to go on, or a negative errno to stop. */
typedef int (*frame_fn)(void *ctx, const struct frame *f);

/* Calls fn for each frame of a pcap or pcapng file, gzip-compressed or not.  A truncated or corrupt file stops with an error
 * that names the file and the packet number, after the frames before it
 * were handed out.  Returns 0 or -errno (having said why): -EIO for a
 * file that went bad after its start, -EINVAL or -EPROTONOSUPPORT for one
 * that could not be read at all. */
int pcap_for_each_frame(const char *path, frame_fn fn, void *ctx);

#endif
