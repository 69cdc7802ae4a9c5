// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The DNS parser and the names map through BPF_PROG_TEST_RUN, on crafted
 * messages: name length limits, compression pointers (good, into the
 * header, forward, looping), label types, responses joining their query's
 * record, CNAME chains, the answer bound, DNS over TCP, mDNS, and the
 * address -> name links a response leaves for later flows.
 */
#include "app_test.h"

struct check_state check_state = { .suite = "bpf-app" };

#define CLIENT "10.0.0.2"
#define RESOLVER "10.0.0.1"

/* Sends a DNS message from the client (query) or the resolver (response). */
static void dns_udp(const struct pkt_buf *msg, bool from_client, uint16_t cport)
{
	if (from_client)
		send_app(17, CLIENT, cport, RESOLVER, 53, msg);
	else
		send_app(17, RESOLVER, 53, CLIENT, cport, msg);
}

/* One query that must be refused: no DNS record, one rejection, and the
 * packet still counted (to the connection's record). */
static void expect_rejected(const struct pkt_buf *msg, const char *what)
{
	struct flow_table t;

	reset();
	dns_udp(msg, true, 40000);
	t = table();
	if (EXPECT(app_count(&t, IOTPROF_APP_DNS) == 0, "%s: a DNS record was made (qname \"%s\")",
		   what, t.n ? t.v[0].val.app.dns.qname : ""))
		EXPECT(t.n == 1 && conn_rec(&t, 40000) != NULL,
		       "%s: the packet was not counted to the connection's record", what);
	EXPECT_EQ(stat_delta(IOTPROF_STAT_APP_REJECTED), 1, "rejections");
	flows_free(&t);
}

/* One query that must parse: its record's qname. */
static void expect_qname(const struct pkt_buf *msg, const char *qname, uint16_t qtype)
{
	const struct flow_entry *e;
	struct flow_table t;

	reset();
	dns_udp(msg, true, 40000);
	t = table();
	e = app_rec(&t, IOTPROF_APP_DNS, 0, NULL);
	if (EXPECT(e != NULL, "no DNS record for \"%.40s...\"", qname)) {
		EXPECT_STR(e->val.app.dns.qname, qname, "qname");
		EXPECT_EQ(e->val.app.dns.qtype, qtype, "qtype");
		EXPECT_EQ(e->val.app.flags, 0, "flags");
		EXPECT(e->key.app_id != 0, "a DNS exchange has its own record");
	}
	flows_free(&t);
}

/* Four labels of the given lengths, dotted. */
static const char *labels4(int a, int b, int c, int d)
{
	static char s[300];

	snprintf(s, sizeof(s), "%s.%s.%s.%s", repeat('a', a), repeat('b', b), repeat('c', c),
		 repeat('d', d));
	return s;
}

static void test_dns_max_name(void)
{
	struct pkt_buf m;
	const char *name = labels4(63, 63, 63, 61);	/* 253 characters, 255 on the wire */

	ab_dns_query(&m, 1, name, 1);
	EXPECT_EQ(strlen(name), 253, "name length");
	EXPECT_EQ(m.len - 12 - 4, 255, "wire length");
	expect_qname(&m, name, 1);
}

/* RFC 1035 3.1: a name is at most 255 octets on the wire, the root's zero
 * octet included.  63+63+63+62 is 256 octets: one too many. */
static void test_dns_name_wire_256(void)
{
	struct pkt_buf m;

	ab_dns_query(&m, 1, labels4(63, 63, 63, 62), 1);
	EXPECT_EQ(m.len - 12 - 4, 256, "wire length");
	expect_rejected(&m, "256-octet name");
}

static void test_dns_name_wire_257(void)
{
	struct pkt_buf m;

	ab_dns_query(&m, 1, labels4(63, 63, 63, 63), 1);
	expect_rejected(&m, "257-octet name");
}

static void test_dns_root_name(void)
{
	struct pkt_buf m;

	ab_dns_query(&m, 1, ".", 2);	/* ". NS", the priming query */
	EXPECT_EQ(m.len, 12 + 1 + 4, "message length");
	expect_qname(&m, "", 2);
}

