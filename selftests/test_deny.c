// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Deny rules without a network: specs are checked, rules installed through
 * the code `iotprof deny` uses, and the XDP program's verdict read from
 * BPF_PROG_TEST_RUN on crafted packets.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "check.h"
#include "deny.h"
#include "flows.h"
#include "log.h"
#include "names.h"
#include "offline.h"
#include "appbuild.h"

struct check_state check_state = { .suite = "deny" };

#define XDP_DROP 1
#define XDP_PASS 2

static struct offline_run *R;
static struct deny_maps DM;

static void fresh_run(void)
{
	struct offline_opts o = {};

	offline_close(R);
	R = offline_open(&o);
	DM = (struct deny_maps){ .masks_fd = offline_deny_masks_fd(R), .rules_fd = offline_deny_rules_fd(R),
				 .leases_fd = offline_deny_leases_fd(R), .lock_fd = -1,
				 .settings_fd = offline_settings_fd(R),
				 .strings_fd = offline_name_strings_fd(R) };
}

/* The verdict on one TCP segment. */
static __u32 verdict_tcp(const char *src, __u16 sport, const char *dst, __u16 dport)
{
	struct pkt_buf p = {};

	if (strchr(src, ':')) {
		pb_eth(&p, 0x86DD);
		pb_ipv6(&p, src, dst, 6);
	} else {
		pb_eth(&p, 0x0800);
		pb_ipv4(&p, src, dst, 6, 1, 0, 0);
	}
	pb_tcp(&p, sport, dport, 0x02);
	pb_finish(&p);
	offline_feed_frame(R, p.b, p.len, p.len, 1);
	return offline_last_verdict(R);
}

static int add(const char *src, const char *dst, const char *proto, const char *dport)
{
	struct deny_spec s = { .lease_ns = 60ull * 1000000000ull };

	if ((src && deny_spec_host(&s, true, src)) || (dst && deny_spec_host(&s, false, dst)) ||
	    (proto && deny_spec_proto(&s, proto)) || (dport && deny_spec_port(&s, false, dport)))
		return -EINVAL;
	return deny_add(&DM, &s);
}

static void test_spec_refusals(void)
{
	struct deny_spec s = {};

	EXPECT(deny_spec_host(&s, true, "10.0.0.0/33") == -EINVAL, "/33 refused");
	EXPECT(deny_spec_host(&s, true, "fd00::/129") == -EINVAL, "/129 refused");
	EXPECT(deny_spec_host(&s, true, "-bad.example") == -EINVAL, "bad name refused");
	EXPECT(deny_spec_port(&s, false, "70000") == -EINVAL, "port 70000 refused");
	EXPECT(deny_spec_proto(&s, "sctpx") == -EINVAL, "unknown protocol refused");
	EXPECT(deny_spec_host(&s, true, "10.0.0.1") == 0 && deny_spec_host(&s, false, "fd00::1") == -EINVAL,
	       "mixed families refused");
	memset(&s, 0, sizeof(s));
	EXPECT(deny_spec_from_flow_json(&s, "{\"src\":null,\"bogus\":1}", "t") == -EINVAL, "unknown member");
	EXPECT(deny_spec_from_flow_json(&s, "[1,2]", "t") == -EINVAL, "not an object");
	EXPECT(deny_spec_from_flow_json(&s, "{\"app\":{\"smtp\":{}}}", "t") == -EINVAL,
	       "unknown application protocol");
	memset(&s, 0, sizeof(s));
	EXPECT(deny_spec_from_flow_json(&s, "{\"app\":{\"dns\":{\"qname\":\"*.-x\"}}}", "t") == -EINVAL,
	       "a bad suffix");
	memset(&s, 0, sizeof(s));
	EXPECT(deny_spec_from_flow_json(&s, "{\"src\":\"10.1.0.0/16\",\"dst\":null,\"proto\":\"udp\","
				       "\"sport\":null,\"dport\":53,\"app\":null}", "t") == 0, "a Flow ID");
	EXPECT(s.fields == (IOTPROF_DENY_SRC | IOTPROF_DENY_PROTO | IOTPROF_DENY_DPORT) &&
	       s.src_prefix == 16 && s.proto == 17 && s.dport == 53, "fields of the Flow ID 0x%x", s.fields);
}

