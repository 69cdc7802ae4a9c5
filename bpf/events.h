/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Job 2's kernel part: one struct iotprof_event per packet of a device
 * watched with IOTPROF_WATCH_F_EVENTS, on the "events" ring buffer.
 *
 * Called for watched packets only, after their flow was accounted.  The
 * watch decision (bpf/watch.h) says only "some end is watched"; which end
 * is the fingerprinted device, and its index, takes one more look-up per
 * end here — paid only while IOTPROF_CFG_EVENTS is set, so every other
 * packet costs one flag test.  No loops, one reserve/submit.
 */
#ifndef IOTPROF_BPF_EVENTS_H
#define IOTPROF_BPF_EVENTS_H

#include "maps.h"
#include "meta.h"

/* The watch entry of addr (an IP of the packet's family, or a MAC) when it
 * asks for packet records, else NULL. */
static __always_inline const struct iotprof_watch *events_entry(__u8 kind, const void *addr,
								 __u32 len)
{
	struct iotprof_watch_key k = {};
	const struct iotprof_watch *w;

	k.kind = kind;
	if (len == 16)
		__builtin_memcpy(k.addr, addr, 16);
	else
		__builtin_memcpy(k.addr, addr, 6);
	w = bpf_map_lookup_elem(&watch, &k);
	return w && (w->flags & IOTPROF_WATCH_F_EVENTS) ? w : NULL;
}

/*
 * A global (non-inlined, non-static) function: the verifier checks it once,
 * on its own, instead of once more on every path of handle_packet that
 * reaches it (inlined, this block cost 5 % more verified instructions).
 * The price is that its pointer arguments may be NULL to the verifier.
 */
__attribute__((noinline)) int events_record(const struct iotprof_config *cfg,
					    const struct pkt_meta *m, __u32 wire_len, __u64 now)
{
	const struct iotprof_watch *w;
	struct iotprof_event *e;
	__u8 dir = IOTPROF_EVENT_OUT;
	__u8 kind;

	if (!cfg || !m)
		return 0;
	kind = m->family == 4 ? IOTPROF_WATCH_IPV4 : IOTPROF_WATCH_IPV6;
	w = events_entry(kind, m->src.b, 16);
	if (!w && cfg->flags & IOTPROF_CFG_WATCH_MAC)
		w = events_entry(IOTPROF_WATCH_MAC, m->src_mac, 6);
	if (!w) {
		dir = IOTPROF_EVENT_IN;
		w = events_entry(kind, m->dst.b, 16);
		if (!w && cfg->flags & IOTPROF_CFG_WATCH_MAC)
			w = events_entry(IOTPROF_WATCH_MAC, m->dst_mac, 6);
		if (!w)
			return 0;
	}

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(IOTPROF_STAT_EVENTS_LOST);
		return 0;
	}
	e->ts_ns = now;
	e->device = w->device;
	e->wire_len = wire_len;
	e->dir = dir;
	e->family = m->family;
	e->proto = m->proto;
	e->pad = 0;
	if (dir == IOTPROF_EVENT_OUT) {
		__builtin_memcpy(e->peer, m->dst.b, 16);
		e->device_port = m->sport;
		e->peer_port = m->dport;
	} else {
		__builtin_memcpy(e->peer, m->src.b, 16);
		e->device_port = m->dport;
		e->peer_port = m->sport;
	}
	bpf_ringbuf_submit(e, 0);
	return 1;
}

/* The flag test stays inline: packets of a home without fingerprinting do
 * not pay a call. */
static __always_inline void events_emit(const struct iotprof_config *cfg,
					const struct pkt_meta *m, __u32 wire_len, __u64 now)
{
	if (cfg->flags & IOTPROF_CFG_EVENTS)
		events_record(cfg, m, wire_len, now);
}

#endif
