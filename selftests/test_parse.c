// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The parsers and the flow table through BPF_PROG_TEST_RUN, on crafted
 * packets: every header path, fragments, truncation at every length, the
 * watch list and epochs.  The program under test is the real XDP program,
 * run through the offline path exactly as `iotprof flows --pcap` runs it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "check.h"
#include "flows.h"
#include "log.h"
#include "offline.h"
#include "pktbuild.h"
#include "state.h"

struct check_state check_state = { .suite = "bpf-parse" };

#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define TCP_PSH 0x08

static struct offline_run *run_open(const struct iotprof_watch_key *watch, size_t n)
{
	struct offline_opts o = { .flows = 1024, .watch = watch, .n_watch = n };

	return offline_open(&o);
}

static void feed(struct offline_run *r, struct pkt_buf *p)
{
	EXPECT(offline_feed_frame(r, p->b, p->len, p->len, 1000) == 0, "test_run failed");
}

static struct flow_table table_of(struct offline_run *r)
{
	struct flow_table t = {};

	EXPECT(flows_read_map(offline_flows_fd(r), &t) == 0, "reading flows failed");
	return t;
}

/* The record of a flow, found from either of its endpoints; *fwd tells if
 * src is its initiator. */
static const struct flow_entry *find_flow(const struct flow_table *t, __u8 proto,
					  const char *src, __u16 sport,
					  const char *dst, __u16 dport, bool *fwd)
{
	__u8 s[16], d[16], fam;

	addr_parse_ip(src, s, &fam);
	addr_parse_ip(dst, d, &fam);
	for (size_t i = 0; i < t->n; i++) {
		const struct flow_entry *e = &t->v[i];
		bool src_is_lo = !memcmp(e->key.addr_lo, s, 16) && e->key.port_lo == sport &&
				 !memcmp(e->key.addr_hi, d, 16) && e->key.port_hi == dport;
		bool src_is_hi = !memcmp(e->key.addr_hi, s, 16) && e->key.port_hi == sport &&
				 !memcmp(e->key.addr_lo, d, 16) && e->key.port_lo == dport;

		if (e->key.proto != proto || e->key.family != fam || !(src_is_lo || src_is_hi))
			continue;
		if (fwd)
			*fwd = (e->val.initiator == IOTPROF_SIDE_LO) == src_is_lo;
		return e;
	}
	return NULL;
}

static __u64 stat_of(struct offline_run *r, enum iotprof_stat which)
{
	__u64 s[IOTPROF_STAT__MAX];

	stats_read(offline_stats_fd(r), s);
	return s[which];
}

static void tcp4(struct pkt_buf *p, const char *src, __u16 sport, const char *dst, __u16 dport,
		 __u8 flags)
{
	p->len = 0;
	pb_eth(p, 0x0800);
	pb_ipv4(p, src, dst, 6, 1, 0, 0);
	pb_tcp(p, sport, dport, flags);
	pb_finish(p);
}

static void test_tcp4_bidirectional(void)
{
	struct offline_run *r = run_open(NULL, 0);
	struct pkt_buf p;
	struct flow_table t;
	const struct flow_entry *e;
	bool fwd;

	tcp4(&p, "10.0.0.2", 51515, "10.0.0.1", 443, TCP_SYN);
	feed(r, &p);
	tcp4(&p, "10.0.0.1", 443, "10.0.0.2", 51515, TCP_SYN | TCP_ACK);
	feed(r, &p);
	tcp4(&p, "10.0.0.2", 51515, "10.0.0.1", 443, TCP_ACK);
	feed(r, &p);
	t = table_of(r);
	EXPECT_EQ(t.n, 1, "records");
	e = find_flow(&t, 6, "10.0.0.2", 51515, "10.0.0.1", 443, &fwd);
	if (EXPECT(e != NULL, "flow not found")) {
		EXPECT(fwd, "initiator should be 10.0.0.2");
		EXPECT_EQ(e->val.packets[0], 2, "packets initiator->responder");
		EXPECT_EQ(e->val.packets[1], 1, "packets responder->initiator");
		EXPECT_EQ(e->val.bytes[0], 2 * 54, "bytes forward");
		EXPECT_EQ(e->val.tcp_flags[0], TCP_SYN | TCP_ACK, "forward TCP flags");
		EXPECT_EQ(e->val.tcp_flags[1], TCP_SYN | TCP_ACK, "reverse TCP flags");
		EXPECT_EQ(e->val.first_ns, 1000, "first_ns from the capture clock");
		EXPECT_EQ(e->val.app.kind, IOTPROF_APP_NONE, "no app data");
	}
	flows_free(&t);
	offline_close(r);
}

