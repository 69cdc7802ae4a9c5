/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Attaching iotprof to one interface: XDP through libxdp, TC egress through
 * libbpf, and the record of both in the pinned "ifaces" map. */
#ifndef IOTPROF_ATTACH_H
#define IOTPROF_ATTACH_H

#include <stdbool.h>
#include "iotprof_abi.h"

enum attach_mode_request {
	ATTACH_NATIVE_OR_GENERIC = 0,	/* native, generic as fallback with a warning */
	ATTACH_NATIVE_ONLY,
	ATTACH_GENERIC_ONLY,
};

struct attach_opts {
	const char *pin_dir;
	__u32 flows;
	enum attach_mode_request mode;
};

/* Attaches both programs to ifname (replacing our own earlier attachment).
 * Nothing is left half-attached on failure.  Fills *rec. */
int attach_iface(const char *ifname, const struct attach_opts *o, struct iotprof_iface *rec);

/* Removes our XDP program and TC filter from the interface, and the clsact
 * qdisc when we created it and nobody else's filter is left on it. */
int detach_iface(const struct iotprof_iface *rec);

/* Is our XDP program still on this interface? (for --status) */
bool xdp_ours_attached(int ifindex);

const char *xdp_mode_describe(__u8 mode);

/* The inode of this process's network namespace. */
__u64 current_netns(void);

#endif
