// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * iotprof's packet programs: XDP on ingress, TC on egress.
 *
 * Both parse L2 -> L3 -> L4 into a pkt_meta and account the packet to its
 * flow.  TC egress handles only packets the gateway itself originates; a
 * forwarded packet was already counted when XDP saw it arrive.
 *
 * Offline mode runs iotprof_xdp on each captured frame through
 * BPF_PROG_TEST_RUN; user space then supplies the capture's timestamp and
 * wire length in offline_input, because the frame it hands in may be cut
 * at the capture's snap length and the kernel clock is not the capture's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "iotprof_abi.h"
#include "pkt.h"
#include "proto.h"
#include "meta.h"
#include "maps.h"
#include "parse_eth.h"
#include "parse_ip.h"
#include "parse_l4.h"
#include "watch.h"
#include "frag.h"
#include "names.h"
#include "app.h"
#include "flow.h"
#include "deny.h"
#include "events.h"

struct offline_input offline_input;

static __always_inline void count_parse_error(int err)
{
	stat_inc(err == PARSE_MALFORMED ? IOTPROF_STAT_MALFORMED : IOTPROF_STAT_TRUNCATED);
}

/*
 * The packet's facts (struct pkt_meta) live in a per-CPU map, not on the
 * stack.  The verifier tracks stack values exactly but map contents not at
 * all, so the many header paths (VLAN tags, IPv6 extension chains, fragment
 * kinds) do not each drag their own precise offsets into everything that
 * follows: from map memory they look alike and are verified once.
 */
/* Returns true when a deny rule drops the packet. */
static __always_inline bool handle_packet(const struct pkt *p, __u8 flow_flags)
{
	struct app_scratch *app = NULL;
	struct iotprof_config *cfg;
	struct iotprof_flow *f = NULL;
	struct pkt_meta *m;
	__u32 zero = 0;
	bool watched;
	__u64 now;
	int ret;

	stat_inc(IOTPROF_STAT_PACKETS);
	cfg = bpf_map_lookup_elem(&settings, &zero);
	m = bpf_map_lookup_elem(&meta_scratch, &zero);
	if (!cfg || !m)
		return false;
	__builtin_memset(m, 0, sizeof(*m));

	ret = parse_eth(p, m);
	if (ret == ETH_P_IP)
		ret = parse_ipv4(p, m);
	else if (ret == ETH_P_IPV6)
		ret = parse_ipv6(p, m);
	else if (ret >= 0) {
		stat_inc(IOTPROF_STAT_NON_IP);
		return false;
	}
	if (ret < 0) {
		count_parse_error(ret);
		return false;
	}

	/* Deny rules apply to every host; flows are recorded for the
	 * watched ones. */
	watched = packet_watched(cfg, m);
	if (!watched) {
		stat_inc(IOTPROF_STAT_NOT_WATCHED);
		if (!cfg->deny_masks)
			return false;
	}

	if (m->frag != FRAG_NONE) {
		stat_inc(IOTPROF_STAT_FRAGMENTS);
		flow_flags |= IOTPROF_FLOW_F_FRAGMENTS;
	}
	if (m->frag == FRAG_LATER) {
		if (!frag_recall_ports(m, p->len)) {
			stat_inc(IOTPROF_STAT_FRAG_ORPHAN);
			return false;
		}
	} else {
		ret = parse_l4(p, m);
		if (ret < 0) {
			count_parse_error(ret);
			return false;
		}
		if (m->frag == FRAG_FIRST)
			frag_remember_ports(m);
		/* Unwatched hosts' application data matters only to rules on it. */
		if (watched || cfg->flags & IOTPROF_CFG_DENY_APP)
			app = app_parse(p, m, cfg->flags);
	}

	if (watched) {
		now = offline_input.now_ns ? offline_input.now_ns : bpf_ktime_get_ns();
		if (app)
			names_learn(m, app, now);
		f = flow_account(m, app, cfg->epoch, now, p->len, flow_flags);
		if (f) {
			stat_inc(IOTPROF_STAT_RECORDED);
			if (app && app->app.kind == IOTPROF_APP_DNS && app->dns_more_q) {
				app->dns_sender = f->initiator;
				app->dns_epoch = cfg->epoch;
				app->dns_now = now;
				dns_record_more_questions();
			}
		}
		events_emit(cfg, m, p->len, now);
	}

	if (!cfg->deny_masks || !deny_match(m, cfg, app, f, p->len))
		return false;
	/* Dropped, but recorded: the profiler sees what the device tried. */
	if (f)
		__sync_fetch_and_add(&f->blocked, 1);
	return true;
}

SEC("xdp.frags")
int iotprof_xdp(struct xdp_md *ctx)
{
	struct pkt p = {
		.ctx = ctx,
		.len = offline_input.wire_len ? offline_input.wire_len
					      : (__u32)bpf_xdp_get_buff_len(ctx),
		.cap_len = bpf_xdp_get_buff_len(ctx),
		.xdp = true,
	};

	return handle_packet(&p, 0) ? XDP_DROP : XDP_PASS;
}

SEC("tc")
int iotprof_tc_egress(struct __sk_buff *skb)
{
	struct pkt p = { .ctx = skb, .len = skb->len, .cap_len = skb->len, .xdp = false };

	if (skb->ingress_ifindex) {
		stat_inc(IOTPROF_STAT_FORWARDED_EGRESS);
		return TC_ACT_UNSPEC;
	}
	return handle_packet(&p, IOTPROF_FLOW_F_LOCAL_OUT) ? TC_ACT_SHOT : TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
