/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Deny rules by tuple-space search (see include/iotprof_abi.h): for each
 * mask in use, the packet's fields are masked into a key and looked up;
 * a live rule drops the packet and counts it.  A rule whose lease has run
 * out is ignored, so a controller that died leaves the home working.
 *
 * The walk over the masks is a bpf_loop whose state (the packet's fields,
 * the key being built) lives in a per-CPU map, like the parsers' walks.
 */
#ifndef IOTPROF_BPF_DENY_H
#define IOTPROF_BPF_DENY_H

#include "maps.h"
#include "meta.h"
#include "names.h"
#include "app_scratch.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IOTPROF_DENY_MASKS_MAX);
	__type(key, __u32);
	__type(value, struct iotprof_deny_mask);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} deny_masks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOTPROF_DENY_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* memory only for rules that exist */
	__type(key, struct iotprof_deny_key_view);
	__type(value, struct iotprof_deny_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} deny_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOTPROF_DENY_ENTRIES / 2);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct iotprof_deny_lease);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} deny_leases SEC(".maps");

struct deny_walk {
	struct iotprof_deny_key pkt;	/* the packet's fields, unmasked */
	struct iotprof_deny_key key;	/* masked, for one lookup */
	__u64 now;
	__u32 len;
	__u32 masks;			/* settings' bitmap of masks in use */
	__u8  drop;
	__u8  has_app;			/* the app scratch holds this packet's data */
	__u8  pad[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct deny_walk);
} deny_scratch SEC(".maps");

/* The first `bits` bits of an address, the rest zero. */
static __always_inline void deny_prefix(__u8 *to, const __u8 *from, __u32 bits)
{
#pragma unroll
	for (int b = 0; b < 16; b++) {
		__u32 keep = bits > 8 * b ? bits - 8 * b : 0;

		to[b] = keep >= 8 ? from[b] : from[b] & (__u8)(0xFF00 >> keep);
	}
}

static long deny_mask_step(__u32 i, void *ctx)
{
	struct iotprof_deny_mask *mask;
	struct iotprof_deny_lease *lease;
	struct iotprof_deny_rule *rule;
	struct deny_walk *w;
	__u32 zero = 0, idx = i;
	__u32 fields;

	w = bpf_map_lookup_elem(&deny_scratch, &zero);
	if (!w || i >= IOTPROF_DENY_MASKS_MAX)
		return 1;
	if (!(w->masks & (1u << (i & 31))))
		return 0;
	mask = bpf_map_lookup_elem(&deny_masks, &idx);
	if (!mask || !mask->fields)
		return 0;
	fields = mask->fields;

	__builtin_memset(&w->key, 0, sizeof(w->key));
	if (fields & IOTPROF_DENY_SRC)
		deny_prefix(w->key.src, w->pkt.src, mask->src_prefix);
	if (fields & IOTPROF_DENY_DST)
		deny_prefix(w->key.dst, w->pkt.dst, mask->dst_prefix);
	if (fields & IOTPROF_DENY_SRC_NAME)
		w->key.src_name = w->pkt.src_name;
	if (fields & IOTPROF_DENY_DST_NAME)
		w->key.dst_name = w->pkt.dst_name;
	if (fields & IOTPROF_DENY_PROTO)
		w->key.proto = w->pkt.proto;
	if (fields & IOTPROF_DENY_SPORT)
		w->key.sport = w->pkt.sport;
	if (fields & IOTPROF_DENY_DPORT)
		w->key.dport = w->pkt.dport;
	if (fields & (IOTPROF_DENY_FAMILY | IOTPROF_DENY_SRC | IOTPROF_DENY_DST))
		w->key.family = w->pkt.family;
	if (fields & IOTPROF_DENY_APP_KIND)
		w->key.app_kind = w->pkt.app_kind;
	if (fields & IOTPROF_DENY_APP_NAME)
		w->key.app_name = w->pkt.app_name;
	if (fields & IOTPROF_DENY_APP_NUM)
		w->key.app_num = w->pkt.app_num;
	if (fields & IOTPROF_DENY_APP_PATH)
		w->key.app_path = w->pkt.app_path;
	if (fields & IOTPROF_DENY_APP_SUB)
		w->key.app_sub = w->pkt.app_sub;
	if (fields & (IOTPROF_DENY_APP_SUFFIX | IOTPROF_DENY_APP_PREFIX)) {
		struct app_scratch *s = scratch_get();
		__u32 n;

		if (!s || !w->has_app)
			return 0;	/* nothing to match a suffix or prefix of */
		if (fields & IOTPROF_DENY_APP_SUFFIX) {
			n = mask->suffix_labels;
			if (n == 0 || n > IOTPROF_SUFFIX_LABELS_MAX || !s->want_suffixes ||
			    !s->suffix_hash[n])
				return 0;	/* the name has no such suffix */
			w->key.app_name = s->suffix_hash[n];
		}
		if (fields & IOTPROF_DENY_APP_PREFIX) {
			n = mask->path_prefix;
			if (n == 0 || n > s->uri_len || n > IOTPROF_URI_MAX)
				return 0;	/* the URI is shorter than the prefix */
			w->key.app_path = s->uri_prefix_hash[(n - 1) & (IOTPROF_URI_MAX - 1)];
		}
	}
	w->key.mask = i;

	rule = bpf_map_lookup_elem(&deny_rules, &w->key);
	if (!rule)
		return 0;
	lease = bpf_map_lookup_elem(&deny_leases, &rule->id);
	if (lease && lease->expires_ns < w->now) {
		stat_inc(IOTPROF_STAT_DENY_EXPIRED);
		return 0;
	}
	__sync_fetch_and_add(&rule->packets, 1);
	__sync_fetch_and_add(&rule->bytes, w->len);
	rule->last_hit_ns = w->now;
	w->drop = 1;
	return 1;
}

