/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IP fragments: the first fragment carries the L4 header and leaves its
 * ports in the frags map; later fragments take them from there, so every
 * fragment counts to the datagram's flow without ever parsing payload bytes
 * as an L4 header.
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
	k->proto = m->proto;
	k->pad = 0;
}

static __always_inline void frag_remember_ports(const struct pkt_meta *m)
{
	struct iotprof_frag_key k;
	struct iotprof_frag v = { .sport = m->sport, .dport = m->dport };

	frag_key_of(m, &k);
	bpf_map_update_elem(&frags, &k, &v, BPF_ANY);
}

/* Returns false when the first fragment was never seen (an orphan). */
static __always_inline bool frag_recall_ports(struct pkt_meta *m)
{
	struct iotprof_frag_key k;
	struct iotprof_frag *v;

	frag_key_of(m, &k);
	v = bpf_map_lookup_elem(&frags, &k);
	if (!v)
		return false;
	m->sport = v->sport;
	m->dport = v->dport;
	return true;
}

#endif