static void test_ipv4_options(void)
{
	struct offline_run *r = run_open(NULL, 0);
	struct pkt_buf p = {};
	struct flow_table t;

	pb_eth(&p, 0x0800);
	pb_ipv4(&p, "192.0.2.1", "192.0.2.2", 17, 7, 0, 10);	/* 40 bytes of options */
	pb_udp(&p, 5000, 53, 0);
	pb_finish(&p);
	feed(r, &p);
	t = table_of(r);
	EXPECT(find_flow(&t, 17, "192.0.2.1", 5000, "192.0.2.2", 53, NULL) != NULL,
	       "UDP behind 40 bytes of IPv4 options not found");
	flows_free(&t);
	offline_close(r);
}

static void vlan_frame(struct pkt_buf *p, int tags)
{
	p->len = 0;
	pb_put(p, MAC_B, 6);
	pb_put(p, MAC_A, 6);
	for (int i = 0; i < tags; i++) {
		pb_u16(p, i == 0 && tags > 1 ? 0x88A8 : 0x8100);
		pb_u16(p, 100 + i);
	}
	pb_u16(p, 0x0800);
	pb_ipv4(p, "192.0.2.1", "192.0.2.2", 17, 7, 0, 0);
	pb_udp(p, 1000 + tags, 2000, 4);
	pb_put(p, "abcd", 4);
	pb_finish(p);
}

static void test_vlan_tags(void)
{
	struct offline_run *r = run_open(NULL, 0);
	struct pkt_buf p;
	struct flow_table t;

	for (int tags = 1; tags <= 3; tags++) {
		vlan_frame(&p, tags);
		feed(r, &p);
	}
	t = table_of(r);
	EXPECT(find_flow(&t, 17, "192.0.2.1", 1001, "192.0.2.2", 2000, NULL) != NULL, "802.1Q");
	EXPECT(find_flow(&t, 17, "192.0.2.1", 1002, "192.0.2.2", 2000, NULL) != NULL,
	       "802.1ad + 802.1Q");
	/* A third tag is beyond IOTPROF_VLAN_MAX_DEPTH: not parsed, not guessed. */
	EXPECT(find_flow(&t, 17, "192.0.2.1", 1003, "192.0.2.2", 2000, NULL) == NULL,
	       "three tags must not be parsed");
	EXPECT_EQ(t.n, 2, "records");
	flows_free(&t);
	offline_close(r);
}

static void ipv6_tcp_with_exts(struct pkt_buf *p)
{
	p->len = 0;
	pb_eth(p, 0x86DD);
	pb_ipv6(p, "2001:db8::1", "2001:db8::2", 0);
	pb_ipv6_ext(p, 43, 0);		/* hop-by-hop -> routing */
	pb_ipv6_ext(p, 60, 1);		/* routing -> destination options */
	pb_ipv6_ext(p, 6, 0);		/* destination options -> TCP */
	pb_tcp(p, 40000, 80, TCP_SYN);
	pb_finish(p);
}

static void test_ipv6_extension_headers(void)
{
	struct offline_run *r = run_open(NULL, 0);
	struct pkt_buf p;
	struct flow_table t;

	ipv6_tcp_with_exts(&p);
	feed(r, &p);
	t = table_of(r);
	EXPECT(find_flow(&t, 6, "2001:db8::1", 40000, "2001:db8::2", 80, NULL) != NULL,
	       "TCP behind hop-by-hop, routing and destination options not found");
	flows_free(&t);
	offline_close(r);
}

static void test_ipv6_ext_chain_bound(void)
{
	struct offline_run *r = run_open(NULL, 0);
	struct pkt_buf p = {};
	struct flow_table t;

	pb_eth(&p, 0x86DD);
	pb_ipv6(&p, "2001:db8::1", "2001:db8::2", 60);
	for (int i = 0; i < IOTPROF_IPV6_EXT_MAX_CHAIN + 1; i++)
		pb_ipv6_ext(&p, i == IOTPROF_IPV6_EXT_MAX_CHAIN ? 17 : 60, 0);
	pb_udp(&p, 1, 2, 0);
	pb_finish(&p);
	feed(r, &p);
	t = table_of(r);
	EXPECT_EQ(t.n, 0, "records past the extension header bound");
	EXPECT_EQ(stat_of(r, IOTPROF_STAT_MALFORMED), 1, "malformed counter");
	flows_free(&t);
	offline_close(r);
}