static void test_port_rule_both_directions(void)
{
	fresh_run();
	EXPECT_EQ(verdict_tcp("10.0.0.2", 40000, "10.0.0.1", 443), XDP_PASS, "no rule yet");
	EXPECT(add(NULL, "10.0.0.1", "tcp", "443") > 0, "rule added");
	EXPECT_EQ(verdict_tcp("10.0.0.2", 40000, "10.0.0.1", 443), XDP_DROP, "to the port");
	EXPECT_EQ(verdict_tcp("10.0.0.1", 443, "10.0.0.2", 40000), XDP_DROP, "the reply too");
	EXPECT_EQ(verdict_tcp("10.0.0.2", 40000, "10.0.0.1", 80), XDP_PASS, "another port");
	EXPECT_EQ(verdict_tcp("10.0.0.2", 40000, "10.0.0.3", 443), XDP_PASS, "another host");
}

static void test_prefix_and_ipv6(void)
{
	fresh_run();
	EXPECT(add(NULL, "192.0.2.0/30", NULL, NULL) > 0, "prefix rule");
	EXPECT_EQ(verdict_tcp("10.0.0.2", 1, "192.0.2.3", 80), XDP_DROP, "inside the prefix");
	EXPECT_EQ(verdict_tcp("10.0.0.2", 1, "192.0.2.4", 80), XDP_PASS, "outside the prefix");
	EXPECT(add("fd00::/64", NULL, "tcp", NULL) > 0, "IPv6 prefix rule");
	EXPECT_EQ(verdict_tcp("fd00::9", 1, "2001:db8::1", 80), XDP_DROP, "IPv6 inside");
	EXPECT_EQ(verdict_tcp("fd01::9", 1, "2001:db8::1", 80), XDP_PASS, "IPv6 outside");
}

static void test_name_learned_after_rule(void)
{
	__u8 a[16], fam;

	fresh_run();
	EXPECT(add(NULL, "cloud.example", NULL, NULL) > 0, "name rule");
	EXPECT_EQ(verdict_tcp("10.0.0.2", 1, "198.51.100.9", 443), XDP_PASS, "address not known yet");
	addr_parse_ip("198.51.100.9", a, &fam);
	EXPECT(names_link(offline_names_fd(R), offline_name_strings_fd(R), fam, a, "Cloud.Example",
			  IOTPROF_NAME_IMPORT) == 0, "link");
	EXPECT_EQ(verdict_tcp("10.0.0.2", 1, "198.51.100.9", 443), XDP_DROP, "learned after the rule");
}

static void test_duplicates_masks_and_removal(void)
{
	int id, err;
	char prefix[24];

	fresh_run();
	id = add(NULL, "10.9.0.1", "tcp", "22");
	EXPECT(id > 0, "rule added");
	EXPECT(add(NULL, "10.9.0.1", "tcp", "22") == -EEXIST, "the same rule twice refused");
	/* 7 more asymmetric shapes take the other 14 masks (2 each)... */
	for (int i = 0; i < 7; i++) {
		snprintf(prefix, sizeof(prefix), "10.8.0.0/%d", 24 - i);
		EXPECT(add(NULL, prefix, NULL, NULL) > 0, "shape %d", i);
	}
	/* ...so a ninth shape finds no mask, and leaves nothing behind. */
	err = add("10.7.0.1", NULL, "udp", NULL);
	EXPECT(err == -ENOSPC, "too many masks: %d", err);
	EXPECT_EQ(verdict_tcp("10.9.0.2", 5, "10.9.0.1", 22), XDP_DROP, "rule 1 still works");
	EXPECT(deny_del(&DM, id) == 0, "del");
	EXPECT(deny_del(&DM, id) == -ENOENT, "del twice");
	EXPECT_EQ(verdict_tcp("10.9.0.2", 5, "10.9.0.1", 22), XDP_PASS, "deleted rule passes");
	EXPECT(add("10.7.0.1", NULL, "udp", NULL) > 0, "a freed mask is taken again");
	EXPECT(deny_flush(&DM) == 0, "flush");
	EXPECT_EQ(verdict_tcp("10.9.0.2", 5, "10.8.0.1", 80), XDP_PASS, "flushed");
}

