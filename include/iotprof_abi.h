/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel/user ABI of iotprof: every type and constant that crosses the
 * boundary between bpf/ and user/ is defined here and nowhere else.
 *
 * Rules: fixed-size types only, explicit padding, no implicit holes (the BPF
 * side and the user side must agree byte for byte, and bpftool prints the
 * named fields from BTF).  Multi-byte integers are in host byte order unless
 * a name ends in _be.  IPv4 addresses occupy the first 4 bytes of a 16-byte
 * address field; the other 12 bytes are zero.
 */
#ifndef IOTPROF_ABI_H
#define IOTPROF_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* ---- where things live ------------------------------------------------ */

#define IOTPROF_PIN_DIR_DEFAULT "/sys/fs/bpf/iotprof"

/* Map names: pinned as <pin dir>/<name>.  Keep in sync with bpf/maps.h. */
#define IOTPROF_MAP_FLOWS   "flows"
#define IOTPROF_MAP_FRAGS   "frags"
#define IOTPROF_MAP_WATCH   "watch"
#define IOTPROF_MAP_SETTINGS "settings"
#define IOTPROF_MAP_STATS   "stats"
#define IOTPROF_MAP_IFACES  "ifaces"
#define IOTPROF_MAP_NAMES   "names"
#define IOTPROF_MAP_DENY_MASKS "deny_masks"
#define IOTPROF_MAP_DENY_RULES "deny_rules"
#define IOTPROF_MAP_DENY_LEASES "deny_leases"
#define IOTPROF_MAP_NAME_STRINGS "name_strings"
#define IOTPROF_MAP_EVENTS  "events"	/* ring buffer of struct iotprof_event */

/* ---- sizes ------------------------------------------------------------ */

#define IOTPROF_FLOWS_DEFAULT   65536	/* flow records (--flows N) */
#define IOTPROF_FLOWS_MIN       64
#define IOTPROF_FLOWS_MAX       (1u << 22)
#define IOTPROF_FRAG_ENTRIES    4096	/* fragmented datagrams in flight */
#define IOTPROF_WATCH_ENTRIES   1024	/* watched addresses */
#define IOTPROF_IFACE_ENTRIES   64	/* interfaces the loader attached to */
#define IOTPROF_NAME_ENTRIES    16384	/* addresses with a known host name */
#define IOTPROF_DENY_MASKS_MAX  16	/* distinct rule shapes; a packet costs one lookup each */
#define IOTPROF_DENY_ENTRIES    262144	/* rule entries (each rule is two: both directions) */
#define IOTPROF_EVENTS_RING_BYTES (1u << 20)	/* packet-record ring buffer: ~21,000 records */

/* Parser bounds: loops in bpf/ never run longer than these. */
#define IOTPROF_VLAN_MAX_DEPTH     2	/* 802.1ad outer + 802.1Q inner */
#define IOTPROF_IPV6_EXT_MAX_CHAIN 8	/* extension headers walked */

/* Application data (filled by the application-layer parsers).  A value cut
 * at its maximum sets IOTPROF_APP_F_TRUNCATED. */
#define IOTPROF_NAME_MAX        256	/* DNS name, TLS SNI, HTTP Host, incl. NUL */
#define IOTPROF_URI_MAX         256	/* HTTP URI, CoAP Uri-Path, incl. NUL */
#define IOTPROF_METHOD_MAX      16	/* HTTP method, incl. NUL */
#define IOTPROF_DNS_ANSWERS_MAX 16	/* A/AAAA answers kept per response (power of 2) */
#define IOTPROF_DNS_RR_SCAN_MAX 32	/* answer records walked per response */
#define IOTPROF_TLS_VERSIONS_MAX 8	/* supported_versions kept */
#define IOTPROF_TLS_EXT_SCAN_MAX 64	/* extensions walked per ClientHello */
#define IOTPROF_COAP_OPT_SCAN_MAX 32	/* options walked per CoAP message */
#define IOTPROF_APP_SCAN_MAX    2048	/* payload bytes the app parsers look at */

/* ---- flow table ------------------------------------------------------- */

/*
 * A flow is found from either direction: the key holds its two endpoints in
 * a canonical order (lower (address, port) first), and the record says which
 * of them sent the first packet.  app_id separates several application
 * exchanges on one 5-tuple (DNS queries, HTTP requests); packets without
 * application data count to the connection's record, app_id 0.
 */