static void test_dns_label_types(void)
{
	struct pkt_buf m;

	for (uint8_t type = 0x40; type; type += 0x40) {
		if (type == 0xC0)
			break;
		m.len = 0;
		ab_dns_hdr(&m, 1, AB_DNS_RD, 1, 0, 0, 0);
		pb_u8(&m, type | 3);	/* extended (0x40) / reserved (0x80) label */
		pb_put(&m, "abc", 3);
		pb_u8(&m, 0);
		pb_u16(&m, 1);
		pb_u16(&m, 1);
		expect_rejected(&m, type == 0x40 ? "label type 0x40" : "label type 0x80");
	}
}

/* The first question's name cannot point anywhere but into the header. */
static void test_dns_pointer_into_header(void)
{
	struct pkt_buf m;

	m.len = 0;
	ab_dns_hdr(&m, 1, AB_DNS_RD, 1, 0, 0, 0);
	ab_dns_ptr(&m, 4);	/* QDCOUNT's high byte: a zero octet, "the root" */
	pb_u16(&m, 1);
	pb_u16(&m, 1);
	expect_rejected(&m, "pointer into the header");
}

static void test_dns_forward_pointer(void)
{
	struct pkt_buf m;

	m.len = 0;
	ab_dns_hdr(&m, 1, AB_DNS_RD, 1, 0, 0, 0);
	ab_dns_ptr(&m, 18);	/* to the name right after this question */
	pb_u16(&m, 1);
	pb_u16(&m, 1);
	ab_dns_name(&m, "later.example");
	expect_rejected(&m, "forward pointer");
}

static void test_dns_pointer_loop(void)
{
	struct pkt_buf m;

	m.len = 0;		/* a pointer to itself */
	ab_dns_hdr(&m, 1, AB_DNS_RD, 1, 0, 0, 0);
	ab_dns_ptr(&m, 12);
	pb_u16(&m, 1);
	pb_u16(&m, 1);
	expect_rejected(&m, "pointer to itself");

	m.len = 0;		/* "a" then back to "a": a.a.a.a... for ever */
	ab_dns_hdr(&m, 1, AB_DNS_RD, 1, 0, 0, 0);
	ab_dns_labels(&m, "a", false);
	ab_dns_ptr(&m, 12);
	pb_u16(&m, 1);
	pb_u16(&m, 1);
	expect_rejected(&m, "backward pointer loop");
}

/* Checks a record's answers against addresses in text form. */
static void expect_answers(const struct flow_entry *e, const char *const *addrs, int n)
{
	const struct iotprof_app_dns *d = &e->val.app.dns;
	char buf[ADDR_STR_MAX];

	if (!EXPECT_EQ(d->n_answers, n, "answers kept"))
		return;
	for (int i = 0; i < n; i++) {
		__u8 want[16], fam;

		addr_parse_ip(addrs[i], want, &fam);
		EXPECT(d->answer_family[i] == fam && !memcmp(d->answers[i], want, 16),
		       "answer %d: got %s (family %u), expected %s", i,
		       addr_format(d->answers[i], d->answer_family[i] == 6 ? 6 : 4, buf),
		       d->answer_family[i], addrs[i]);
	}
}