static void test_blocked_packets_recorded(void)
{
	struct flow_table t = {};

	fresh_run();
	EXPECT(add(NULL, "10.0.0.1", "tcp", "443") > 0, "rule");
	verdict_tcp("10.0.0.2", 40000, "10.0.0.1", 443);
	verdict_tcp("10.0.0.2", 40000, "10.0.0.1", 443);
	flows_read_map(offline_flows_fd(R), &t);
	if (EXPECT(t.n == 1, "one record")) {
		EXPECT_EQ(t.v[0].val.packets[0], 2, "packets still counted");
		EXPECT_EQ(t.v[0].val.blocked, 2, "blocked counter");
	}
	flows_free(&t);
}

static __u32 verdict_app(__u8 proto, const char *src, __u16 sport, const char *dst, __u16 dport,
			 const struct pkt_buf *payload)
{
	struct pkt_buf f;

	ab_wrap(&f, proto, src, sport, dst, dport, payload->b, payload->len);
	offline_feed_frame(R, f.b, f.len, f.len, 1);
	return offline_last_verdict(R);
}

static int add_spec(struct deny_spec *s)
{
	s->lease_ns = 60ull * 1000000000ull;
	return deny_add(&DM, s);
}

static void test_dns_name_rule(void)
{
	struct deny_spec s = {};
	struct pkt_buf m;

	fresh_run();
	EXPECT(deny_spec_dns(&s, "blocked.example", NULL) == 0 && add_spec(&s) > 0, "rule");
	ab_dns_query(&m, 1, "blocked.example", 1);
	EXPECT_EQ(verdict_app(17, "10.0.0.2", 40000, "10.0.0.1", 53, &m), XDP_DROP, "the name");
	ab_dns_query(&m, 2, "Blocked.EXAMPLE", 28);
	EXPECT_EQ(verdict_app(17, "10.0.0.2", 40001, "10.0.0.1", 53, &m), XDP_DROP, "any case, any type");
	ab_dns_query(&m, 3, "other.example", 1);
	EXPECT_EQ(verdict_app(17, "10.0.0.2", 40002, "10.0.0.1", 53, &m), XDP_PASS, "another name");
	memset(&s, 0, sizeof(s));
	EXPECT(deny_spec_dns(&s, "v6only.example", "AAAA") == 0 && add_spec(&s) > 0, "typed rule");
	ab_dns_query(&m, 4, "v6only.example", 1);
	EXPECT_EQ(verdict_app(17, "10.0.0.2", 40003, "10.0.0.1", 53, &m), XDP_PASS, "other type");
	ab_dns_query(&m, 5, "v6only.example", 28);
	EXPECT_EQ(verdict_app(17, "10.0.0.2", 40004, "10.0.0.1", 53, &m), XDP_DROP, "the type");
}

static void test_dns_suffix_and_uri_prefix(void)
{
	struct deny_spec s = {};
	struct pkt_buf m = {};

	fresh_run();
	EXPECT(deny_spec_dns(&s, "*.tracker.example", NULL) == 0 && add_spec(&s) > 0, "suffix rule");
	ab_dns_query(&m, 1, "a.b.Tracker.example", 1);
	EXPECT_EQ(verdict_app(17, "10.0.0.2", 40000, "10.0.0.1", 53, &m), XDP_DROP, "below the suffix");
	ab_dns_query(&m, 2, "tracker.example", 1);
	EXPECT_EQ(verdict_app(17, "10.0.0.2", 40001, "10.0.0.1", 53, &m), XDP_PASS, "the suffix itself");
	ab_dns_query(&m, 3, "nottracker.example", 1);
	EXPECT_EQ(verdict_app(17, "10.0.0.2", 40002, "10.0.0.1", 53, &m), XDP_PASS, "not a label boundary");
	memset(&s, 0, sizeof(s));
	EXPECT(deny_spec_http(&s, NULL, "/api/v1/*") == 0 && add_spec(&s) > 0, "prefix rule");
	m.len = 0;
	pb_put(&m, "GET /api/v1/state HTTP/1.1\r\n\r\n", 30);
	EXPECT_EQ(verdict_app(6, "10.0.0.2", 42000, "10.0.0.1", 80, &m), XDP_DROP, "under the prefix");
	m.len = 0;
	pb_put(&m, "GET /api/v2/state HTTP/1.1\r\n\r\n", 30);
	EXPECT_EQ(verdict_app(6, "10.0.0.2", 42001, "10.0.0.1", 80, &m), XDP_PASS, "another prefix");
	m.len = 0;
	pb_put(&m, "GET /api HTTP/1.1\r\n\r\n", 21);
	EXPECT_EQ(verdict_app(6, "10.0.0.2", 42002, "10.0.0.1", 80, &m), XDP_PASS, "shorter than the prefix");
}

