/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The packet-record file: one line per packet of a fingerprinted device,
 * as the kernel's ring buffer gave it (docs/EVENTS.md, "Packet records").
 *
 *   iotprof-packets 1
 *   # time_ns device dir len proto peer peer_port device_port
 *   1700000000123456789 192.168.1.35 out 74 6 203.0.113.5 443 50123
 *
 * Text, not binary: a device sends tens of packets a second, so size and
 * parsing speed do not matter, while a text file is read by people, awk
 * and pandas, diffs in tests, and a bad line can be named by its number.
 */
#ifndef IOTPROF_EVENTS_RECORD_H
#define IOTPROF_EVENTS_RECORD_H

#include <stdio.h>
#include <linux/types.h>
#include "events_strtab.h"
#include "iotprof_abi.h"

#define EV_RECORD_MAGIC   "iotprof-packets"
#define EV_RECORD_VERSION 1

struct ev_packet {
	__u64 ts_ns;		/* Unix time, ns */
	__u32 device;		/* index in ev_packets.devices */
	__u32 len;		/* frame length on the wire */
	__u8  dir;		/* enum iotprof_event_dir */
	__u8  proto;		/* IP protocol */
	__u8  family;		/* of peer: 4, 6, or 0 when unknown */
	__u8  pad;
	__u16 peer_port;
	__u16 device_port;
	__u8  peer[16];
};

struct ev_packets {
	struct ev_packet *v;
	size_t n, cap;
	struct ev_strtab devices;	/* device names (address text) */
};

/* Appends a copy.  Returns 0 or -ENOMEM. */
int ev_packets_add(struct ev_packets *p, const struct ev_packet *pkt);
void ev_packets_free(struct ev_packets *p);

/* Writes the version line. */
int ev_record_write_header(FILE *f);
/* Writes one record line.  Returns 0 or -EIO. */
int ev_record_write(FILE *f, const struct ev_packet *p, const char *device);

/* Appends every record of the file to out (devices interned there).
 * A bad line is an error naming path:line; nothing of the file is kept
 * then.  Returns 0 or -errno (-EINVAL for bad content). */
int ev_record_read(const char *path, struct ev_packets *out);

#endif