static void test_ipv4_fragments(void)
{
	struct offline_run *r = run_open(NULL, 0);
	struct pkt_buf p = {};
	struct flow_table t;
	const struct flow_entry *e;

	/* First fragment: UDP header, more fragments follow. */
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, "198.51.100.1", "198.51.100.2", 17, 0x4242, 0x2000, 0);
	pb_udp(&p, 7000, 7001, 2000);
	pb_put(&p, NULL, 1472 - 8);
	pb_finish(&p);
	feed(r, &p);
	/* Later fragment whose payload looks like a UDP header with other
	 * ports: it must count to the datagram's flow, not to 9:9. */
	p.len = 0;
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, "198.51.100.1", "198.51.100.2", 17, 0x4242, 1472 / 8, 0);
	pb_udp(&p, 9, 9, 0);
	pb_put(&p, NULL, 520);
	pb_finish(&p);
	feed(r, &p);
	/* A later fragment whose first never came: no record, counted. */
	p.len = 0;
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, "198.51.100.1", "198.51.100.2", 17, 0x9999, 185, 0);
	pb_put(&p, NULL, 100);
	pb_finish(&p);
	feed(r, &p);

	t = table_of(r);
	EXPECT_EQ(t.n, 1, "records");
	e = find_flow(&t, 17, "198.51.100.1", 7000, "198.51.100.2", 7001, NULL);
	if (EXPECT(e != NULL, "fragmented datagram's flow not found")) {
		EXPECT_EQ(e->val.packets[0], 2, "both fragments counted");
		EXPECT(e->val.flags & IOTPROF_FLOW_F_FRAGMENTS, "fragment flag");
	}
	EXPECT_EQ(stat_of(r, IOTPROF_STAT_FRAG_ORPHAN), 1, "orphan fragments");
	EXPECT_EQ(stat_of(r, IOTPROF_STAT_FRAGMENTS), 3, "fragments");
	flows_free(&t);
	offline_close(r);
}

static void test_ipv6_fragments(void)
{
	struct offline_run *r = run_open(NULL, 0);
	struct pkt_buf p = {};
	struct flow_table t;
	const struct flow_entry *e;

	pb_eth(&p, 0x86DD);
	pb_ipv6(&p, "2001:db8::a", "2001:db8::b", 44);
	pb_ipv6_frag(&p, 17, 0, 1, 77);
	pb_udp(&p, 5353, 5353, 3000);
	pb_put(&p, NULL, 1000);
	pb_finish(&p);
	feed(r, &p);
	p.len = 0;
	pb_eth(&p, 0x86DD);
	pb_ipv6(&p, "2001:db8::a", "2001:db8::b", 44);
	pb_ipv6_frag(&p, 17, 1008 / 8, 0, 77);
	pb_tcp(&p, 1, 2, 0);	/* payload bytes, not a header */
	pb_finish(&p);
	feed(r, &p);
	/* Atomic fragment (offset 0, M clear): a whole datagram. */
	p.len = 0;
	pb_eth(&p, 0x86DD);
	pb_ipv6(&p, "2001:db8::a", "2001:db8::b", 44);
	pb_ipv6_frag(&p, 6, 0, 0, 78);
	pb_tcp(&p, 36951, 80, TCP_SYN);
	pb_finish(&p);
	feed(r, &p);

	t = table_of(r);
	e = find_flow(&t, 17, "2001:db8::a", 5353, "2001:db8::b", 5353, NULL);
	if (EXPECT(e != NULL, "IPv6 fragmented UDP flow not found"))
		EXPECT_EQ(e->val.packets[0], 2, "both IPv6 fragments counted");
	EXPECT(find_flow(&t, 6, "2001:db8::a", 36951, "2001:db8::b", 80, NULL) != NULL,
	       "atomic fragment's TCP flow not found");
	EXPECT_EQ(t.n, 2, "records");
	flows_free(&t);
	offline_close(r);
}

