// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The TLS ClientHello parser through BPF_PROG_TEST_RUN, on crafted
 * ClientHellos: SNI over IPv4 and IPv6, GREASE, long extension lists, the
 * session id bound, SNI length limits, ClientHellos cut by the end of their
 * segment at every part of the SNI, and SNI bytes that are not a host name.
 */
#include "app_test.h"

struct check_state check_state = { .suite = "bpf-app" };

static const uint16_t tls13[] = { 0x0304, 0x0303 };

/* SYN, then a ClientHello: one record, the connection's. */
static const struct flow_entry *hello_on_connection(struct flow_table *t, const char *src,
						    const char *dst, const struct pkt_buf *m)
{
	const struct flow_entry *e;
	struct pkt_buf f;

	reset();
	ab_tcp_bare(&f, src, 40001, dst, 443, 0x02);
	feed(&f);
	send_app(6, src, 40001, dst, 443, m);
	*t = table();
	EXPECT_EQ(t->n, 1, "records: the connection's only");
	e = only_rec(t, IOTPROF_APP_TLS);
	if (e) {
		EXPECT_EQ(e->key.app_id, 0, "the ClientHello is the connection's");
		EXPECT_EQ(e->val.packets[0], 2, "SYN and ClientHello");
	}
	return e;
}

static void expect_versions(const struct iotprof_app_tls *tls, const uint16_t *v, int n)
{
	if (!EXPECT_EQ(tls->n_versions, n, "versions"))
		return;
	for (int i = 0; i < n; i++)
		EXPECT(tls->versions[i] == v[i], "version %d: 0x%04x, expected 0x%04x", i,
		       tls->versions[i], v[i]);
}

static void test_tls_sni_v4_v6(void)
{
	const char *const hosts[] = { "api.example.com", "v6.example.com" };
	const char *const addrs[][2] = { { DEV, SRV }, { "2001:db8::2", "2001:db8::7" } };

	for (int i = 0; i < 2; i++) {
		struct ab_hello h = { .sni = hosts[i], .versions = tls13, .n_versions = 2 };
		const struct flow_entry *e;
		struct flow_table t;
		struct pkt_buf m;

		ab_tls_client_hello(&m, &h);
		e = hello_on_connection(&t, addrs[i][0], addrs[i][1], &m);
		if (e) {
			EXPECT_EQ(e->key.family, i ? 6 : 4, "family");
			EXPECT_STR(e->val.app.tls.sni, hosts[i], "SNI");
			EXPECT_EQ(e->val.app.flags, 0, "flags");
			expect_versions(&e->val.app.tls, tls13, 2);
		}
		flows_free(&t);
	}
}

static void test_tls_grease(void)
{
	static const uint16_t ciphers[] = { 0x0a0a, 0x1301, 0x1302, 0xc02b };
	static const uint16_t exts[] = { 0x1a1a, 0x2a2a };
	static const uint16_t versions[] = { 0x3a3a, 0x0304, 0xfafa, 0x0303, 0x0302 };
	static const uint16_t want[] = { 0x0304, 0x0303, 0x0302 };
	struct ab_hello h = { .sni = "grease.example", .ciphers = ciphers, .n_ciphers = 4,
			      .grease_exts = exts, .n_grease_exts = 2,
			      .versions = versions, .n_versions = 5 };
	const struct flow_entry *e;
	struct flow_table t;
	struct pkt_buf m;

	ab_tls_client_hello(&m, &h);
	e = hello_on_connection(&t, DEV, SRV, &m);
	if (e) {
		EXPECT_STR(e->val.app.tls.sni, "grease.example", "SNI");
		expect_versions(&e->val.app.tls, want, 3);
	}
	flows_free(&t);
}

/* 1100 bytes of padding extension, then the SNI; and a 32-byte session id. */
static void test_tls_long_extensions(void)
{
	for (int sid = 0; sid <= 32; sid += 32) {
		struct ab_hello h = { .sni = "far.example.com", .pad_before = 1100, .sid_len = sid,
				      .versions = tls13, .n_versions = 2 };
		const struct flow_entry *e;
		struct flow_table t;
		struct pkt_buf m;

		ab_tls_client_hello(&m, &h);
		EXPECT(m.len > 1100 + 80, "ClientHello of %u bytes", m.len);
		e = hello_on_connection(&t, DEV, SRV, &m);
		if (e) {
			EXPECT_STR(e->val.app.tls.sni, "far.example.com", "SNI");
			EXPECT_EQ(e->val.app.flags, 0, "flags");
			expect_versions(&e->val.app.tls, tls13, 2);
		}
		flows_free(&t);
	}
}

