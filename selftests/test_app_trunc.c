// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Every prefix of one well-formed packet per application protocol, fed as a
 * capture cut at that snap length (wire length = the whole frame): whatever
 * record appears must be the right kind and say nothing the whole packet
 * does not - a DNS name is whole or absent, other strings are prefixes of
 * the whole packet's (a value cut inside is flagged incomplete or
 * truncated; a CoAP URI is cut between segments), answers and versions are
 * a prefix of the whole list - and the names map may only ever learn the
 * whole packet's name.
 */
#include "app_test.h"

struct check_state check_state = { .suite = "bpf-app" };

#define KNOWN_FLAGS (IOTPROF_APP_F_TRUNCATED | IOTPROF_APP_F_INCOMPLETE)

enum field_rule {
	WHOLE,		/* equal to the whole packet's, or the record is refused */
	PREFIX,		/* a prefix; cut inside the value (not empty) => flagged */
	SEGMENTS,	/* a prefix ending between CoAP Uri-Path segments */
	OPTION,		/* whole, or empty (a CoAP option beyond the cut) */
};

/* A string field of a cut packet against the whole packet's. */
static bool field_ok(const char *what, const char *got, const char *full, size_t max, __u8 flags,
		     enum field_rule rule, __u32 len)
{
	size_t n = strnlen(got, max);

	if (rule == OPTION && n == 0)
		return true;
	if (rule == WHOLE || rule == OPTION ? strcmp(got, full) != 0 : !str_prefix(got, full, max))
		return EXPECT(false, "length %u: %s \"%.*s\" is not %s \"%s\"", len, what, (int)max,
			      got, rule == PREFIX || rule == SEGMENTS ? "a prefix of" : "", full);
	if (rule == PREFIX && n && full[n] && !(flags & KNOWN_FLAGS))
		return EXPECT(false, "length %u: %s \"%s\" cut short without a flag", len, what, got);
	if (rule == SEGMENTS && full[n] && full[n] != '/')
		return EXPECT(false, "length %u: %s \"%s\" cut inside a segment", len, what, got);
	return true;
}

/* One application record of a cut packet against the whole packet's. */
static bool app_ok(const struct iotprof_app *a, const struct iotprof_app *full, __u32 len)
{
	bool ok = true;

	if (!EXPECT(a->kind == full->kind, "length %u: kind %u, expected %u", len, a->kind,
		    full->kind))
		return false;
	if (!EXPECT(!(a->flags & ~KNOWN_FLAGS), "length %u: flags 0x%x", len, a->flags))
		return false;
	switch (a->kind) {
	case IOTPROF_APP_DNS:
		ok = field_ok("qname", a->dns.qname, full->dns.qname, IOTPROF_NAME_MAX, a->flags,
			      WHOLE, len) &&
		     EXPECT(a->dns.qtype == full->dns.qtype && a->dns.response == full->dns.response &&
			    a->dns.rcode == full->dns.rcode,
			    "length %u: qtype %u response %u rcode %u differ", len, a->dns.qtype,
			    a->dns.response, a->dns.rcode) &&
		     EXPECT(a->dns.n_answers <= full->dns.n_answers, "length %u: %u answers", len,
			    a->dns.n_answers);
		for (int i = 0; ok && i < a->dns.n_answers && i < IOTPROF_DNS_ANSWERS_MAX; i++)
			ok = EXPECT(a->dns.answer_family[i] == full->dns.answer_family[i] &&
				    !memcmp(a->dns.answers[i], full->dns.answers[i], 16),
				    "length %u: answer %d differs", len, i);
		break;
	case IOTPROF_APP_TLS:
		ok = field_ok("SNI", a->tls.sni, full->tls.sni, IOTPROF_NAME_MAX, a->flags, PREFIX, len) &&
		     EXPECT(a->tls.n_versions <= full->tls.n_versions &&
			    !memcmp(a->tls.versions, full->tls.versions, 2 * a->tls.n_versions),
			    "length %u: versions are not a prefix", len);
		break;
	case IOTPROF_APP_HTTP:
		ok = field_ok("method", a->http.method, full->http.method, IOTPROF_METHOD_MAX,
			      a->flags, WHOLE, len) &&
		     field_ok("URI", a->http.uri, full->http.uri, IOTPROF_URI_MAX, a->flags, PREFIX, len) &&
		     field_ok("host", a->http.host, full->http.host, IOTPROF_NAME_MAX, a->flags, PREFIX,
			      len);
		break;
	case IOTPROF_APP_COAP:
		ok = field_ok("URI", a->coap.uri, full->coap.uri, IOTPROF_URI_MAX, a->flags, SEGMENTS, len) &&
		     field_ok("host", a->coap.host, full->coap.host, IOTPROF_NAME_MAX, a->flags, OPTION, len) &&
		     EXPECT(a->coap.type == full->coap.type && a->coap.code == full->coap.code &&
			    a->coap.message_id == full->coap.message_id &&
			    a->coap.token_len == full->coap.token_len &&
			    !memcmp(a->coap.token, full->coap.token, 8),
			    "length %u: CoAP header fields differ", len);
		break;
	}
	return ok;
}