static void test_fragment_overtakes_first(void)
{
	struct offline_run *r = run_open(NULL, 0);
	struct pkt_buf p = {};
	struct flow_table t;
	const struct flow_entry *e;

	/* The last fragment arrives first... */
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, "198.51.100.1", "198.51.100.2", 17, 0x5151, 1480 / 8, 0);
	pb_put(&p, NULL, 200);
	pb_finish(&p);
	feed(r, &p);
	/* ...then the first. */
	p.len = 0;
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, "198.51.100.1", "198.51.100.2", 17, 0x5151, 0x2000, 0);
	pb_udp(&p, 7000, 7001, 1680);
	pb_put(&p, NULL, 1472);
	pb_finish(&p);
	feed(r, &p);
	t = table_of(r);
	e = find_flow(&t, 17, "198.51.100.1", 7000, "198.51.100.2", 7001, NULL);
	if (EXPECT(e != NULL, "datagram's flow not found")) {
		EXPECT_EQ(e->val.packets[0], 2, "the early fragment joins its datagram");
		EXPECT_EQ(e->val.bytes[0], 14 + 20 + 200 + 14 + 20 + 8 + 1472, "bytes of both");
	}
	EXPECT_EQ(t.n, 1, "records");
	flows_free(&t);
	offline_close(r);
}

static void test_ipv6_fragment_then_extension(void)
{
	struct offline_run *r = run_open(NULL, 0);
	struct pkt_buf p = {};
	struct flow_table t;
	const struct flow_entry *e;

	/* Fragment header, then destination options, then UDP: the later
	 * fragment stops at the Fragment header, and must still find it. */
	pb_eth(&p, 0x86DD);
	pb_ipv6(&p, "2001:db8::a", "2001:db8::b", 44);
	pb_ipv6_frag(&p, 60, 0, 1, 99);
	pb_ipv6_ext(&p, 17, 0);
	pb_udp(&p, 4000, 4001, 1200);
	pb_put(&p, NULL, 1000);
	pb_finish(&p);
	feed(r, &p);
	p.len = 0;
	pb_eth(&p, 0x86DD);
	pb_ipv6(&p, "2001:db8::a", "2001:db8::b", 44);
	pb_ipv6_frag(&p, 60, 1016 / 8, 0, 99);
	pb_put(&p, NULL, 200);
	pb_finish(&p);
	feed(r, &p);
	t = table_of(r);
	e = find_flow(&t, 17, "2001:db8::a", 4000, "2001:db8::b", 4001, NULL);
	if (EXPECT(e != NULL, "flow not found"))
		EXPECT_EQ(e->val.packets[0], 2, "both fragments");
	flows_free(&t);
	offline_close(r);
}

static void test_l4_header_in_padding(void)
{
	struct offline_run *r = run_open(NULL, 0);
	struct pkt_buf p = {};
	struct flow_table t;

	/* IPv4 says 24 bytes: only 4 bytes of UDP; the rest of the 60-byte
	 * frame is Ethernet padding, not a UDP header. */
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, "10.0.0.1", "10.0.0.2", 17, 1, 0, 0);
	pb_udp(&p, 7, 8, 0);
	pb_put(&p, NULL, 18);
	p.b[p.ip_off + 3] = 24;		/* total length */
	feed(r, &p);
	t = table_of(r);
	EXPECT_EQ(t.n, 0, "no record from padding bytes");
	EXPECT_EQ(stat_of(r, IOTPROF_STAT_MALFORMED), 1, "malformed counter");
	flows_free(&t);
	offline_close(r);
}

static void test_icmp_and_others(void)
{
	struct offline_run *r = run_open(NULL, 0);
	struct pkt_buf p = {};
	struct flow_table t;
	const struct flow_entry *e;
	bool fwd;

	pb_eth(&p, 0x0800);
	pb_ipv4(&p, "10.1.0.1", "10.1.0.2", 1, 1, 0, 0);
	pb_icmp(&p, 8);
	pb_finish(&p);
	feed(r, &p);
	p.len = 0;
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, "10.1.0.2", "10.1.0.1", 1, 1, 0, 0);
	pb_icmp(&p, 0);
	pb_finish(&p);
	feed(r, &p);
	p.len = 0;
	pb_eth(&p, 0x86DD);
	pb_ipv6(&p, "fe80::1", "ff02::1", 58);
	pb_icmp(&p, 135);
	pb_finish(&p);
	feed(r, &p);
	p.len = 0;	/* GRE: addresses only */
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, "10.1.0.1", "10.1.0.3", 47, 1, 0, 0);
	pb_put(&p, NULL, 8);
	pb_finish(&p);
	feed(r, &p);
	p.len = 0;	/* ARP: not IP */
	pb_eth(&p, 0x0806);
	pb_put(&p, NULL, 28);
	feed(r, &p);

	t = table_of(r);
	e = find_flow(&t, 1, "10.1.0.1", 0, "10.1.0.2", 0, &fwd);
	if (EXPECT(e != NULL, "ICMP flow not found")) {
		EXPECT(fwd, "ICMP initiator");
		EXPECT_EQ(e->val.packets[0], 1, "echo request");
		EXPECT_EQ(e->val.packets[1], 1, "echo reply");
	}
	EXPECT(find_flow(&t, 58, "fe80::1", 0, "ff02::1", 0, NULL) != NULL, "ICMPv6 flow");
	EXPECT(find_flow(&t, 47, "10.1.0.1", 0, "10.1.0.3", 0, NULL) != NULL, "GRE flow");
	EXPECT_EQ(t.n, 3, "records");
	EXPECT_EQ(stat_of(r, IOTPROF_STAT_NON_IP), 1, "non-IP counter");
	flows_free(&t);
	offline_close(r);
}