static void test_tls_session_id_33(void)
{
	struct ab_hello h = { .sni = "x.example", .sid_len = 33 };
	struct pkt_buf m;

	ab_tls_client_hello(&m, &h);
	expect_app_rejected(IOTPROF_APP_TLS, 6, 443, &m, "33-byte session id");
}

static void test_tls_sni_length(void)
{
	static const struct { size_t len; __u8 flags; } cases[] = {
		{ 255, 0 }, { 256, IOTPROF_APP_F_TRUNCATED }, { 300, IOTPROF_APP_F_TRUNCATED },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ab_hello h = { .sni = repeat('s', cases[i].len) };
		const struct flow_entry *e;
		struct flow_table t;
		struct pkt_buf m;

		ab_tls_client_hello(&m, &h);
		e = hello_on_connection(&t, DEV, SRV, &m);
		if (e) {
			EXPECT_STR(e->val.app.tls.sni, repeat('s', 255), "SNI kept");
			EXPECT_EQ(e->val.app.flags, cases[i].flags, "flags");
		}
		flows_free(&t);
	}
}

/* A ClientHello whose segment ends at `keep` bytes (a real segment, its IP
 * length says so): the record is the connection's, flagged incomplete. */
static void hello_cut(uint32_t keep, const char *want_sni, const char *what)
{
	struct ab_hello h = { .sni = "split.example.com", .pad_before = 600 };
	const struct flow_entry *e;
	struct flow_table t;
	struct pkt_buf m;

	ab_tls_client_hello(&m, &h);
	m.len = keep;
	e = hello_on_connection(&t, DEV, SRV, &m);
	if (EXPECT(e != NULL, "%s: no TLS record", what)) {
		EXPECT_STR(e->val.app.tls.sni, want_sni, what);
		EXPECT_EQ(e->val.app.flags, IOTPROF_APP_F_INCOMPLETE, "flags");
	}
	flows_free(&t);
}

/* Offsets in the ClientHello built by hello_cut: record 5 + handshake 4 +
 * version 2 + random 32 + sid 1 + suites 2+4 + compression 2 = 52, then the
 * extensions' length (2), padding (4 + 600), SNI (4 + 5 + 17). */
#define HELLO_EXT 52
#define HELLO_SNI_EXT (HELLO_EXT + 2 + 604)

static void test_tls_sni_not_in_segment(void)
{
	hello_cut(HELLO_EXT + 2 + 100, "", "cut in the padding");
	hello_cut(HELLO_SNI_EXT, "", "cut before the SNI extension");
}

/* Cut inside the server_name list header: still the same ClientHello, its
 * SNI beyond the segment (parse_tls.h: "otherwise the record is flagged
 * incomplete"), not an invalid one. */
static void test_tls_sni_header_cut(void)
{
	hello_cut(HELLO_SNI_EXT + 4, "", "cut after the SNI extension header");
	hello_cut(HELLO_SNI_EXT + 4 + 3, "", "cut inside the server_name entry header");
}

/* Cut inside the name itself: the record keeps the prefix, flagged
 * incomplete, but a prefix is not the server's name: the names map must not
 * link the address to it. */
static void test_tls_partial_sni_not_learned(void)
{
	hello_cut(HELLO_SNI_EXT + 9 + 5, "split", "cut inside the name");
	EXPECT_STR(name_of_addr(SRV, NULL), "", "name linked from a partial SNI");
}

static void test_tls_nonprintable_sni(void)
{
	struct ab_hello h = { .sni = "bad\x01name.example" };
	struct pkt_buf m;

	ab_tls_client_hello(&m, &h);
	expect_app_rejected(IOTPROF_APP_TLS, 6, 443, &m, "SNI with a control byte");
	h.sni = "space in.example";
	ab_tls_client_hello(&m, &h);
	expect_app_rejected(IOTPROF_APP_TLS, 6, 443, &m, "SNI with a space");
}

int main(void)
{
	int status = app_suite_open("bpf-app tls");

	if (status >= 0)
		return status;
	RUN(test_tls_sni_v4_v6);
	RUN(test_tls_grease);
	RUN(test_tls_long_extensions);
	RUN(test_tls_session_id_33);
	RUN(test_tls_sni_length);
	RUN(test_tls_sni_not_in_segment);
	RUN(test_tls_sni_header_cut);
	RUN(test_tls_partial_sni_not_learned);
	RUN(test_tls_nonprintable_sni);
	offline_close(R);
	return check_state.cases_failed ? 1 : 0;
}
