/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv4 (options skipped by IHL) and IPv6 (hop-by-hop, routing, fragment,
 * destination-options and AH headers, at most IOTPROF_IPV6_EXT_MAX_CHAIN).
 * Sets family, addresses, the L4 protocol and offset, and the fragment kind.
 * Returns the L4 protocol number, or PARSE_*.
 */
#ifndef IOTPROF_BPF_PARSE_IP_H
#define IOTPROF_BPF_PARSE_IP_H

#include "pkt.h"
#include "proto.h"
#include "meta.h"
#include "iotprof_abi.h"

static __always_inline int parse_ipv4(const struct pkt *p, struct pkt_meta *m)
{
	struct iphdr ip;
	__u32 ihl, tot_len;
	__u16 frag_off;

	if (pkt_load(p, m->l3_off, &ip, sizeof(ip)))
		return PARSE_TRUNCATED;
	ihl = ip.ihl * 4;
	tot_len = bpf_ntohs(ip.tot_len);
	/* Total length 0: a TSO/GSO packet handed to TC before segmentation;
	 * the frame's own length bounds it. */
	if (tot_len == 0)
		tot_len = p->len > m->l3_off ? p->len - m->l3_off : 0;
	if (ip.version != 4 || ihl < sizeof(ip) || tot_len < ihl)
		return PARSE_MALFORMED;
	if (ihl > sizeof(ip)) {		/* the options must be there too */
		__u8 last;

		if (pkt_load(p, m->l3_off + ihl - 1, &last, 1))
			return PARSE_TRUNCATED;
	}

	m->family = 4;
	m->src.w[0] = ip.saddr;
	m->dst.w[0] = ip.daddr;
	m->proto = ip.protocol;
	m->frag_proto = ip.protocol;
	m->l4_off = m->l3_off + ihl;
	m->l3_end = m->l3_off + tot_len;
	m->frag_id = bpf_ntohs(ip.id);

	frag_off = bpf_ntohs(ip.frag_off);
	if (frag_off & IP_OFFSET)
		m->frag = FRAG_LATER;
	else if (frag_off & IP_MF)
		m->frag = FRAG_FIRST;
	return m->proto;
}

struct ipv6_ext {
	__u8 nexthdr;
	__u8 hdrlen;
	__be16 frag_off;	/* fragment header only */
	__be32 frag_id;		/* fragment header only */
};

static __always_inline int parse_ipv6(const struct pkt *p, struct pkt_meta *m)
{
	struct ipv6hdr ip6;
	struct ipv6_ext ext;
	__u32 off = m->l3_off + sizeof(ip6);
	__u8 nexthdr;

	if (pkt_load(p, m->l3_off, &ip6, sizeof(ip6)))
		return PARSE_TRUNCATED;
	if (ip6.version != 6)
		return PARSE_MALFORMED;

	m->family = 6;
	__builtin_memcpy(m->src.b, &ip6.saddr, 16);
	__builtin_memcpy(m->dst.b, &ip6.daddr, 16);
	m->l3_end = off + bpf_ntohs(ip6.payload_len);
	/* Payload length 0: a jumbogram or a GSO packet; the frame bounds it. */
	if (ip6.payload_len == 0)
		m->l3_end = p->len;
	nexthdr = ip6.nexthdr;

#pragma unroll
	for (int i = 0; i < IOTPROF_IPV6_EXT_MAX_CHAIN; i++) {
		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_ROUTING:
		case NEXTHDR_DEST:
			if (pkt_load(p, off, &ext, 2))
				return PARSE_TRUNCATED;
			nexthdr = ext.nexthdr;
			off += (ext.hdrlen + 1) * 8;
			break;
		case NEXTHDR_AUTH:
			if (pkt_load(p, off, &ext, 2))
				return PARSE_TRUNCATED;
			nexthdr = ext.nexthdr;
			off += (ext.hdrlen + 2) * 4;
			break;
		case NEXTHDR_FRAGMENT: {
			__u16 fo;

			if (pkt_load(p, off, &ext, sizeof(ext)))
				return PARSE_TRUNCATED;
			nexthdr = ext.nexthdr;
			m->frag_proto = ext.nexthdr;
			off += sizeof(ext);
			fo = bpf_ntohs(ext.frag_off);
			m->frag_id = bpf_ntohl(ext.frag_id);
			/* An atomic fragment (offset 0, M clear) is a whole datagram. */
			if (fo & 0xFFF8) {
				m->frag = FRAG_LATER;
				goto done;
			}
			if (fo & 1)
				m->frag = FRAG_FIRST;
			break;
		}
		default:
			goto done;
		}
		if (off > m->l3_end)	/* the header reaches past the datagram */
			return PARSE_MALFORMED;
		/* Through map memory: every path into the next step looks the
		 * same to the verifier (see handle_packet()). */
		m->l4_off = off;
		m->proto = nexthdr;
		off = *(volatile __u32 *)&m->l4_off;
		nexthdr = *(volatile __u8 *)&m->proto;
	}
	/* Still an extension header after the bound: refuse to guess. */
	if (nexthdr == NEXTHDR_HOP || nexthdr == NEXTHDR_ROUTING ||
	    nexthdr == NEXTHDR_DEST || nexthdr == NEXTHDR_AUTH ||
	    nexthdr == NEXTHDR_FRAGMENT)
		return PARSE_MALFORMED;
done:
	m->proto = nexthdr;
	m->l4_off = off;
	return nexthdr;
}

#endif
