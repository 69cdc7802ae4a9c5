/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Ethernet and up to IOTPROF_VLAN_MAX_DEPTH 802.1Q/802.1ad tags. */
#ifndef IOTPROF_BPF_PARSE_ETH_H
#define IOTPROF_BPF_PARSE_ETH_H

#include "pkt.h"
#include "proto.h"
#include "meta.h"
#include "iotprof_abi.h"

struct vlan_tag {
	__be16 tci;
	__be16 encapsulated_proto;
};

/* Returns the EtherType (host order) of the L3 header at m->l3_off. */
static __always_inline int parse_eth(const struct pkt *p, struct pkt_meta *m)
{
	struct ethhdr eth;
	struct vlan_tag tag;
	__u32 off = sizeof(eth);
	__u16 proto;

	if (pkt_load(p, 0, &eth, sizeof(eth)))
		return PARSE_TRUNCATED;
	__builtin_memcpy(m->dst_mac, eth.h_dest, 6);
	__builtin_memcpy(m->src_mac, eth.h_source, 6);
	proto = bpf_ntohs(eth.h_proto);

#pragma unroll
	for (int i = 0; i < IOTPROF_VLAN_MAX_DEPTH; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if (pkt_load(p, off, &tag, sizeof(tag)))
			return PARSE_TRUNCATED;
		proto = bpf_ntohs(tag.encapsulated_proto);
		off += sizeof(tag);
	}
	m->l3_off = off;
	return proto;
}

#endif