struct iotprof_flow_key {
	__u8  addr_lo[16];
	__u8  addr_hi[16];
	__u16 port_lo;		/* 0 for ICMP and for ports not seen */
	__u16 port_hi;
	__u8  family;		/* 4 or 6 */
	__u8  proto;		/* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6, other */
	__u16 pad;
	__u32 app_id;
};

enum iotprof_side {
	IOTPROF_SIDE_LO = 0,	/* the key's addr_lo/port_lo endpoint */
	IOTPROF_SIDE_HI = 1,
};

/* Index of the per-direction counters. */
enum iotprof_dir {
	IOTPROF_DIR_FWD = 0,	/* initiator -> responder */
	IOTPROF_DIR_REV = 1,	/* responder -> initiator */
};

enum iotprof_app_kind {
	IOTPROF_APP_NONE = 0,
	IOTPROF_APP_DNS  = 1,
	IOTPROF_APP_TLS  = 2,
	IOTPROF_APP_HTTP = 3,
	IOTPROF_APP_COAP = 4,
};

#define IOTPROF_APP_F_TRUNCATED  0x01	/* a value was cut at its maximum */
#define IOTPROF_APP_F_INCOMPLETE 0x02	/* field lies beyond what was seen */

struct iotprof_app_dns {
	char  qname[IOTPROF_NAME_MAX];
	__u16 qtype;
	__u8  response;
	__u8  rcode;
	__u8  n_answers;
	__u8  announcement;	/* no question (mDNS): qname/qtype are the first answer's */
	__u8  pad[2];
	__u8  answer_family[IOTPROF_DNS_ANSWERS_MAX];	/* 4 or 6 */
	__u8  answers[IOTPROF_DNS_ANSWERS_MAX][16];
};

struct iotprof_app_tls {
	char  sni[IOTPROF_NAME_MAX];
	__u16 versions[IOTPROF_TLS_VERSIONS_MAX];	/* supported_versions, GREASE removed */
	__u8  n_versions;
	__u8  pad[3];
	__u32 sni_id;		/* name id of a whole SNI, 0 = none (deny rules, names) */
};

struct iotprof_app_http {
	char method[IOTPROF_METHOD_MAX];
	char uri[IOTPROF_URI_MAX];
	char host[IOTPROF_NAME_MAX];
};

struct iotprof_app_coap {
	char  uri[IOTPROF_URI_MAX];
	char  host[IOTPROF_NAME_MAX];
	__u8  version;
	__u8  type;		/* 0 CON, 1 NON, 2 ACK, 3 RST */
	__u8  code;		/* class << 5 | detail */
	__u8  token_len;
	__u16 message_id;
	__u8  pad[2];
	__u8  token[8];
};

struct iotprof_app {
	__u8  kind;		/* enum iotprof_app_kind */
	__u8  flags;		/* IOTPROF_APP_F_* */
	__u8  pad[6];
	union {
		struct iotprof_app_dns  dns;
		struct iotprof_app_tls  tls;
		struct iotprof_app_http http;
		struct iotprof_app_coap coap;
	};
};

#define IOTPROF_FLOW_F_FRAGMENTS  0x01	/* IP fragments were counted here */
#define IOTPROF_FLOW_F_LOCAL_OUT  0x02	/* seen at TC egress (gateway-originated) */
#define IOTPROF_FLOW_F_HANDSHAKE  0x04	/* TCP: the initiator comes from a SYN or SYN-ACK */
#define IOTPROF_FLOW_F_PAYLOAD    0x08	/* a packet of this epoch carried data past its L4 header */
/* A packet of this epoch belonged to the data plane (the Forest paper,
 * section III-B): not a TCP SYN or RST, not a segment without data, not a
 * TLS handshake record other than a ClientHello naming its server (SNI),
 * not the status line of an HTTP response (the response belongs to its
 * request).  A segment without payload that has PSH set counts as data:
 * anonymised captures cut payloads but keep the flags.  Set for every
 * packet of other protocols; user space decides what ICMP, DHCP, ... are. */
#define IOTPROF_FLOW_F_DATA       0x10

