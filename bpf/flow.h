/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The flow table: one record per bidirectional flow, keyed by its endpoints
 * in canonical order so both directions find it with one lookup.  The first
 * packet's sender is the initiator.  A record counts the packets of one
 * epoch: the first packet of a new epoch restarts its counters, so a trace is
 * exactly the records whose epoch is the trace's (no clearing races).  The
 * initiator is kept across epochs: who opened a conversation does not change
 * because a new trace began.
 */
#ifndef IOTPROF_BPF_FLOW_H
#define IOTPROF_BPF_FLOW_H

#include "maps.h"
#include "meta.h"
#include "names.h"
#include "app.h"

#define EEXIST 17

static __always_inline bool endpoint_before(const union addr16 *a, __u16 pa,
					    const union addr16 *b, __u16 pb)
{
	if (a->q[0] != b->q[0])
		return a->q[0] < b->q[0];
	if (a->q[1] != b->q[1])
		return a->q[1] < b->q[1];
	return pa <= pb;
}

/* Fills the canonical key; returns which side of it sent this packet. */
static __always_inline __u8 flow_key_of(const struct pkt_meta *m, __u32 app_id,
					struct iotprof_flow_key *k)
{
	bool src_lo = endpoint_before(&m->src, m->sport, &m->dst, m->dport);

	__builtin_memcpy(k->addr_lo, src_lo ? m->src.b : m->dst.b, 16);
	__builtin_memcpy(k->addr_hi, src_lo ? m->dst.b : m->src.b, 16);
	k->port_lo = src_lo ? m->sport : m->dport;
	k->port_hi = src_lo ? m->dport : m->sport;
	k->family = m->family;
	k->proto = m->proto;
	k->pad = 0;
	k->app_id = app_id;
	return src_lo ? IOTPROF_SIDE_LO : IOTPROF_SIDE_HI;
}

/* The endpoints' host names, as far as the names map knows them now. */
static __always_inline void flow_take_names(struct iotprof_flow *f, const struct iotprof_flow_key *k)
{
	__u32 lo = name_of(k->family, k->addr_lo);
	__u32 hi = name_of(k->family, k->addr_hi);

	f->name_id[IOTPROF_DIR_FWD] = f->initiator == IOTPROF_SIDE_LO ? lo : hi;
	f->name_id[IOTPROF_DIR_REV] = f->initiator == IOTPROF_SIDE_LO ? hi : lo;
	/* A connection's own SNI names its server better than the map. */
	if (f->app.kind == IOTPROF_APP_TLS && f->app.tls.sni_id)
		f->name_id[IOTPROF_DIR_REV] = f->app.tls.sni_id;
}

static __always_inline struct iotprof_flow *
flow_find_or_create(const struct iotprof_flow_key *k, __u8 sender, __u32 epoch, __u64 now)
{
	struct iotprof_flow *f, *fresh;
	__u32 zero = 0;
	long err;

	f = bpf_map_lookup_elem(&flows, k);
	if (f)
		return f;

	fresh = bpf_map_lookup_elem(&flow_scratch, &zero);
	if (!fresh)
		return NULL;
	__builtin_memset(fresh, 0, sizeof(*fresh));
	fresh->initiator = sender;
	fresh->epoch = epoch;
	fresh->first_ns = now;
	flow_take_names(fresh, k);
	err = bpf_map_update_elem(&flows, k, fresh, BPF_NOEXIST);
	if (err == 0)
		stat_inc(IOTPROF_STAT_FLOW_CREATED);
	else if (err != -EEXIST)	/* -EEXIST: another CPU created it first */
		stat_inc(IOTPROF_STAT_FLOW_ERROR);
	return bpf_map_lookup_elem(&flows, k);
}

/* Does this packet belong to the data plane (IOTPROF_FLOW_F_DATA)?  The
 * Forest paper filters the control plane before it builds Flow IDs: TCP
 * handshake segments, TLS handshake records but a ClientHello with SNI.
 * ICMP, DHCP and ARP are whole protocols, which user space recognises. */
