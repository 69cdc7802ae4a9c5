/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IP fragments: the first fragment carries the L4 header and leaves its
 * ports in the frags map; later fragments take them from there, so every
 * fragment counts to the datagram's flow without ever parsing payload bytes
 * as an L4 header.  A later fragment that overtakes the first waits in the
 * map and is counted when the first arrives; one whose first never comes
 * stays in the orphan counter only.
 */
#ifndef IOTPROF_BPF_FRAG_H
#define IOTPROF_BPF_FRAG_H

#include "maps.h"
#include "meta.h"

static __always_inline void frag_key_of(const struct pkt_meta *m, struct iotprof_frag_key *k)
{
	__builtin_memcpy(k->src, m->src.b, 16);
	__builtin_memcpy(k->dst, m->dst.b, 16);
	k->id = m->frag_id;
	k->family = m->family;
	k->proto = m->frag_proto;
	k->pad = 0;
}

/* First fragment: leave the ports, and take along the later fragments that
 * arrived before it. */
static __always_inline void frag_remember_ports(struct pkt_meta *m)
{
	struct iotprof_frag_key k;
	struct iotprof_frag v = {
		.sport = m->sport, .dport = m->dport, .l4_proto = m->proto, .first_seen = 1,
	};
	struct iotprof_frag *old;

	frag_key_of(m, &k);
	old = bpf_map_lookup_elem(&frags, &k);
	if (old && !old->first_seen) {
		m->extra_packets = old->pending_packets;
		m->extra_bytes = old->pending_bytes;
	}
	bpf_map_update_elem(&frags, &k, &v, BPF_ANY);
}

/* Later fragment: returns true with the datagram's ports and protocol set
 * when its first fragment was seen; otherwise it waits, counted, for the
 * first one. */
static __always_inline bool frag_recall_ports(struct pkt_meta *m, __u32 wire_len)
{
	struct iotprof_frag_key k;
	struct iotprof_frag *v;

	frag_key_of(m, &k);
	v = bpf_map_lookup_elem(&frags, &k);
	if (v && v->first_seen) {
		m->sport = v->sport;
		m->dport = v->dport;
		m->proto = v->l4_proto;
		return true;
	}
	if (v) {
		__sync_fetch_and_add(&v->pending_packets, 1);
		__sync_fetch_and_add(&v->pending_bytes, wire_len);
	} else {
		struct iotprof_frag wait = { .pending_packets = 1, .pending_bytes = wire_len };

		bpf_map_update_elem(&frags, &k, &wait, BPF_NOEXIST);
	}
	return false;
}

#endif