struct iotprof_flow {
	__u64 first_ns;		/* first packet of this epoch (CLOCK_MONOTONIC live, capture time offline) */
	__u64 last_ns;
	__u64 packets[2];	/* indexed by enum iotprof_dir */
	__u64 bytes[2];		/* frame lengths on the wire */
	__u64 blocked;		/* packets dropped by deny rules */
	__u32 epoch;		/* epoch of the packets counted */
	__u8  initiator;	/* enum iotprof_side: who sent the first packet */
	__u8  flags;		/* IOTPROF_FLOW_F_* */
	__u8  tcp_flags[2];	/* OR of the TCP flags seen, per direction */
	__u32 name_id[2];	/* host-name ids of initiator/responder, 0 = none */
	__u8  data_side;	/* enum iotprof_side: who sent the first IOTPROF_FLOW_F_DATA packet */
	__u8  pad[3];
	struct iotprof_app app;
};

/* ---- host names ------------------------------------------------------ */

/*
 * DNS answers and TLS SNI (and `iotprof dns import`) link addresses to host
 * names.  A name is known by its id, a hash of its lower-case text, so flows
 * and deny rules carry 4 bytes instead of 256; name_strings maps the id back
 * to the text.
 */
struct iotprof_name_key {
	__u8 family;		/* 4 or 6 */
	__u8 pad[3];
	__u8 addr[16];
};

enum iotprof_name_source {
	IOTPROF_NAME_DNS = 1,
	IOTPROF_NAME_SNI = 2,
	IOTPROF_NAME_IMPORT = 3,
};

struct iotprof_name {
	__u32 id;
	__u8  source;		/* enum iotprof_name_source */
	__u8  pad[3];
	__u64 updated_ns;
};

struct iotprof_name_string {
	char name[IOTPROF_NAME_MAX];
};

/* ---- deny rules ------------------------------------------------------ */

/*
 * Tuple-space search.  A rule matches a subset of a flow's fields; the set
 * of fields (and address prefix lengths) is its mask.  Masks live in the
 * deny_masks array, and every rule in deny_rules under its mask's index
 * with the fields outside the mask zeroed.  A packet costs one lookup per
 * mask in use, whatever the number of rules.  Rules are bidirectional: a
 * rule is stored twice, as written and with its two ends swapped.
 */
#define IOTPROF_DENY_SRC       0x0001	/* source address (with src_prefix) */
#define IOTPROF_DENY_DST       0x0002
#define IOTPROF_DENY_SRC_NAME  0x0004	/* source host name (names map id) */
#define IOTPROF_DENY_DST_NAME  0x0008
#define IOTPROF_DENY_PROTO     0x0010
#define IOTPROF_DENY_SPORT     0x0020
#define IOTPROF_DENY_DPORT     0x0040
#define IOTPROF_DENY_FAMILY    0x0080	/* implied by an address */
#define IOTPROF_DENY_APP_KIND  0x0100	/* application protocol (enum iotprof_app_kind) */
#define IOTPROF_DENY_APP_NAME  0x0200	/* DNS query name or TLS SNI: name id */
#define IOTPROF_DENY_APP_NUM   0x0400	/* DNS qtype, CoAP code, HTTP method id */
#define IOTPROF_DENY_APP_PATH  0x0800	/* HTTP URI or CoAP path: FNV-1a of its bytes */
#define IOTPROF_DENY_APP_SUB   0x1000	/* CoAP type */
#define IOTPROF_DENY_APP_SUFFIX 0x2000	/* DNS name ends in suffix_labels given labels */
#define IOTPROF_DENY_APP_PREFIX 0x4000	/* HTTP URI starts with path_prefix given bytes */

/* Hash of a DNS name suffix "example.com" (for "*.example.com"): from the
 * last byte to the first, h = h * 31 + lower-case byte, starting at 0. */
#define IOTPROF_SUFFIX_LABELS_MAX 8

struct iotprof_deny_mask {
	__u32 fields;		/* IOTPROF_DENY_*; 0 = slot unused */
	__u8  src_prefix;	/* bits of the source address compared */
	__u8  dst_prefix;
	__u8  suffix_labels;	/* APP_SUFFIX: labels of the name suffix compared */
	__u8  path_prefix;	/* APP_PREFIX: bytes of the URI compared */
};

struct iotprof_deny_key {
	__u8  src[16];
	__u8  dst[16];
	__u32 src_name;
	__u32 dst_name;
	__u16 sport;
	__u16 dport;
	__u8  proto;
	__u8  family;
	__u8  mask;		/* index in deny_masks */
	__u8  app_kind;
	__u32 app_name;		/* DNS query name or TLS SNI: name id */
	__u32 app_path;		/* HTTP URI or CoAP path: FNV-1a of its bytes */
	__u16 app_num;		/* DNS qtype, CoAP code, HTTP method id (FNV-1a folded to 16 bits) */
	__u8  app_sub;		/* CoAP type */
	__u8  pad;
};