/* Packets of all records on one 5-tuple (the connection's and its
 * application exchanges'); -1 when a record of another flow exists. */
static long long packets_on_tuple(const struct flow_table *t, __u8 proto, const char *src,
				  __u16 sport, const char *dst, __u16 dport)
{
	long long sum = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct flow_table one = { .v = &t->v[i], .n = 1 };
		const struct flow_entry *e = find_flow(&one, proto, src, sport, dst, dport, NULL);

		if (!e)
			return -1;
		sum += e->val.packets[0] + e->val.packets[1];
	}
	return sum;
}

/* Feeds every prefix of a frame (as a capture cut at that snap length
 * would) and checks that no record appears before the L4 header is whole,
 * and that afterwards every packet counts to the right 5-tuple (to the
 * connection, or to an application record once the payload parses). */
static void truncations(struct pkt_buf *full, __u32 l4_end, __u8 proto, const char *src,
			__u16 sport, const char *dst, __u16 dport)
{
	struct offline_run *r = run_open(NULL, 0);
	long long whole = 0;

	for (__u32 len = 0; len <= full->len; len++) {
		struct flow_table t;

		offline_feed_frame(r, full->b, len, full->len, 1000 + len);
		if (len >= l4_end)
			whole++;
		t = table_of(r);
		if (whole == 0) {
			if (!EXPECT_EQ(t.n, 0, "records before the L4 header is whole"))
				printf("    at length %u of %u\n", len, full->len);
		} else {
			long long got = packets_on_tuple(&t, proto, src, sport, dst, dport);

			if (!EXPECT(t.n <= 2 && got == whole,
				    "length %u: %zu records, %lld packets on the flow, expected %lld",
				    len, t.n, got, whole))
				len = full->len;	/* one report is enough */
		}
		flows_free(&t);
	}
	offline_close(r);
}

static void test_truncation_tcp_ipv6(void)
{
	struct pkt_buf p;

	ipv6_tcp_with_exts(&p);
	pb_put(&p, "GET / HTTP/1.1\r\n\r\n", 18);
	pb_finish(&p);
	/* Ethernet 14 + IPv6 40 + extensions 8 + 16 + 8 + TCP 20 */
	truncations(&p, 14 + 40 + 32 + 20, 6, "2001:db8::1", 40000, "2001:db8::2", 80);
}

static void test_truncation_udp_ipv4_vlan(void)
{
	struct pkt_buf p;

	vlan_frame(&p, 2);
	truncations(&p, 14 + 8 + 20 + 8, 17, "192.0.2.1", 1002, "192.0.2.2", 2000);
}

static void test_watch_list(void)
{
	struct iotprof_watch_key w[2];
	struct offline_run *r;
	struct pkt_buf p;
	struct flow_table t;

	addr_parse_watch("10.0.0.9", &w[0]);
	addr_parse_watch("2001:db8::9", &w[1]);
	r = run_open(w, 2);
	tcp4(&p, "10.0.0.9", 1000, "10.0.0.1", 80, TCP_SYN);	/* watched source */
	feed(r, &p);
	tcp4(&p, "10.0.0.1", 1001, "10.0.0.9", 80, TCP_SYN);	/* watched destination */
	feed(r, &p);
	tcp4(&p, "10.0.0.2", 1002, "10.0.0.1", 80, TCP_SYN);	/* neither */
	feed(r, &p);
	t = table_of(r);
	EXPECT_EQ(t.n, 2, "only flows of the watched host");
	EXPECT(find_flow(&t, 6, "10.0.0.2", 1002, "10.0.0.1", 80, NULL) == NULL,
	       "unwatched flow recorded");
	EXPECT_EQ(stat_of(r, IOTPROF_STAT_NOT_WATCHED), 1, "not-watched counter");
	flows_free(&t);
	offline_close(r);
}