static void test_dns_response_joins_query(void)
{
	static const char *const addrs[] = { "192.0.2.10", "2001:db8::10" };
	const struct flow_entry *e;
	struct flow_table t;
	struct pkt_buf m;
	bool client_lo;

	reset();
	ab_dns_query(&m, 0x1234, "Device.Example.COM", 1);
	dns_udp(&m, true, 40001);
	/* Case differs (0x20 randomisation echoed back lower): same exchange. */
	ab_dns_response(&m, 0x1234, "device.example.com", 1, 0, addrs, 2);
	dns_udp(&m, false, 40001);
	ab_dns_query(&m, 0x1235, "nx.example.com", 1);
	dns_udp(&m, true, 40001);
	ab_dns_response(&m, 0x1235, "nx.example.com", 1, 3, NULL, 0);
	dns_udp(&m, false, 40001);

	t = table();
	EXPECT_EQ(t.n, 2, "records: one per exchange");
	EXPECT_EQ(app_count(&t, IOTPROF_APP_DNS), 2, "DNS records");
	for (size_t i = 0; i < 2 && (e = app_rec(&t, IOTPROF_APP_DNS, i, NULL)); i++) {
		const struct iotprof_app_dns *d = &e->val.app.dns;
		bool nx = !strcmp(d->qname, "nx.example.com");

		EXPECT(nx || !strcmp(d->qname, "Device.Example.COM"), "qname \"%s\"", d->qname);
		EXPECT_EQ(e->val.packets[0], 1, "query packets");
		EXPECT_EQ(e->val.packets[1], 1, "response packets");
		client_lo = e->key.port_lo == 40001;
		EXPECT_EQ(e->val.initiator, client_lo ? IOTPROF_SIDE_LO : IOTPROF_SIDE_HI,
			  "the querier is the initiator");
		EXPECT_EQ(d->response, 1, "response seen");
		EXPECT_EQ(d->qtype, 1, "qtype");
		EXPECT_EQ(d->rcode, nx ? 3 : 0, "rcode");
		if (nx)
			EXPECT_EQ(d->n_answers, 0, "NXDOMAIN answers");
		else
			expect_answers(e, addrs, 2);
	}
	EXPECT_STR(name_of_addr("192.0.2.10", NULL), "device.example.com", "name of the A answer");
	flows_free(&t);
}

/* www -> CNAME cdn -> CNAME edge -> two A: the addresses after the CNAMEs
 * are kept and named after the question. */
static void test_dns_cname_chain(void)
{
	static const char *const addrs[] = { "192.0.2.20", "192.0.2.21" };
	const struct flow_entry *e;
	struct flow_table t;
	struct pkt_buf m;
	uint16_t cdn, edge;

	reset();
	m.len = 0;
	ab_dns_hdr(&m, 7, AB_DNS_QR | AB_DNS_RD | AB_DNS_RA, 1, 4, 0, 0);
	ab_dns_question(&m, "www.example.com", 1);
	ab_dns_ptr(&m, 12);			/* www.example.com CNAME cdn.example.net */
	pb_u16(&m, 5);
	pb_u16(&m, 1);
	pb_u32(&m, 60);
	pb_u16(&m, 17);
	cdn = m.len;
	ab_dns_name(&m, "cdn.example.net");
	ab_dns_ptr(&m, cdn);			/* cdn.example.net CNAME edge.<example.net> */
	pb_u16(&m, 5);
	pb_u16(&m, 1);
	pb_u32(&m, 60);
	pb_u16(&m, 7);
	edge = m.len;
	ab_dns_labels(&m, "edge", false);
	ab_dns_ptr(&m, cdn + 4);
	ab_dns_addr_rr(&m, edge, addrs[0]);
	ab_dns_addr_rr(&m, edge, addrs[1]);
	dns_udp(&m, false, 40002);

	t = table();
	e = app_rec(&t, IOTPROF_APP_DNS, 0, NULL);
	if (EXPECT(e != NULL, "no DNS record")) {
		EXPECT_STR(e->val.app.dns.qname, "www.example.com", "qname");
		expect_answers(e, addrs, 2);
	}
	EXPECT_STR(name_of_addr("192.0.2.21", NULL), "www.example.com", "name of the address");
	flows_free(&t);
}