#define IOTPROF_DENY_RULE_REVERSE 0x1	/* the entry for the rule's other direction */

struct iotprof_deny_rule {
	__u32 id;		/* the rule's number (shared by its two directions) */
	__u16 flags;		/* IOTPROF_DENY_RULE_* */
	__u16 pad;
	__u64 packets;		/* dropped; only the kernel writes them */
	__u64 bytes;
	__u64 last_hit_ns;
};

/* A rule's lease, by rule number, apart from its counters: renewing it
 * never rewrites them.  A rule without a lease entry has no lease. */
struct iotprof_deny_lease {
	__u64 expires_ns;	/* CLOCK_MONOTONIC */
	__u32 owner;		/* pid of the process that holds it, 0 = none */
	__u32 pad;
};

/* ---- IP fragments ----------------------------------------------------- */

/* The first fragment of a datagram leaves its ports here so that later
 * fragments, which carry no L4 header, count to the same flow.  Later
 * fragments that arrive before the first wait here as a count, and join
 * the flow when the first one comes. */
struct iotprof_frag_key {
	__u8  src[16];
	__u8  dst[16];
	__u32 id;		/* IPv4 identification or IPv6 fragment id */
	__u8  family;
	__u8  proto;		/* IPv4 protocol, or the IPv6 Fragment header's next header */
	__u16 pad;
};

struct iotprof_frag {
	__u16 sport;
	__u16 dport;
	__u8  l4_proto;		/* the datagram's transport protocol */
	__u8  first_seen;	/* ports and l4_proto are known */
	__u16 pad;
	__u32 pending_packets;	/* later fragments that came before the first */
	__u64 pending_bytes;
};

/* ---- watch list ------------------------------------------------------- */

enum iotprof_watch_kind {
	IOTPROF_WATCH_IPV4 = 4,
	IOTPROF_WATCH_IPV6 = 6,
	IOTPROF_WATCH_MAC  = 1,
};

struct iotprof_watch_key {
	__u8 kind;		/* enum iotprof_watch_kind */
	__u8 pad[3];
	__u8 addr[16];		/* IPv4 in the first 4 bytes, MAC in the first 6 */
};

#define IOTPROF_WATCH_F_EVENTS 0x1	/* one ring-buffer record per packet (job 2) */

struct iotprof_watch {
	__u32 device;		/* device index, for the user's reference */
	__u32 flags;		/* IOTPROF_WATCH_F_* */
};

/* ---- per-packet records for event fingerprinting (ring buffer "events") */

/*
 * One record per packet of a watched device whose watch entry has
 * IOTPROF_WATCH_F_EVENTS (and only while IOTPROF_CFG_EVENTS is set, so
 * other traffic pays one flag test).  A packet between two such devices
 * is one record, for its source.  Records the ring buffer cannot take are
 * counted in IOTPROF_STAT_EVENTS_LOST.
 */
enum iotprof_event_dir {
	IOTPROF_EVENT_OUT = 0,	/* device -> peer */
	IOTPROF_EVENT_IN  = 1,	/* peer -> device */
};

struct iotprof_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() live, capture time (Unix ns) offline */
	__u8  peer[16];		/* the other end's IP address */
	__u32 device;		/* struct iotprof_watch.device of the device's entry */
	__u32 wire_len;		/* frame length on the wire */
	__u16 device_port;	/* 0 when the protocol has none or a later fragment */
	__u16 peer_port;
	__u8  dir;		/* enum iotprof_event_dir */
	__u8  family;		/* 4 or 6 */
	__u8  proto;		/* IP protocol */
	__u8  pad;
};

/* ---- settings (array map "settings", one entry) ----------------------------- */

#define IOTPROF_CFG_WATCH_ALL 0x01	/* record every flow */
#define IOTPROF_CFG_WATCH_MAC 0x02	/* the watch map holds MAC entries */
#define IOTPROF_CFG_DENY_NAMES 0x04	/* a deny mask matches host names */
#define IOTPROF_CFG_DENY_APP   0x08	/* a deny mask matches application data */
#define IOTPROF_CFG_DENY_SUFFIX 0x10	/* a deny mask matches DNS name suffixes */
#define IOTPROF_CFG_EVENTS     0x20	/* a watch entry has IOTPROF_WATCH_F_EVENTS */