static __always_inline bool packet_is_data(const struct pkt_meta *m, const struct app_scratch *app)
{
	if (m->proto != PROTO_TCP)
		return true;
	if (m->tcp_flags & (TCP_HDR_SYN | TCP_HDR_RST))
		return false;
	if (m->l3_end <= m->payload_off)	/* PSH without payload: an anonymised capture's data */
		return (m->tcp_flags & (TCP_HDR_PSH | TCP_HDR_FIN)) == TCP_HDR_PSH;
	if (m->payload_kind == PAYLOAD_TLS_HANDSHAKE)
		return app && app->app.kind == IOTPROF_APP_TLS && app->app.tls.sni[0];
	return m->payload_kind != PAYLOAD_HTTP_STATUS;
}

static __always_inline struct iotprof_flow *
flow_account(const struct pkt_meta *m, struct app_scratch *app, __u32 epoch, __u64 now,
	     __u32 wire_len, __u8 flow_flags)
{
	struct iotprof_flow_key k;
	struct iotprof_flow *f;
	__u8 sender, dir;

	sender = flow_key_of(m, 0, &k);
	if (app) {
		k.app_id = app_exchange_id(&k, app);
		app->dns_key = k;	/* for a DNS message's further questions */
	}
	f = flow_find_or_create(&k, sender, epoch, now);
	if (!f)
		return NULL;

	if (f->epoch != epoch) {
		/* A new trace began: count this epoch's packets only.  Two CPUs may
		 * both reset; at worst a packet of the new epoch is counted twice
		 * or not at all, never one of the old epoch. */
		f->epoch = epoch;
		f->first_ns = now;
		f->packets[0] = f->packets[1] = 0;
		f->bytes[0] = f->bytes[1] = 0;
		f->blocked = 0;
		f->tcp_flags[0] = f->tcp_flags[1] = 0;
		f->flags &= ~(IOTPROF_FLOW_F_PAYLOAD | IOTPROF_FLOW_F_DATA);
		flow_take_names(f, &k);
	}
	if (m->l3_end > m->payload_off)
		flow_flags |= IOTPROF_FLOW_F_PAYLOAD;
	if (!(f->flags & IOTPROF_FLOW_F_DATA) && packet_is_data(m, app)) {
		f->data_side = sender;
		flow_flags |= IOTPROF_FLOW_F_DATA;
	}
	/* The handshake names the initiator better than the first packet: a
	 * record may begin mid-connection (iotprof or a capture started late)
	 * or be an earlier connection's on a reused port pair.  The SYN's
	 * sender (the SYN-ACK's receiver) is the client; the flag tells user
	 * space the orientation is known, not guessed. */
	if (m->proto == PROTO_TCP && (m->tcp_flags & TCP_HDR_SYN)) {
		__u8 client = m->tcp_flags & TCP_HDR_ACK ? sender ^ 1 : sender;

		if (client != f->initiator) {
			__u64 p = f->packets[0], b = f->bytes[0];
			__u8 t = f->tcp_flags[0];

			f->packets[0] = f->packets[1];
			f->packets[1] = p;
			f->bytes[0] = f->bytes[1];
			f->bytes[1] = b;
			f->tcp_flags[0] = f->tcp_flags[1];
			f->tcp_flags[1] = t;
			f->initiator = client;
			flow_take_names(f, &k);
		}
		flow_flags |= IOTPROF_FLOW_F_HANDSHAKE;
	}
	dir = sender == f->initiator ? IOTPROF_DIR_FWD : IOTPROF_DIR_REV;
	if (app) {
		app_merge(f, &app->app);
		/* The SNI names the server this very packet goes to. */
		if (app->app.kind == IOTPROF_APP_TLS && app->name_id)
			f->name_id[dir == IOTPROF_DIR_FWD ? IOTPROF_DIR_REV : IOTPROF_DIR_FWD] = app->name_id;
	}
	__sync_fetch_and_add(&f->packets[dir], 1 + m->extra_packets);
	__sync_fetch_and_add(&f->bytes[dir], wire_len + m->extra_bytes);
	f->last_ns = now;
	f->tcp_flags[dir] |= m->tcp_flags;	/* flags only ever gain bits */
	f->flags |= flow_flags;
	return f;
}

#endif