static void test_dns_answers_bound(void)
{
	enum { SENT = IOTPROF_DNS_ANSWERS_MAX + 2 };
	const char *addrs[SENT];
	char text[SENT][16];
	const struct flow_entry *e;
	struct flow_table t;
	struct pkt_buf m;

	reset();
	for (int i = 0; i < SENT; i++) {
		snprintf(text[i], sizeof(text[i]), "198.51.100.%d", i + 1);
		addrs[i] = text[i];
	}
	ab_dns_response(&m, 9, "many.example.com", 1, 0, addrs, SENT);
	dns_udp(&m, false, 40003);
	t = table();
	e = app_rec(&t, IOTPROF_APP_DNS, 0, NULL);
	if (EXPECT(e != NULL, "no DNS record")) {
		expect_answers(e, addrs, IOTPROF_DNS_ANSWERS_MAX);
		EXPECT(e->val.app.flags & IOTPROF_APP_F_TRUNCATED, "answers beyond the bound flag the record truncated");
	}
	EXPECT_STR(name_of_addr(text[IOTPROF_DNS_ANSWERS_MAX - 1], NULL), "many.example.com",
		   "last kept answer named");
	EXPECT_STR(name_of_addr(text[IOTPROF_DNS_ANSWERS_MAX], NULL), "", "answer past the bound not kept");
	flows_free(&t);
}

/* Every question is an exchange, and the answers come after all of
 * them: the second question (its name a pointer into the first) must be
 * skipped, not read as an answer. */
static void test_dns_second_question(void)
{
	static const char *const addrs[] = { "192.0.2.30", "2001:db8::30" };
	const struct flow_entry *e;
	struct flow_table t;
	struct pkt_buf m;
	uint16_t q2;

	reset();
	m.len = 0;
	ab_dns_hdr(&m, 3, AB_DNS_QR | AB_DNS_RD | AB_DNS_RA, 2, 2, 0, 0);
	ab_dns_question(&m, "a.example.com", 1);
	q2 = m.len;
	ab_dns_labels(&m, "www", false);
	ab_dns_ptr(&m, 14);			/* www.<example.com> */
	pb_u16(&m, 28);
	pb_u16(&m, 1);
	ab_dns_addr_rr(&m, 12, addrs[0]);
	ab_dns_addr_rr(&m, q2, addrs[1]);
	dns_udp(&m, false, 40004);

	/* One record per question: the packet counts to the first, whose
	 * record holds the answers; the second is recorded with no packet. */
	t = table();
	{
		const struct flow_entry *first = NULL, *second = NULL;
		size_t n;

		for (size_t i = 0; app_rec(&t, IOTPROF_APP_DNS, i, &n); i++) {
			e = app_rec(&t, IOTPROF_APP_DNS, i, NULL);
			if (!strcmp(e->val.app.dns.qname, "a.example.com"))
				first = e;
			else if (!strcmp(e->val.app.dns.qname, "www.example.com"))
				second = e;
		}
		EXPECT_EQ(n, 2, "DNS records, one per question");
		if (EXPECT(first != NULL, "first question's record")) {
			expect_answers(first, addrs, 2);
			EXPECT_EQ(first->val.packets[0] + first->val.packets[1], 1,
				  "the packet counts to the first question");
		}
		if (EXPECT(second != NULL, "second question's record")) {
			EXPECT_EQ(second->val.app.dns.qtype, 28, "second question's type");
			EXPECT_EQ(second->val.packets[0] + second->val.packets[1], 0,
				  "no packet counted twice");
			EXPECT(second->val.app.dns.response, "second question answered");
		}
	}
	flows_free(&t);
}

