// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The names map through BPF_PROG_TEST_RUN: DNS answers and TLS SNI link
 * addresses to host names, and flows created later carry them.
 */
#include "app_test.h"

struct check_state check_state = { .suite = "bpf-app" };

#define CLIENT "10.0.0.2"
#define RESOLVER "10.0.0.1"

static void from_resolver(const struct pkt_buf *m, uint16_t cport)
{
	send_app(17, RESOLVER, 53, CLIENT, cport, m);
}

/* The server-side name of the connection record on a client port. */
static const char *server_name(const struct flow_table *t, __u16 cport)
{
	const struct flow_entry *e = conn_rec(t, cport);

	if (!EXPECT(e != NULL, "no record on port %u", cport))
		return "(no record)";
	EXPECT_EQ(e->val.name_id[IOTPROF_DIR_FWD], 0, "the client's name id");
	return name_of_id(e->val.name_id[IOTPROF_DIR_REV]);
}

/* A response names its addresses; flows to them made later carry the name. */
static void test_dns_names_later_flow(void)
{
	static const char *const addrs[] = { "192.0.2.40", "2001:db8::40" };
	struct flow_table t;
	struct pkt_buf m, f;
	__u8 source = 0;
	size_t seen = 0;

	reset();
	ab_dns_response(&m, 1, "Cloud.Example.net", 1, 0, addrs, 2);
	from_resolver(&m, 40006);
	EXPECT_STR(name_of_addr("192.0.2.40", &source), "Cloud.Example.net", "names map, v4");
	EXPECT_EQ(source, IOTPROF_NAME_DNS, "name source");
	EXPECT_STR(name_of_addr("2001:db8::40", NULL), "Cloud.Example.net", "names map, v6");

	ab_tcp_bare(&f, CLIENT, 50000, "192.0.2.40", 443, 0x02);
	feed(&f);
	ab_tcp_bare(&f, "2001:db8::2", 50001, "2001:db8::40", 8883, 0x02);
	feed(&f);
	ab_tcp_bare(&f, CLIENT, 50002, "192.0.2.41", 443, 0x02);	/* not answered */
	feed(&f);
	t = table();
	for (size_t i = 0; i < t.n; i++) {
		const struct flow_entry *e = &t.v[i];
		__u16 p = e->key.port_lo == 443 || e->key.port_lo == 8883 ? e->key.port_hi
									  : e->key.port_lo;

		if (e->key.proto != 6)
			continue;
		seen++;
		EXPECT_EQ(e->val.name_id[IOTPROF_DIR_FWD], 0, "the client has no name");
		if (p == 50002) {
			EXPECT_EQ(e->val.name_id[IOTPROF_DIR_REV], 0, "unnamed server");
			continue;
		}
		EXPECT(e->val.name_id[IOTPROF_DIR_REV] != 0, "port %u: no server name", p);
		EXPECT_STR(name_of_id(e->val.name_id[IOTPROF_DIR_REV]), "Cloud.Example.net",
			   "server name");
	}
	EXPECT_EQ(seen, 3, "TCP flows");
	flows_free(&t);

	/* A failed lookup names nothing. */
	reset();
	ab_dns_response(&m, 2, "bad.example.net", 1, 2, addrs, 1);	/* SERVFAIL */
	from_resolver(&m, 40007);
	EXPECT_STR(name_of_addr("192.0.2.40", NULL), "", "named by a SERVFAIL");
}

static void test_tls_names_link(void)
{
	struct ab_hello h = { .sni = "Mqtt.Example.io" };
	const struct flow_entry *e;
	struct flow_table t;
	struct pkt_buf m, f;
	__u8 source = 0;

	reset();
	ab_tcp_bare(&f, DEV, 40001, SRV, 443, 0x02);
	feed(&f);
	ab_tls_client_hello(&m, &h);
	send_app(6, DEV, 40001, SRV, 443, &m);
	t = table();
	e = only_rec(&t, IOTPROF_APP_TLS);
	if (e) {
		EXPECT_EQ(e->key.app_id, 0, "the SNI is on the connection's record");
		EXPECT_STR(e->val.app.tls.sni, "Mqtt.Example.io", "SNI on the connection");
	}
	flows_free(&t);
	EXPECT_STR(name_of_addr(SRV, &source), "Mqtt.Example.io", "name of the server");
	EXPECT_EQ(source, IOTPROF_NAME_SNI, "name source");
	EXPECT_STR(name_of_addr(DEV, NULL), "", "the client is not named");

	ab_tcp_bare(&f, DEV, 40002, SRV, 8883, 0x02);
	feed(&f);
	t = table();
	EXPECT_STR(server_name(&t, 40002), "Mqtt.Example.io", "later flow's server name");
	flows_free(&t);
}

/* A flow takes its names when it is created and at each new epoch: one
 * open before the answer stays unnamed until the next trace. */
static void test_names_at_creation_and_epoch(void)
{
	static const char *const addrs[] = { "203.0.113.9" };
	struct iotprof_config cfg;
	struct flow_table t;
	struct pkt_buf m, f;

	reset();
	ab_tcp_bare(&f, CLIENT, 40010, addrs[0], 443, 0x02);
	feed(&f);
	ab_dns_response(&m, 5, "late.example.com", 1, 0, addrs, 1);
	from_resolver(&m, 40011);
	ab_tcp_bare(&f, CLIENT, 40010, addrs[0], 443, 0x10);
	feed(&f);
	t = table();
	EXPECT_STR(server_name(&t, 40010), "", "named before the next epoch");
	flows_free(&t);

	settings_read(offline_settings_fd(R), &cfg);
	cfg.epoch++;
	settings_write(offline_settings_fd(R), &cfg);
	feed(&f);
	t = table();
	EXPECT_STR(server_name(&t, 40010), "late.example.com", "name at the new epoch");
	flows_free(&t);
}

int main(void)
{
	int status = app_suite_open("bpf-app names");

	if (status >= 0)
		return status;
	RUN(test_dns_names_later_flow);
	RUN(test_tls_names_link);
	RUN(test_names_at_creation_and_epoch);
	offline_close(R);
	return check_state.cases_failed ? 1 : 0;
}
