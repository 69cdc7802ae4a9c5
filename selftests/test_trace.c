// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A trace's Flow IDs (user/trace.c) from crafted packets run through the
 * real XDP program: the Forest paper's step 1 and 2.  Control-plane packets
 * (ICMP, DHCP, TCP and TLS handshakes) make no Flow ID unless kept; the
 * source is who sent the first data-plane packet; a DNS Flow ID is the
 * first question; a URI's query becomes a prefix; a client's port that one
 * socket kept through the traces is no evidence.
 */
#include "app_test.h"
#include "flowid.h"
#include "trace.h"

struct check_state check_state = { .suite = "trace" };

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

/* The Flow IDs of what was fed since reset(), for the device DEV. */
static void flowids(struct flowid_set *out, bool keep_control, int eph_lo, int eph_hi)
{
	struct trace_hosts h = { .keep_control = keep_control, .client_port_lo = eph_lo, .client_port_hi = eph_hi };
	struct flow_table t = table();

	memset(out, 0, sizeof(*out));
	EXPECT(trace_hosts_add(&h, DEV) == 0, "hosts");
	EXPECT(trace_flowids(&t, offline_name_strings_fd(R), &h, out) == 0, "trace_flowids");
	flows_free(&t);
}

static void bare(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t flags)
{
	struct pkt_buf f;

	ab_tcp_bare(&f, src, sport, dst, dport, flags);
	feed(&f);
}

static void data(uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport, const char *text)
{
	struct pkt_buf m = {};

	pb_put(&m, text, strlen(text));
	send_app(proto, src, sport, dst, dport, &m);
}

static void handshake(uint16_t cport, uint16_t sport)
{
	bare(DEV, cport, SRV, sport, TCP_SYN);
	bare(SRV, sport, DEV, cport, TCP_SYN | TCP_ACK);
	bare(DEV, cport, SRV, sport, TCP_ACK);
}

static const struct flowid *only(const struct flowid_set *s)
{
	EXPECT_EQ(s->n, 1, "Flow IDs");
	return s->n == 1 ? &s->v[0] : NULL;
}

static void test_tcp_handshake_is_control(void)
{
	struct flowid_set s;

	reset();
	handshake(40000, 443);
	bare(DEV, 40000, SRV, 443, TCP_FIN | TCP_ACK);
	bare(SRV, 443, DEV, 40000, TCP_RST);
	flowids(&s, false, 0, 0);
	EXPECT_EQ(s.n, 0, "a connection without data makes no Flow ID");
	flowid_set_free(&s);
	flowids(&s, true, 0, 0);
	EXPECT_EQ(s.n, 1, "control-plane: keep makes it one");
	flowid_set_free(&s);

	/* bare acknowledgements inside a connection are no data either */
	reset();
	bare(SRV, 443, DEV, 40000, TCP_ACK);
	bare(DEV, 40000, SRV, 443, TCP_ACK);
	flowids(&s, false, 0, 0);
	EXPECT_EQ(s.n, 0, "bare ACKs make no Flow ID");
	flowid_set_free(&s);
}

static void test_tcp_data_and_source(void)
{
	const struct flowid *f;
	struct flowid_set s;

	/* The client opens; the server speaks first (a banner): the source
	 * is who sent the first data-plane packet, the paper's definition. */
	reset();
	handshake(40001, 2525);
	data(6, SRV, 2525, DEV, 40001, "220 ready\r\n");
	data(6, DEV, 40001, SRV, 2525, "HELO x\r\n");
	flowids(&s, false, 0, 0);
	if ((f = only(&s))) {
		EXPECT(!strcmp(f->src, SRV) && !strcmp(f->dst, DEV), "source %s, destination %s", f->src, f->dst);
		EXPECT(f->sport == 2525 && f->dport == 40001, "ports as seen: %d %d", f->sport, f->dport);
	}
	flowid_set_free(&s);

	/* An anonymised capture: payloads cut, PSH kept (the Forest dataset's
	 * TP-Link port 9999 traffic). */
	reset();
	handshake(40002, 9999);
	bare(DEV, 40002, SRV, 9999, TCP_PSH | TCP_ACK);
	flowids(&s, false, 0, 0);
	if ((f = only(&s)))
		EXPECT(!strcmp(f->src, DEV) && f->dport == 9999, "a PSH segment without payload is data");
	flowid_set_free(&s);
}

static void test_tcp_mid_connection(void)
{
	const struct flowid *f;
	struct flowid_set s;

	/* No SYN in the trace: one connection outlives it; its client's port
	 * (the higher one) is no evidence, the server's stays. */
	reset();
	data(6, SRV, 8886, DEV, 18581, "x");
	data(6, DEV, 18581, SRV, 8886, "y");
	flowids(&s, false, 0, 0);
	if ((f = only(&s)))
		EXPECT(!strcmp(f->src, SRV) && f->sport == 8886 && f->dport == FLOWID_PORT_ANY,
		       "server first, client port a wildcard: %s:%d -> %s:%d", f->src, f->sport, f->dst, f->dport);
	flowid_set_free(&s);
}

