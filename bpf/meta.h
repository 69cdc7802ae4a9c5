/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the parsers learn about one packet, filled layer by layer. */
#ifndef IOTPROF_BPF_META_H
#define IOTPROF_BPF_META_H

#include "vmlinux.h"

enum frag_kind {
	FRAG_NONE = 0,
	FRAG_FIRST,		/* offset 0, more fragments follow: has the L4 header */
	FRAG_LATER,		/* offset > 0: no L4 header, never parse one */
};

/* What a TCP payload's first bytes say, for the data-plane test
 * (IOTPROF_FLOW_F_DATA): set by app_guess, which reads them anyway. */
enum payload_kind {
	PAYLOAD_OPAQUE = 0,	/* data, or not looked at */
	PAYLOAD_TLS_HANDSHAKE,	/* a TLS handshake or change_cipher_spec record */
	PAYLOAD_HTTP_STATUS,	/* "HTTP/1." : a response's status line */
};

union addr16 {
	__u8  b[16];
	__u32 w[4];
	__u64 q[2];
};

struct pkt_meta {
	union addr16 src;
	union addr16 dst;
	__u8  src_mac[8];	/* 6 bytes used; 8 keeps the watch key copy aligned */
	__u8  dst_mac[8];
	__u32 l3_off;
	__u32 l4_off;
	__u32 payload_off;	/* first byte after the L4 header */
	__u32 l3_end;		/* end of the IP datagram (excludes Ethernet padding) */
	__u32 frag_id;
	__u32 extra_packets;	/* later fragments that came first and count with this one */
	__u64 extra_bytes;
	__u16 sport;
	__u16 dport;
	__u8  family;		/* 4 or 6 */
	__u8  proto;
	__u8  frag;		/* enum frag_kind */
	__u8  tcp_flags;
	__u8  frag_proto;	/* the protocol number that keys the fragment map */
	__u8  payload_kind;	/* enum payload_kind: what the first payload bytes are */
	__u8  pad[6];
};

#endif
