/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TCP, UDP, ICMP and ICMPv6 headers at m->l4_off.  Ports are stored in host
 * order; ICMP has none.  Other protocols are recorded by addresses only.
 * A later IP fragment has no L4 header and never reaches this parser.
 */
#ifndef IOTPROF_BPF_PARSE_L4_H
#define IOTPROF_BPF_PARSE_L4_H

#include "pkt.h"
#include "proto.h"
#include "meta.h"

/* The 20-byte TCP header without bitfields: flags are byte 13. */
#define TCP_HDR_FIN 0x01
#define TCP_HDR_SYN 0x02
#define TCP_HDR_RST 0x04
#define TCP_HDR_PSH 0x08
#define TCP_HDR_ACK 0x10

struct tcp_fixed {
	__be16 source;
	__be16 dest;
	__be32 seq;
	__be32 ack_seq;
	__u8   doff_res;	/* data offset in the high nibble */
	__u8   flags;		/* CWR ECE URG ACK PSH RST SYN FIN */
	__be16 window;
	__be16 check;
	__be16 urg_ptr;
};

struct icmp_fixed {
	__u8 type;
	__u8 code;
	__be16 check;
};

/* The L4 header must lie inside the IP datagram: bytes beyond its end are
 * Ethernet padding or a trailer, not ports. */
static __always_inline bool l4_fits(const struct pkt_meta *m, __u32 len)
{
	return m->l4_off + len <= m->l3_end;
}

static __always_inline int parse_l4(const struct pkt *p, struct pkt_meta *m)
{
	switch (m->proto) {
	case PROTO_TCP: {
		struct tcp_fixed tcp;
		__u32 doff;

		if (pkt_load(p, m->l4_off, &tcp, sizeof(tcp)))
			return PARSE_TRUNCATED;
		if (!l4_fits(m, sizeof(tcp)))
			return PARSE_MALFORMED;
		doff = (tcp.doff_res >> 4) * 4;
		if (doff < sizeof(tcp))
			return PARSE_MALFORMED;
		m->sport = bpf_ntohs(tcp.source);
		m->dport = bpf_ntohs(tcp.dest);
		m->tcp_flags = tcp.flags;
		m->payload_off = m->l4_off + doff;
		return 0;
	}
	case PROTO_UDP: {
		struct udphdr udp;

		if (pkt_load(p, m->l4_off, &udp, sizeof(udp)))
			return PARSE_TRUNCATED;
		if (!l4_fits(m, sizeof(udp)))
			return PARSE_MALFORMED;
		m->sport = bpf_ntohs(udp.source);
		m->dport = bpf_ntohs(udp.dest);
		m->payload_off = m->l4_off + sizeof(udp);
		return 0;
	}
	case PROTO_ICMP:
	case PROTO_ICMPV6: {
		struct icmp_fixed icmp;

		if (pkt_load(p, m->l4_off, &icmp, sizeof(icmp)))
			return PARSE_TRUNCATED;
		if (!l4_fits(m, sizeof(icmp)))
			return PARSE_MALFORMED;
		m->payload_off = m->l4_off + sizeof(icmp);
		return 0;
	}
	default:
		m->payload_off = m->l4_off;
		return 0;
	}
}

#endif