static void test_tls_handshake(void)
{
	struct ab_hello no_sni = {}, sni = { .sni = "cloud.example" };
	static const char server_hello[] = "\x16\x03\x03\x00\x04\x02\x00\x00\x00";
	static const char ccs[] = "\x14\x03\x03\x00\x01\x01";
	struct pkt_buf m = {};
	const struct flowid *f;
	struct flowid_set s;

	/* A ClientHello without SNI, a ServerHello and change_cipher_spec:
	 * the handshake alone, no Flow ID. */
	reset();
	handshake(40003, 443);
	ab_tls_client_hello(&m, &no_sni);
	send_app(6, DEV, 40003, SRV, 443, &m);
	m.len = 0;
	pb_put(&m, server_hello, sizeof(server_hello) - 1);
	send_app(6, SRV, 443, DEV, 40003, &m);
	m.len = 0;
	pb_put(&m, ccs, sizeof(ccs) - 1);
	send_app(6, SRV, 443, DEV, 40003, &m);
	flowids(&s, false, 0, 0);
	EXPECT_EQ(s.n, 0, "a TLS handshake without SNI makes no Flow ID");
	flowid_set_free(&s);

	/* A ClientHello naming its server is data: a Flow ID to the name. */
	reset();
	handshake(40004, 443);
	ab_tls_client_hello(&m, &sni);
	send_app(6, DEV, 40004, SRV, 443, &m);
	flowids(&s, false, 0, 0);
	if ((f = only(&s)))
		EXPECT(!strcmp(f->dst, "cloud.example") && f->dport == 443, "to %s:%d", f->dst, f->dport);
	flowid_set_free(&s);
}

static void test_http_exchange(void)
{
	struct flowid_set s;

	/* A request and its response: one Flow ID, the request's; the
	 * status line belongs to it.  The query becomes a prefix. */
	reset();
	handshake(40005, 80);
	data(6, DEV, 40005, SRV, 80, "POST /app/request?token=42 HTTP/1.1\r\nHost: s\r\n\r\n");
	data(6, SRV, 80, DEV, 40005, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	flowids(&s, false, 0, 0);
	if (only(&s)) {
		EXPECT(s.v[0].app_kind == IOTPROF_APP_HTTP && !strcmp(s.v[0].app_a, "POST"), "the request");
		EXPECT(!strcmp(s.v[0].app_b, "/app/request*"), "the URI with its query as a prefix: %s", s.v[0].app_b);
	}
	flowid_set_free(&s);

	/* Segments of the connection that are neither (a body in a segment of
	 * its own): the connection is a Flow ID beside its request. */
	data(6, SRV, 80, DEV, 40005, "{\"more\": \"body\"}");
	flowids(&s, false, 0, 0);
	EXPECT_EQ(s.n, 2, "the request and the connection's other data");
	flowid_set_free(&s);
}

static void test_icmp_dhcp(void)
{
	struct pkt_buf f = {}, m = {};
	struct flowid_set s;

	reset();
	pb_eth(&f, 0x0800);
	pb_ipv4(&f, DEV, SRV, 1, 1, 0, 0);
	pb_icmp(&f, 8);
	pb_finish(&f);
	feed(&f);
	pb_put(&m, "\x01\x01\x06\x00", 4);
	send_app(17, "0.0.0.0", 68, "255.255.255.255", 67, &m);
	send_app(17, "192.168.1.1", 67, DEV, 68, &m);
	send_app(17, "fe80::2", 546, "ff02::1:2", 547, &m);
	flowids(&s, false, 0, 0);
	EXPECT_EQ(s.n, 0, "ICMP and DHCP make no Flow ID");
	flowid_set_free(&s);
	flowids(&s, true, 0, 0);
	EXPECT(s.n >= 2, "control-plane: keep keeps ICMP and DHCP (%zu)", s.n);
	flowid_set_free(&s);
}

static void test_dns_first_question(void)
{
	struct pkt_buf m = {};
	struct flowid_set s;

	reset();
	ab_dns_hdr(&m, 7, 0, 3, 0, 0, 0);
	ab_dns_question(&m, "a._hap._tcp.local", 255);
	ab_dns_question(&m, "b._hap._tcp.local", 255);
	ab_dns_question(&m, "c._hap._tcp.local", 255);
	send_app(17, DEV, 5353, "224.0.0.251", 5353, &m);
	flowids(&s, false, 0, 0);
	if (only(&s))
		EXPECT(!strcmp(s.v[0].app_a, "a._hap._tcp.local"), "the first question: %s", s.v[0].app_a);
	flowid_set_free(&s);
}

static void test_client_ports(void)
{
	struct flowid_set s;

	/* A UDP socket's port in the ephemeral range is no evidence; the
	 * other end's port is kept as seen (the signature decides). */
	reset();
	data(17, DEV, 48087, "255.255.255.255", 7000, "hello");
	flowids(&s, false, 32768, 65535);
	if (only(&s))
		EXPECT(s.v[0].sport == FLOWID_PORT_ANY && s.v[0].dport == 7000, "client port %d", s.v[0].sport);
	flowid_set_free(&s);
	flowids(&s, false, 0, 0);
	if (only(&s))
		EXPECT_EQ(s.v[0].sport, 48087, "no ephemeral range: the port as seen");
	flowid_set_free(&s);
}

int main(void)
{
	int status = app_suite_open("trace");

	if (status >= 0)
		return status;
	RUN(test_tcp_handshake_is_control);
	RUN(test_tcp_data_and_source);
	RUN(test_tcp_mid_connection);
	RUN(test_tls_handshake);
	RUN(test_http_exchange);
	RUN(test_icmp_dhcp);
	RUN(test_dns_first_question);
	RUN(test_client_ports);
	offline_close(R);
	return check_state.cases_failed ? 1 : 0;
}
