/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * How bpftool shows the pinned maps.  `bpftool map dump` prints a map's
 * keys and values through the BTF types the map is declared with, so the
 * maps are declared (bpf/maps.h, bpf/deny.h) with the types below: the
 * same bytes as the ABI's structs (include/iotprof_abi.h), asserted member
 * by member, but typed to say what they hold:
 *   - an address is a union of v4 (__u8[4]) and v6 (__u8[16]): an IPv4
 *     address reads as four numbers, not as 16 bytes;
 *   - the application kind, the initiator's side, the protocol, the watch
 *     kind and the name source are one-byte enums, printed by name, so a
 *     record says which member of the application union to read (dns,
 *     tls, http or coap: one struct per kind);
 *   - per-direction counters are named (from_initiator, from_responder).
 * (The statistics stay an array keyed by a u32: the kernel wants an
 * array's key to be an integer, not an enum; `iotprof stats` names them.)
 * The code reads and writes the ABI's types; these only describe them.
 * Clang's one-byte enums (enum x : __u8) are why this lives on the BPF
 * side only.
 */
#ifndef IOTPROF_BPF_BTF_VIEW_H
#define IOTPROF_BPF_BTF_VIEW_H

#include "vmlinux.h"
#include "iotprof_abi.h"

union iotprof_addr {
	__u8 v4[4];
	__u8 v6[16];
};

enum iotprof_proto_u8 : __u8 {
	IOTPROF_PROTO_ICMP = 1,
	IOTPROF_PROTO_TCP = 6,
	IOTPROF_PROTO_UDP = 17,
	IOTPROF_PROTO_ICMPV6 = 58,
};

enum iotprof_side_u8 : __u8 {
	IOTPROF_INITIATOR_LO = IOTPROF_SIDE_LO,	/* the key's addr_lo/port_lo end */
	IOTPROF_INITIATOR_HI = IOTPROF_SIDE_HI,
};

enum iotprof_app_kind_u8 : __u8 {
	IOTPROF_APP_KIND_NONE = IOTPROF_APP_NONE,
	IOTPROF_APP_KIND_DNS = IOTPROF_APP_DNS,	/* read app.dns */
	IOTPROF_APP_KIND_TLS = IOTPROF_APP_TLS,	/* read app.tls */
	IOTPROF_APP_KIND_HTTP = IOTPROF_APP_HTTP,	/* read app.http */
	IOTPROF_APP_KIND_COAP = IOTPROF_APP_COAP,	/* read app.coap */
};

enum iotprof_watch_kind_u8 : __u8 {
	IOTPROF_WATCH_KIND_MAC = IOTPROF_WATCH_MAC,
	IOTPROF_WATCH_KIND_IPV4 = IOTPROF_WATCH_IPV4,
	IOTPROF_WATCH_KIND_IPV6 = IOTPROF_WATCH_IPV6,
};

enum iotprof_name_source_u8 : __u8 {
	IOTPROF_NAME_FROM_DNS = IOTPROF_NAME_DNS,
	IOTPROF_NAME_FROM_SNI = IOTPROF_NAME_SNI,
	IOTPROF_NAME_FROM_IMPORT = IOTPROF_NAME_IMPORT,
};

enum iotprof_xdp_mode_u8 : __u8 {
	IOTPROF_XDP_MODE_NONE = IOTPROF_XDP_NONE,
	IOTPROF_XDP_MODE_NATIVE_MULTI = IOTPROF_XDP_NATIVE_MULTI,
	IOTPROF_XDP_MODE_NATIVE_SINGLE = IOTPROF_XDP_NATIVE_SINGLE,
	IOTPROF_XDP_MODE_GENERIC_MULTI = IOTPROF_XDP_GENERIC_MULTI,
	IOTPROF_XDP_MODE_GENERIC_SINGLE = IOTPROF_XDP_GENERIC_SINGLE,
};

struct iotprof_dir_u64 {
	__u64 from_initiator;
	__u64 from_responder;
};

struct iotprof_dir_u32 {
	__u32 initiator;
	__u32 responder;
};

struct iotprof_dir_u8 {
	__u8 from_initiator;
	__u8 from_responder;
};

struct iotprof_flow_key_view {
	union iotprof_addr addr_lo;
	union iotprof_addr addr_hi;
	__u16 port_lo;
	__u16 port_hi;
	__u8  family;
	enum iotprof_proto_u8 proto;
	__u16 pad;
	__u32 app_id;
};

struct iotprof_app_dns_view {
	char  qname[IOTPROF_NAME_MAX];
	__u16 qtype;
	__u8  response;
	__u8  rcode;
	__u8  n_answers;
	__u8  announcement;
	__u8  pad[2];
	__u8  answer_family[IOTPROF_DNS_ANSWERS_MAX];
	union iotprof_addr answers[IOTPROF_DNS_ANSWERS_MAX];
};

struct iotprof_app_view {
	enum iotprof_app_kind_u8 kind;	/* which of dns, tls, http, coap holds the data */
	__u8  flags;
	__u8  pad[6];
	union {			/* the one that kind names holds the data */
		struct iotprof_app_dns_view dns;
		struct iotprof_app_tls  tls;
		struct iotprof_app_http http;
		struct iotprof_app_coap coap;
	} data;
};

struct iotprof_flow_view {
	__u64 first_ns;
	__u64 last_ns;
	struct iotprof_dir_u64 packets;
	struct iotprof_dir_u64 bytes;
	__u64 blocked;
	__u32 epoch;
	enum iotprof_side_u8 initiator;
	__u8  flags;
	struct iotprof_dir_u8 tcp_flags;
	struct iotprof_dir_u32 name_id;
	__u32 pad;
	struct iotprof_app_view app;
};

struct iotprof_frag_key_view {
	union iotprof_addr src;
	union iotprof_addr dst;
	__u32 id;
	__u8  family;
	enum iotprof_proto_u8 proto;
	__u16 pad;
};

struct iotprof_watch_key_view {
	enum iotprof_watch_kind_u8 kind;
	__u8 pad[3];
	union {
		__u8 v4[4];
		__u8 v6[16];
		__u8 mac[6];
	} addr;
};

struct iotprof_name_key_view {
	__u8 family;
	__u8 pad[3];
	union iotprof_addr addr;
};

struct iotprof_name_view {
	__u32 id;
	enum iotprof_name_source_u8 source;
	__u8  pad[3];
	__u64 updated_ns;
};

struct iotprof_iface_view {
	char  name[16];
	__u32 ifindex;
	enum iotprof_xdp_mode_u8 xdp_mode;
	__u8  tc_egress;
	__u8  clsact_created;
	__u8  pad;
	__u64 attached_ns;
	__u64 netns;
};

struct iotprof_deny_key_view {
	union iotprof_addr src;
	union iotprof_addr dst;
	__u32 src_name;
	__u32 dst_name;
	__u16 sport;
	__u16 dport;
	enum iotprof_proto_u8 proto;
	__u8  family;
	__u8  mask;
	enum iotprof_app_kind_u8 app_kind;
	__u32 app_name;
	__u32 app_path;
	__u16 app_num;
	__u8  app_sub;
	__u8  pad;
};

/* The same bytes: size and every member's offset. */
#define SAME_SIZE(view, abi) _Static_assert(sizeof(struct view) == sizeof(struct abi), #view " size")
#define SAME_AT(view, abi, vm, am) \
	_Static_assert(__builtin_offsetof(struct view, vm) == __builtin_offsetof(struct abi, am) && \
		       sizeof(((struct view *)0)->vm) == sizeof(((struct abi *)0)->am), #view "." #vm)
#define SAME(view, abi, m) SAME_AT(view, abi, m, m)

SAME_SIZE(iotprof_flow_key_view, iotprof_flow_key);
SAME(iotprof_flow_key_view, iotprof_flow_key, addr_lo);
SAME(iotprof_flow_key_view, iotprof_flow_key, addr_hi);
SAME(iotprof_flow_key_view, iotprof_flow_key, port_lo);
SAME(iotprof_flow_key_view, iotprof_flow_key, port_hi);
SAME(iotprof_flow_key_view, iotprof_flow_key, family);
SAME(iotprof_flow_key_view, iotprof_flow_key, proto);
SAME(iotprof_flow_key_view, iotprof_flow_key, app_id);

SAME_SIZE(iotprof_app_dns_view, iotprof_app_dns);
SAME(iotprof_app_dns_view, iotprof_app_dns, qname);
SAME(iotprof_app_dns_view, iotprof_app_dns, qtype);
SAME(iotprof_app_dns_view, iotprof_app_dns, n_answers);
SAME(iotprof_app_dns_view, iotprof_app_dns, announcement);
SAME(iotprof_app_dns_view, iotprof_app_dns, answer_family);
SAME(iotprof_app_dns_view, iotprof_app_dns, answers);

SAME_SIZE(iotprof_app_view, iotprof_app);
SAME(iotprof_app_view, iotprof_app, kind);
SAME(iotprof_app_view, iotprof_app, flags);
SAME_AT(iotprof_app_view, iotprof_app, data.dns, dns);
SAME_AT(iotprof_app_view, iotprof_app, data.tls, tls);
SAME_AT(iotprof_app_view, iotprof_app, data.http, http);
SAME_AT(iotprof_app_view, iotprof_app, data.coap, coap);

SAME_SIZE(iotprof_flow_view, iotprof_flow);
SAME(iotprof_flow_view, iotprof_flow, first_ns);
SAME(iotprof_flow_view, iotprof_flow, last_ns);
SAME(iotprof_flow_view, iotprof_flow, packets);
SAME(iotprof_flow_view, iotprof_flow, bytes);
SAME(iotprof_flow_view, iotprof_flow, blocked);
SAME(iotprof_flow_view, iotprof_flow, epoch);
SAME(iotprof_flow_view, iotprof_flow, initiator);
SAME(iotprof_flow_view, iotprof_flow, flags);
SAME(iotprof_flow_view, iotprof_flow, tcp_flags);
SAME(iotprof_flow_view, iotprof_flow, name_id);
SAME(iotprof_flow_view, iotprof_flow, app);
/* The named directions are the ABI's indices. */
_Static_assert(IOTPROF_DIR_FWD == 0 && IOTPROF_DIR_REV == 1, "from_initiator is [IOTPROF_DIR_FWD]");

SAME_SIZE(iotprof_frag_key_view, iotprof_frag_key);
SAME(iotprof_frag_key_view, iotprof_frag_key, src);
SAME(iotprof_frag_key_view, iotprof_frag_key, dst);
SAME(iotprof_frag_key_view, iotprof_frag_key, id);
SAME(iotprof_frag_key_view, iotprof_frag_key, family);
SAME(iotprof_frag_key_view, iotprof_frag_key, proto);

SAME_SIZE(iotprof_watch_key_view, iotprof_watch_key);
SAME(iotprof_watch_key_view, iotprof_watch_key, kind);
SAME(iotprof_watch_key_view, iotprof_watch_key, addr);

SAME_SIZE(iotprof_name_key_view, iotprof_name_key);
SAME(iotprof_name_key_view, iotprof_name_key, family);
SAME(iotprof_name_key_view, iotprof_name_key, addr);

SAME_SIZE(iotprof_name_view, iotprof_name);
SAME(iotprof_name_view, iotprof_name, id);
SAME(iotprof_name_view, iotprof_name, source);
SAME(iotprof_name_view, iotprof_name, updated_ns);

SAME_SIZE(iotprof_iface_view, iotprof_iface);
SAME(iotprof_iface_view, iotprof_iface, name);
SAME(iotprof_iface_view, iotprof_iface, ifindex);
SAME(iotprof_iface_view, iotprof_iface, xdp_mode);
SAME(iotprof_iface_view, iotprof_iface, tc_egress);
SAME(iotprof_iface_view, iotprof_iface, clsact_created);
SAME(iotprof_iface_view, iotprof_iface, attached_ns);
SAME(iotprof_iface_view, iotprof_iface, netns);

SAME_SIZE(iotprof_deny_key_view, iotprof_deny_key);
SAME(iotprof_deny_key_view, iotprof_deny_key, src);
SAME(iotprof_deny_key_view, iotprof_deny_key, dst);
SAME(iotprof_deny_key_view, iotprof_deny_key, src_name);
SAME(iotprof_deny_key_view, iotprof_deny_key, dst_name);
SAME(iotprof_deny_key_view, iotprof_deny_key, sport);
SAME(iotprof_deny_key_view, iotprof_deny_key, dport);
SAME(iotprof_deny_key_view, iotprof_deny_key, proto);
SAME(iotprof_deny_key_view, iotprof_deny_key, family);
SAME(iotprof_deny_key_view, iotprof_deny_key, mask);
SAME(iotprof_deny_key_view, iotprof_deny_key, app_kind);
SAME(iotprof_deny_key_view, iotprof_deny_key, app_name);
SAME(iotprof_deny_key_view, iotprof_deny_key, app_path);
SAME(iotprof_deny_key_view, iotprof_deny_key, app_num);
SAME(iotprof_deny_key_view, iotprof_deny_key, app_sub);

#endif