static void test_sni_rule_blocks_the_connection(void)
{
	struct ab_hello h = { .sni = "api.example" };
	struct deny_spec s = {};
	struct pkt_buf m, f;

	fresh_run();
	EXPECT(deny_spec_sni(&s, "api.example") == 0 && add_spec(&s) > 0, "rule");
	ab_tcp_bare(&f, "10.0.0.2", 41000, "192.0.2.7", 443, 0x02);
	offline_feed_frame(R, f.b, f.len, f.len, 1);
	EXPECT_EQ(offline_last_verdict(R), XDP_PASS, "the SYN (no name yet)");
	ab_tls_client_hello(&m, &h);
	EXPECT_EQ(verdict_app(6, "10.0.0.2", 41000, "192.0.2.7", 443, &m), XDP_DROP, "the ClientHello");
	ab_tcp_bare(&f, "192.0.2.7", 443, "10.0.0.2", 41000, 0x10);
	offline_feed_frame(R, f.b, f.len, f.len, 1);
	EXPECT_EQ(offline_last_verdict(R), XDP_DROP, "the connection's later packets");
	h.sni = "cdn.example";
	ab_tls_client_hello(&m, &h);
	EXPECT_EQ(verdict_app(6, "10.0.0.2", 41001, "192.0.2.7", 443, &m), XDP_PASS, "another name");

	/* The server's address is now named api.example (SNI above): a
	 * connection that sends no SNI is still not an SNI match. */
	h.sni = NULL;
	ab_tls_client_hello(&m, &h);
	EXPECT_EQ(verdict_app(6, "10.0.0.2", 41002, "192.0.2.7", 443, &m), XDP_PASS, "ClientHello without SNI");
	ab_tcp_bare(&f, "192.0.2.7", 443, "10.0.0.2", 41002, 0x10);
	offline_feed_frame(R, f.b, f.len, f.len, 1);
	EXPECT_EQ(offline_last_verdict(R), XDP_PASS, "its later packets");
}

static void test_app_rule_for_unwatched_host(void)
{
	struct iotprof_watch_key w;
	struct offline_opts o = { .watch = &w, .n_watch = 1 };
	struct deny_spec s = {};
	struct pkt_buf m;

	addr_parse_watch("10.0.0.99", &w);	/* someone else */
	offline_close(R);
	R = offline_open(&o);
	DM = (struct deny_maps){ .masks_fd = offline_deny_masks_fd(R), .rules_fd = offline_deny_rules_fd(R),
				 .leases_fd = offline_deny_leases_fd(R), .lock_fd = -1,
				 .settings_fd = offline_settings_fd(R),
				 .strings_fd = offline_name_strings_fd(R) };
	EXPECT(deny_spec_dns(&s, "blocked.example", NULL) == 0 && add_spec(&s) > 0, "rule");
	ab_dns_query(&m, 1, "blocked.example", 1);
	EXPECT_EQ(verdict_app(17, "10.0.0.2", 40000, "10.0.0.1", 53, &m), XDP_DROP,
		  "rules on application data hold for hosts not watched");
}

static void test_http_and_coap_rules(void)
{
	static const uint8_t token[2] = { 7, 7 };
	struct deny_spec s = {};
	struct pkt_buf m = {};
	uint32_t last = 0;

	fresh_run();
	EXPECT(deny_spec_http(&s, "GET", "/secret") == 0 && add_spec(&s) > 0, "HTTP rule");
	pb_put(&m, "GET /secret HTTP/1.1\r\nHost: h\r\n\r\n", 34);
	EXPECT_EQ(verdict_app(6, "10.0.0.2", 42000, "10.0.0.1", 80, &m), XDP_DROP, "GET /secret");
	m.len = 0;
	pb_put(&m, "POST /secret HTTP/1.1\r\nHost: h\r\n\r\n", 35);
	EXPECT_EQ(verdict_app(6, "10.0.0.2", 42001, "10.0.0.1", 80, &m), XDP_PASS, "POST /secret");
	m.len = 0;
	pb_put(&m, "GET /public HTTP/1.1\r\nHost: h\r\n\r\n", 34);
	EXPECT_EQ(verdict_app(6, "10.0.0.2", 42002, "10.0.0.1", 80, &m), XDP_PASS, "GET /public");

	memset(&s, 0, sizeof(s));
	EXPECT(deny_spec_coap(&s, "CON", "0.01", "/a/b") == 0 && add_spec(&s) > 0, "CoAP rule");
	ab_coap_hdr(&m, AB_COAP_CON, AB_COAP_GET, 1, token, 2);
	ab_coap_str(&m, &last, 11, "a");
	ab_coap_str(&m, &last, 11, "b");
	EXPECT_EQ(verdict_app(17, "10.0.0.2", 43000, "10.0.0.1", 5683, &m), XDP_DROP, "CON GET /a/b");
	last = 0;
	ab_coap_hdr(&m, AB_COAP_CON, AB_COAP_GET, 2, token, 2);
	ab_coap_str(&m, &last, 11, "a");
	ab_coap_str(&m, &last, 11, "c");
	EXPECT_EQ(verdict_app(17, "10.0.0.2", 43000, "10.0.0.1", 5683, &m), XDP_PASS, "CON GET /a/c");
}