struct iotprof_config {
	__u32 epoch;
	__u32 flags;		/* IOTPROF_CFG_* */
	__u32 deny_masks;	/* bit i: deny_masks[i] is in use */
	__u32 deny_next_id;	/* the next rule number to give */
	__u32 deny_span;	/* highest mask in use + 1: the walk stops there */
	__u32 pad;
	__u64 reserved;
};

/* ---- statistics (per-CPU array, one u64 per counter) ------------------ */

enum iotprof_stat {
	IOTPROF_STAT_PACKETS = 0,	/* packets the programs saw */
	IOTPROF_STAT_RECORDED,		/* packets counted to a flow */
	IOTPROF_STAT_NOT_WATCHED,	/* IP packets of hosts not watched */
	IOTPROF_STAT_NON_IP,		/* ARP, LLDP, ... */
	IOTPROF_STAT_TRUNCATED,		/* header cut short: nothing recorded */
	IOTPROF_STAT_MALFORMED,		/* impossible header values */
	IOTPROF_STAT_FRAGMENTS,		/* IP fragments seen */
	IOTPROF_STAT_FRAG_ORPHAN,	/* later fragment before its first: waits for it */
	IOTPROF_STAT_FLOW_CREATED,	/* new flow records (evictions = created - live) */
	IOTPROF_STAT_FLOW_ERROR,	/* flow record could not be inserted */
	IOTPROF_STAT_FORWARDED_EGRESS,	/* TC egress packets skipped: forwarded, seen at XDP */
	IOTPROF_STAT_APP_PARSED,	/* packets whose application data was parsed */
	IOTPROF_STAT_APP_REJECTED,	/* looked like an application protocol, was not valid */
	IOTPROF_STAT_APP_TRUNCATED,	/* a value was cut at its maximum */
	IOTPROF_STAT_NAMES_LEARNED,	/* address -> name links written */
	IOTPROF_STAT_DENIED,		/* packets dropped by a deny rule */
	IOTPROF_STAT_DENY_EXPIRED,	/* matches of rules whose lease ran out: passed */
	IOTPROF_STAT_EVENTS_LOST,	/* packet records the events ring buffer could not take */
	IOTPROF_STAT__MAX,
};

#define IOTPROF_STAT_NAMES { \
	"packets", "recorded", "not_watched", "non_ip", "truncated", \
	"malformed", "fragments", "frag_orphan", "flows_created", \
	"flow_errors", "forwarded_egress_skipped", "app_parsed", "app_rejected", \
	"app_truncated", "names_learned", "denied", "deny_expired", "events_lost" }

/* ---- interfaces the loader attached to (hash, key = ifindex) ---------- */

enum iotprof_xdp_mode_abi {
	IOTPROF_XDP_NONE = 0,
	IOTPROF_XDP_NATIVE_MULTI,	/* libxdp dispatcher, native */
	IOTPROF_XDP_NATIVE_SINGLE,	/* kernel refused the dispatcher: single program */
	IOTPROF_XDP_GENERIC_MULTI,
	IOTPROF_XDP_GENERIC_SINGLE,
};

struct iotprof_iface {
	char  name[16];
	__u32 ifindex;
	__u8  xdp_mode;		/* enum iotprof_xdp_mode_abi */
	__u8  tc_egress;	/* our TC filter is attached */
	__u8  clsact_created;	/* we created the clsact qdisc: remove it with the last filter */
	__u8  pad;
	__u64 attached_ns;	/* CLOCK_REALTIME */
	__u64 netns;		/* inode of the network namespace: ifindex means nothing elsewhere */
};

/* The TC filter we own on each interface: removed by exactly this pair. */
#define IOTPROF_TC_HANDLE   0x10f
#define IOTPROF_TC_PRIORITY 0x10f

/* ---- offline input (the XDP program's .bss) ------------------------- */

/* Set by `iotprof flows --pcap` before each BPF_PROG_TEST_RUN: the frame
 * handed in may be cut at the capture's snap length, and the kernel's clock
 * is not the capture's. */
struct offline_input {
	__u64 now_ns;		/* capture timestamp (ns since the Unix epoch); 0 live */
	__u32 wire_len;		/* original frame length; 0 live */
	__u32 pad;
};

/* Program names (the loader and tests find them by these). */
#define IOTPROF_PROG_XDP "iotprof_xdp"
#define IOTPROF_PROG_TC  "iotprof_tc_egress"

#endif /* IOTPROF_ABI_H */
