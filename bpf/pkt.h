/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One way to read packet bytes from both program types.
 *
 * Every parser reads its header by offset through pkt_load(), which copies it
 * to a fixed-size stack buffer: the parsers never hold packet pointers, so
 * the verifier's work stays small and the same code serves XDP and TC.
 * Headers in the linear area are copied directly (the common case, and the
 * cheap one); a header that is not - XDP multi-buffer frames, skb fragments
 * - is read with bpf_xdp_load_bytes()/bpf_skb_load_bytes(), which walk the
 * fragments.
 */
#ifndef IOTPROF_BPF_PKT_H
#define IOTPROF_BPF_PKT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct pkt {
	void *ctx;
	__u32 len;		/* frame length on the wire */
	__u32 cap_len;		/* bytes actually present (a capture may cut a frame) */
	bool  xdp;		/* constant in each program after inlining */
};

/* A parser returns one of these (>= 0: the next protocol or an offset). */
#define PARSE_TRUNCATED  (-1)	/* the header is cut short */
#define PARSE_MALFORMED  (-2)	/* impossible field values */

/* Offsets beyond this are read by the helpers only; the mask gives the
 * verifier a bound for the direct-access arithmetic. */
#define PKT_DIRECT_MAX 0x3fff

static __always_inline int pkt_load(const struct pkt *p, __u32 off, void *to, __u32 len)
{
	void *data, *data_end;

	if (p->xdp) {
		data = (void *)(long)((struct xdp_md *)p->ctx)->data;
		data_end = (void *)(long)((struct xdp_md *)p->ctx)->data_end;
	} else {
		data = (void *)(long)((struct __sk_buff *)p->ctx)->data;
		data_end = (void *)(long)((struct __sk_buff *)p->ctx)->data_end;
	}
	if (off <= PKT_DIRECT_MAX) {
		data += off & PKT_DIRECT_MAX;
		if (data + len <= data_end) {
			__builtin_memcpy(to, data, len);
			return 0;
		}
	}
	if (p->xdp)
		return bpf_xdp_load_bytes(p->ctx, off, to, len);
	return bpf_skb_load_bytes(p->ctx, off, to, len);
}

#endif