static void test_watch_mac(void)
{
	struct iotprof_watch_key w;
	struct offline_run *r;
	struct pkt_buf p;
	struct flow_table t;

	addr_parse_watch("02:00:00:00:00:0a", &w);	/* MAC_A, every crafted frame's source */
	r = run_open(&w, 1);
	tcp4(&p, "10.0.0.2", 1002, "10.0.0.1", 80, TCP_SYN);
	feed(r, &p);
	t = table_of(r);
	EXPECT_EQ(t.n, 1, "flow of the watched MAC");
	flows_free(&t);
	offline_close(r);
}

static void test_epoch_restarts_counters(void)
{
	struct offline_run *r = run_open(NULL, 0);
	struct iotprof_config cfg;
	struct pkt_buf p;
	struct flow_table t;
	const struct flow_entry *e;
	bool fwd;

	tcp4(&p, "10.0.0.2", 2000, "10.0.0.1", 80, TCP_SYN);
	feed(r, &p);
	feed(r, &p);
	settings_read(offline_settings_fd(r), &cfg);
	cfg.epoch = 7;
	settings_write(offline_settings_fd(r), &cfg);
	tcp4(&p, "10.0.0.1", 80, "10.0.0.2", 2000, TCP_ACK);
	feed(r, &p);
	t = table_of(r);
	e = find_flow(&t, 6, "10.0.0.2", 2000, "10.0.0.1", 80, &fwd);
	if (EXPECT(e != NULL, "flow not found")) {
		EXPECT_EQ(e->val.epoch, 7, "epoch of the record");
		EXPECT_EQ(e->val.packets[0], 0, "old epoch's packets are not in the new trace");
		EXPECT_EQ(e->val.packets[1], 1, "new epoch's packet");
		EXPECT(fwd, "the initiator survives the epoch change");
	}
	flows_free(&t);
	offline_close(r);
}

static void test_multibuffer_frame(void)
{
	struct offline_run *r = run_open(NULL, 0);
	struct pkt_buf p = {};
	struct flow_table t;
	const struct flow_entry *e;

	/* A 9000-byte jumbo frame exceeds one page: the kernel hands the
	 * frags-aware program a multi-buffer xdp_buff. */
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, "10.9.0.1", "10.9.0.2", 17, 1, 0, 0);
	pb_udp(&p, 4000, 4001, 9000 - 42);
	pb_put(&p, NULL, 9000 - 42);
	pb_finish(&p);
	feed(r, &p);
	t = table_of(r);
	e = find_flow(&t, 17, "10.9.0.1", 4000, "10.9.0.2", 4001, NULL);
	if (EXPECT(e != NULL, "jumbo frame's flow not found"))
		EXPECT_EQ(e->val.bytes[0], 9000, "bytes of a multi-buffer frame");
	flows_free(&t);
	offline_close(r);
}

int main(void)
{
	struct offline_run *probe;

	if (geteuid() != 0) {
		printf("SKIP: bpf-parse: needs root for BPF_PROG_TEST_RUN\n");
		return 0;
	}
	log_quiet = true;
	log_hook_libraries();
	probe = run_open(NULL, 0);
	if (!probe) {
		printf("FAIL: bpf-parse load: the XDP program does not load on this kernel\n");
		return 1;
	}
	offline_close(probe);

	RUN(test_tcp4_bidirectional);
	RUN(test_ipv4_options);
	RUN(test_vlan_tags);
	RUN(test_ipv6_extension_headers);
	RUN(test_ipv6_ext_chain_bound);
	RUN(test_ipv4_fragments);
	RUN(test_ipv6_fragments);
	RUN(test_fragment_overtakes_first);
	RUN(test_ipv6_fragment_then_extension);
	RUN(test_l4_header_in_padding);
	RUN(test_icmp_and_others);
	RUN(test_truncation_tcp_ipv6);
	RUN(test_truncation_udp_ipv4_vlan);
	RUN(test_watch_list);
	RUN(test_watch_mac);
	RUN(test_epoch_restarts_counters);
	RUN(test_multibuffer_frame);
	return check_state.cases_failed ? 1 : 0;
}
