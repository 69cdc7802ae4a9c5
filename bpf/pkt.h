/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One way to read packet bytes from both program types.
 *
 * Every parser reads its header by offset through pkt_load(), which copies it
 * to the stack with bpf_xdp_load_bytes()/bpf_skb_load_bytes().  Those helpers
 * read across the non-linear part of a packet (XDP multi-buffer frames, skb
 * fragments), so a header that is not in the linear area is still parsed, and
 * the verifier only ever sees fixed-size stack buffers, never packet ranges.
 */
#ifndef IOTPROF_BPF_PKT_H
#define IOTPROF_BPF_PKT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct pkt {
	void *ctx;
	__u32 len;		/* frame length on the wire */
	bool  xdp;		/* constant in each program after inlining */
};

/* A parser returns one of these (>= 0: the next protocol or an offset). */
#define PARSE_TRUNCATED  (-1)	/* the header is cut short */
#define PARSE_MALFORMED  (-2)	/* impossible field values */

static __always_inline int pkt_load(const struct pkt *p, __u32 off, void *to, __u32 len)
{
	if (p->xdp)
		return bpf_xdp_load_bytes(p->ctx, off, to, len);
	return bpf_skb_load_bytes(p->ctx, off, to, len);
}

#endif