static void test_expired_lease_passes(void)
{
	struct deny_spec s = { .lease_ns = 1 };	/* over before any packet */
	int id;

	fresh_run();
	EXPECT(deny_spec_host(&s, false, "10.0.0.1") == 0 && deny_add(&DM, &s) > 0, "rule");
	usleep(1000);
	EXPECT_EQ(verdict_tcp("10.0.0.2", 40000, "10.0.0.1", 443), XDP_PASS, "an expired rule is ignored");
	/* A new controller gives the same rule again: it replaces the dead one. */
	s.lease_ns = 60ull * 1000000000ull;
	id = deny_add(&DM, &s);
	EXPECT(id > 0, "the same rule again after its lease ran out: %d", id);
	EXPECT_EQ(verdict_tcp("10.0.0.2", 40000, "10.0.0.1", 443), XDP_DROP, "blocks again");
}

static void test_renew_keeps_counters(void)
{
	struct deny_spec s = { .lease_ns = 60ull * 1000000000ull };
	int id;

	fresh_run();
	EXPECT(deny_spec_host(&s, false, "10.0.0.1") == 0, "spec");
	id = deny_add(&DM, &s);
	verdict_tcp("10.0.0.2", 40000, "10.0.0.1", 443);
	verdict_tcp("10.0.0.2", 40000, "10.0.0.1", 443);
	EXPECT(deny_renew(&DM, id, 120ull * 1000000000ull, 1) == 0, "renew");
	verdict_tcp("10.0.0.2", 40000, "10.0.0.1", 443);
	{
		struct iotprof_deny_key k, next;
		struct iotprof_deny_rule r;
		__u64 packets = 0;
		void *prev = NULL;

		while (bpf_map_get_next_key(DM.rules_fd, prev, &next) == 0) {
			if (!bpf_map_lookup_elem(DM.rules_fd, &next, &r) && r.id == (__u32)id)
				packets += r.packets;
			k = next;
			prev = &k;
		}
		EXPECT_EQ(packets, 3, "drops counted across a renewal");
	}
	EXPECT(deny_renew(&DM, 999, 1, 1) == -ENOENT, "renewing no rule");
}

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP: deny: needs root for BPF_PROG_TEST_RUN\n");
		return 0;
	}
	{
		/* A kernel that refuses the programs is one failure with its
		 * reason, not a crash in every case. */
		struct offline_opts o = {};
		struct offline_run *probe = offline_open(&o);

		if (!probe) {
			printf("FAIL: deny: the BPF programs did not load (see the verifier's message above)\n");
			return 1;
		}
		offline_close(probe);
	}
	log_quiet = true;
	log_hook_libraries();
	RUN(test_spec_refusals);
	RUN(test_port_rule_both_directions);
	RUN(test_prefix_and_ipv6);
	RUN(test_name_learned_after_rule);
	RUN(test_duplicates_masks_and_removal);
	RUN(test_blocked_packets_recorded);
	RUN(test_expired_lease_passes);
	RUN(test_renew_keeps_counters);
	RUN(test_dns_name_rule);
	RUN(test_dns_suffix_and_uri_prefix);
	RUN(test_sni_rule_blocks_the_connection);
	RUN(test_app_rule_for_unwatched_host);
	RUN(test_http_and_coap_rules);
	offline_close(R);
	return check_state.cases_failed ? 1 : 0;
}