/* Every string in name_strings must be `name` (the whole packet's). */
static bool names_ok(const char *name, __u32 len)
{
	int fd = offline_name_strings_fd(R);
	struct iotprof_name_string s;
	__u32 key, next;
	bool first = true;

	while (bpf_map_get_next_key(fd, first ? NULL : &key, &next) == 0) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &s))
			continue;
		s.name[IOTPROF_NAME_MAX - 1] = 0;
		if (!EXPECT(!strcmp(s.name, name), "length %u: names map learned \"%s\", not \"%s\"",
			    len, s.name, name))
			return false;
	}
	return true;
}

/* Feeds the whole frame, then every prefix of it, each into empty maps. */
static void sweep(const struct pkt_buf *f, __u8 kind)
{
	struct iotprof_app full;
	struct flow_table t;
	const struct flow_entry *e;
	const char *name = "";
	__u32 with_app = 0;

	reset();
	feed(f);
	t = table();
	e = app_rec(&t, kind, 0, NULL);
	if (!EXPECT(e != NULL && t.n == 1, "the whole packet: %zu records, none of kind %u", t.n,
		    kind)) {
		flows_free(&t);
		return;
	}
	full = e->val.app;
	flows_free(&t);
	if (kind == IOTPROF_APP_DNS)
		name = full.dns.qname;
	else if (kind == IOTPROF_APP_TLS)
		name = full.tls.sni;

	for (__u32 len = 0; len <= f->len; len++) {
		bool ok = true;
		__u64 packets = 0;

		reset();
		feed_cut(f, len);
		t = table();
		for (size_t i = 0; ok && i < t.n; i++) {
			const struct iotprof_app *a = &t.v[i].val.app;

			packets += t.v[i].val.packets[0] + t.v[i].val.packets[1];
			if (a->kind != IOTPROF_APP_NONE) {
				with_app++;
				ok = app_ok(a, &full, len);
			}
		}
		ok = ok && EXPECT(packets <= 1, "length %u: %llu packets counted", len,
				  (unsigned long long)packets);
		ok = ok && names_ok(name, len);
		flows_free(&t);
		if (!ok) {
			printf("    (first failing snap length %u of %u)\n", len, f->len);
			break;
		}
	}
	EXPECT(with_app > 0, "no prefix made an application record");
}

static void test_trunc_dns_udp_response(void)
{
	static const char *const addrs[] = { "192.0.2.1", "2001:db8::1", "192.0.2.2" };
	struct pkt_buf m, f;

	ab_dns_response(&m, 0x4242, "sensor.iot.example.com", 1, 0, addrs, 3);
	ab_wrap(&f, 17, "10.0.0.1", 53, "10.0.0.2", 40000, m.b, m.len);
	sweep(&f, IOTPROF_APP_DNS);
}

static void test_trunc_dns_tcp_response(void)
{
	static const char *const addrs[] = { "2001:db8::53", "198.51.100.53" };
	struct pkt_buf m, seg, f;

	ab_dns_response(&m, 0x4343, "tcp.iot.example.com", 28, 0, addrs, 2);
	ab_dns_tcp_frame(&seg, &m);
	ab_wrap(&f, 6, "2001:db8::1", 53, "2001:db8::2", 40000, seg.b, seg.len);
	sweep(&f, IOTPROF_APP_DNS);
}

static void test_trunc_tls_client_hello(void)
{
	static const uint16_t versions[] = { 0x2a2a, 0x0304, 0x0303 };
	static const uint16_t exts[] = { 0xdada };
	struct ab_hello h = { .sni = "broker.iot.example.com", .sid_len = 32, .pad_before = 64,
			      .versions = versions, .n_versions = 3,
			      .grease_exts = exts, .n_grease_exts = 1 };
	struct pkt_buf m, f;

	ab_tls_client_hello(&m, &h);
	ab_wrap(&f, 6, "2001:db8::2", 40000, "2001:db8::7", 443, m.b, m.len);
	sweep(&f, IOTPROF_APP_TLS);
}

static void test_trunc_http_request(void)
{
	static const char req[] = "POST /api/v1/telemetry?id=42 HTTP/1.1\r\n"
				  "User-Agent: thermo/1.0\r\nHost: ingest.example.com\r\n"
				  "Content-Length: 4\r\n\r\n{\"t\"";
	struct pkt_buf f;

	ab_wrap(&f, 6, "10.0.0.2", 40000, "198.51.100.7", 80, req, sizeof(req) - 1);
	sweep(&f, IOTPROF_APP_HTTP);
}

static void test_trunc_coap_request(void)
{
	static const uint8_t token[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct pkt_buf m, f;
	uint32_t last = 0;

	ab_coap_hdr(&m, AB_COAP_CON, AB_COAP_GET, 0x7777, token, 8);
	ab_coap_str(&m, &last, 3, "coap.example.com");
	ab_coap_str(&m, &last, 11, "sensors");
	ab_coap_str(&m, &last, 11, repeat('t', 20));
	ab_coap_str(&m, &last, 15, "unit=c");
	pb_u8(&m, 0xFF);
	pb_put(&m, "xyz", 3);
	ab_wrap(&f, 17, "10.0.0.2", 40000, "198.51.100.7", 5683, m.b, m.len);
	sweep(&f, IOTPROF_APP_COAP);
}

int main(void)
{
	int status = app_suite_open("bpf-app truncation");

	if (status >= 0)
		return status;
	RUN(test_trunc_dns_udp_response);
	RUN(test_trunc_dns_tcp_response);
	RUN(test_trunc_tls_client_hello);
	RUN(test_trunc_http_request);
	RUN(test_trunc_coap_request);
	offline_close(R);
	return check_state.cases_failed ? 1 : 0;
}
