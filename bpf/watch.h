/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Is this packet's source or destination a watched device? */
#ifndef IOTPROF_BPF_WATCH_H
#define IOTPROF_BPF_WATCH_H

#include "maps.h"
#include "meta.h"

static __always_inline bool watched_ip(__u8 family, const union addr16 *a)
{
	struct iotprof_watch_key k = {};

	k.kind = family == 4 ? IOTPROF_WATCH_IPV4 : IOTPROF_WATCH_IPV6;
	__builtin_memcpy(k.addr, a->b, 16);
	return bpf_map_lookup_elem(&watch, &k) != NULL;
}

static __always_inline bool watched_mac(const __u8 *mac)
{
	struct iotprof_watch_key k = {};

	k.kind = IOTPROF_WATCH_MAC;
	__builtin_memcpy(k.addr, mac, 6);
	return bpf_map_lookup_elem(&watch, &k) != NULL;
}

static __always_inline bool packet_watched(const struct iotprof_config *cfg,
					   const struct pkt_meta *m)
{
	if (cfg->flags & IOTPROF_CFG_WATCH_ALL)
		return true;
	if (watched_ip(m->family, &m->src) || watched_ip(m->family, &m->dst))
		return true;
	if (cfg->flags & IOTPROF_CFG_WATCH_MAC)
		return watched_mac(m->src_mac) || watched_mac(m->dst_mac);
	return false;
}

#endif