/* Does a deny rule drop this packet?  (Only called with masks in use.) */
/* The packet's application facts, from its own data or, for a TLS
 * connection's later packets, from the SNI its record holds. */
static __always_inline void deny_app_facts(struct iotprof_deny_key *k, const struct app_scratch *s,
					   const struct iotprof_flow *f)
{
	if (s) {
		k->app_kind = s->app.kind;
		switch (s->app.kind) {
		case IOTPROF_APP_DNS:
			k->app_name = s->name_id;
			k->app_num = s->app.dns.qtype;
			break;
		case IOTPROF_APP_TLS:
			k->app_name = s->name_id;
			break;
		case IOTPROF_APP_HTTP:
			k->app_num = s->method_id;
			k->app_path = s->path_hash;
			break;
		case IOTPROF_APP_COAP:
			k->app_num = s->app.coap.code;
			k->app_sub = s->app.coap.type;
			k->app_path = s->path_hash;
			break;
		}
	} else if (f && f->app.kind == IOTPROF_APP_TLS) {
		/* Only the SNI the connection sent: a connection without one
		 * matches no SNI rule, whatever its server is called. */
		k->app_kind = IOTPROF_APP_TLS;
		k->app_name = f->app.tls.sni_id;
	}
}

static __noinline bool deny_match(const struct pkt_meta *m, const struct iotprof_config *cfg,
				  const struct app_scratch *app, const struct iotprof_flow *f,
				  __u32 len)
{
	__u32 span = cfg->deny_span;
	struct deny_walk *w;
	__u32 zero = 0;

	w = bpf_map_lookup_elem(&deny_scratch, &zero);
	if (!w)
		return false;
	__builtin_memset(&w->pkt, 0, sizeof(w->pkt));
	__builtin_memcpy(w->pkt.src, m->src.b, 16);
	__builtin_memcpy(w->pkt.dst, m->dst.b, 16);
	/* Looked up for every packet: an address learned after the rule
	 * was added is matched as soon as it is known. */
	if (cfg->flags & IOTPROF_CFG_DENY_NAMES) {
		w->pkt.src_name = name_of(m->family, m->src.b);
		w->pkt.dst_name = name_of(m->family, m->dst.b);
	}
	w->pkt.sport = m->sport;
	w->pkt.dport = m->dport;
	w->pkt.proto = m->proto;
	w->pkt.family = m->family;
	deny_app_facts(&w->pkt, app, f);
	w->has_app = app != NULL;
	w->now = bpf_ktime_get_ns();
	w->len = len;
	w->masks = cfg->deny_masks;
	w->drop = 0;
	/* up to the highest mask in use: user space fills slots from 0 */
	bpf_loop(span < IOTPROF_DENY_MASKS_MAX ? span : IOTPROF_DENY_MASKS_MAX, deny_mask_step, NULL, 0);
	if (w->drop)
		stat_inc(IOTPROF_STAT_DENIED);
	return w->drop;
}

#endif