static void test_dns_over_tcp(void)
{
	static const char *const addrs[] = { "203.0.113.5" };
	const struct flow_entry *e, *c;
	struct pkt_buf m, seg, f;
	struct flow_table t;

	reset();
	ab_tcp_bare(&f, CLIENT, 40005, RESOLVER, 53, 0x02);
	feed(&f);
	ab_dns_query(&m, 0x55, "tcp.example.org", 1);
	ab_dns_tcp_frame(&seg, &m);
	send_app(6, CLIENT, 40005, RESOLVER, 53, &seg);
	ab_dns_response(&m, 0x55, "tcp.example.org", 1, 0, addrs, 1);
	ab_dns_tcp_frame(&seg, &m);
	send_app(6, RESOLVER, 53, CLIENT, 40005, &seg);

	t = table();
	EXPECT_EQ(t.n, 2, "records: the connection and the exchange");
	e = app_rec(&t, IOTPROF_APP_DNS, 0, NULL);
	if (EXPECT(e != NULL, "no DNS record")) {
		EXPECT_EQ(e->key.proto, 6, "protocol");
		EXPECT_STR(e->val.app.dns.qname, "tcp.example.org", "qname");
		EXPECT_EQ(e->val.packets[0] + e->val.packets[1], 2, "query and response");
		EXPECT_EQ(e->val.app.dns.response, 1, "response");
		expect_answers(e, addrs, 1);
	}
	c = conn_rec(&t, 40005);
	if (EXPECT(c != NULL, "no connection record"))
		EXPECT_EQ(c->val.packets[0], 1, "SYN on the connection's record");
	EXPECT_STR(name_of_addr("203.0.113.5", NULL), "tcp.example.org", "name over TCP");
	flows_free(&t);
}

static void test_mdns(void)
{
	const struct flow_entry *e;
	struct flow_table t;
	struct pkt_buf m;

	reset();
	ab_dns_query(&m, 0, "_hap._tcp.local", 12);
	send_app(17, "fe80::1", 5353, "ff02::fb", 5353, &m);
	ab_dns_query(&m, 0, "printer.local", 1);
	send_app(17, "192.168.1.20", 5353, "224.0.0.251", 5353, &m);
	t = table();
	EXPECT_EQ(app_count(&t, IOTPROF_APP_DNS), 2, "mDNS records");
	for (size_t i = 0; (e = app_rec(&t, IOTPROF_APP_DNS, i, NULL)); i++) {
		bool v6 = e->key.family == 6;

		EXPECT_STR(e->val.app.dns.qname, v6 ? "_hap._tcp.local" : "printer.local", "qname");
		EXPECT_EQ(e->val.app.dns.qtype, v6 ? 12 : 1, "qtype");
		EXPECT_EQ(e->key.port_lo, 5353, "port");
	}
	flows_free(&t);
}

/* An mDNS announcement has no question: its first answer names it, the
 * record says so, and the names map learns the address. */
static void test_mdns_announcement(void)
{
	static const char *const addrs[] = { "192.168.1.77" };
	const struct flow_entry *e;
	struct flow_table t;
	struct pkt_buf m = {};
	uint32_t a;

	reset();
	ab_dns_hdr(&m, 0, AB_DNS_QR | 0x0400, 0, 1, 0, 0);
	ab_dns_name(&m, "printer.local");
	inet_pton(AF_INET, addrs[0], &a);
	ab_dns_rr_tail(&m, 1, &a, 4);
	send_app(17, "192.168.1.77", 5353, "224.0.0.251", 5353, &m);
	t = table();
	e = app_rec(&t, IOTPROF_APP_DNS, 0, NULL);
	if (EXPECT(e != NULL, "no DNS record for the announcement")) {
		EXPECT(e->val.app.dns.announcement, "flagged an announcement");
		EXPECT_STR(e->val.app.dns.qname, "printer.local", "named by its first answer");
		expect_answers(e, addrs, 1);
	}
	EXPECT_STR(name_of_addr(addrs[0], NULL), "printer.local", "names map");
	flows_free(&t);
}

int main(void)
{
	int status = app_suite_open("bpf-app dns");

	if (status >= 0)
		return status;
	RUN(test_dns_max_name);
	RUN(test_dns_name_wire_256);
	RUN(test_dns_name_wire_257);
	RUN(test_dns_root_name);
	RUN(test_dns_label_types);
	RUN(test_dns_pointer_into_header);
	RUN(test_dns_forward_pointer);
	RUN(test_dns_pointer_loop);
	RUN(test_dns_response_joins_query);
	RUN(test_dns_cname_chain);
	RUN(test_dns_answers_bound);
	RUN(test_dns_second_question);
	RUN(test_dns_over_tcp);
	RUN(test_mdns);
	RUN(test_mdns_announcement);
	offline_close(R);
	return check_state.cases_failed ? 1 : 0;
}
