// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The HTTP request and CoAP parsers through BPF_PROG_TEST_RUN, on crafted
 * messages: Host in any case, URI bounds, request lines that are not
 * HTTP/1.x, pipelined requests; CoAP option encodings (extended deltas and
 * lengths, nibble 15), header checks and request/response matching.
 */
#include "app_test.h"

struct check_state check_state = { .suite = "bpf-app" };

/* ---- HTTP -------------------------------------------------------------- */

static const struct flow_entry *http_one(struct flow_table *t, const char *req)
{
	struct pkt_buf m = {};

	reset();
	pb_put(&m, req, strlen(req));
	send_app(6, DEV, 40003, SRV, 80, &m);
	*t = table();
	return only_rec(t, IOTPROF_APP_HTTP);
}

static void expect_http(const struct flow_entry *e, const char *method, const char *uri,
			const char *host, __u8 flags)
{
	if (!EXPECT(e != NULL, "no HTTP record"))
		return;
	EXPECT_STR(e->val.app.http.method, method, "method");
	EXPECT_STR(e->val.app.http.uri, uri, "URI");
	EXPECT_STR(e->val.app.http.host, host, "host");
	EXPECT_EQ(e->val.app.flags, flags, "flags");
	EXPECT(e->key.app_id != 0, "a request has its own record");
}

static void test_http_get_host(void)
{
	struct flow_table t;

	expect_http(http_one(&t, "GET /status?x=1 HTTP/1.1\r\nUser-Agent: t\r\n"
				 "hOsT:  Device.Local:8080\r\nAccept: */*\r\n\r\n"),
		    "GET", "/status?x=1", "Device.Local:8080", 0);
	flows_free(&t);
	expect_http(http_one(&t, "GET / HTTP/1.0\r\n\r\nHost: body.example\r\n"), "GET", "/", "",
		    0);	/* a Host after the headers' end is not the Host */
	flows_free(&t);
}

static void test_http_post(void)
{
	struct flow_table t;

	expect_http(http_one(&t, "POST /api/v1/data HTTP/1.1\r\nHost: cloud.example\r\n"
				 "Content-Length: 2\r\n\r\n{}"),
		    "POST", "/api/v1/data", "cloud.example", 0);
	flows_free(&t);
}

static void test_http_uri_length(void)
{
	static const struct { size_t len; __u8 flags; } cases[] = {
		{ 255, 0 }, { 256, IOTPROF_APP_F_TRUNCATED }, { 300, IOTPROF_APP_F_TRUNCATED },
	};
	char req[600], uri[400];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct flow_table t;

		snprintf(uri, sizeof(uri), "/%s", repeat('u', cases[i].len - 1));
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: h.example\r\n\r\n", uri);
		uri[255] = 0;
		expect_http(http_one(&t, req), "GET", uri, "h.example", cases[i].flags);
		flows_free(&t);
	}
}

static void test_http_not_http1(void)
{
	/* ("GET /index.html" CRLF, a request without a version, is taken:
	 * tshark reads it as one too.) */
	static const char *const reqs[] = {
		"GET / HTTP/2.0\r\nHost: a.example\r\n\r\n",
		"GET / FTP/1.1\r\n\r\n",
		"EHLO mail.example\r\n",	/* SMTP: only GET may omit the version */
		"USER anonymous\r\n",	/* FTP */
	};
	static const char *const not_requests[] = { "get / HTTP/1.1\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n",
						     "\x16\x03\x01 / HTTP/1.1\r\n\r\n" };
	struct pkt_buf m = {};
	struct flow_table t;

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		m.len = 0;
		pb_put(&m, reqs[i], strlen(reqs[i]));
		expect_app_rejected(IOTPROF_APP_HTTP, 6, 80, &m, reqs[i]);
	}
	/* Not a token, or not starting with an upper-case letter: turned away
	 * before parsing, no record and not even a rejection. */
	for (size_t i = 0; i < sizeof(not_requests) / sizeof(not_requests[0]); i++) {
		reset();
		m.len = 0;
		pb_put(&m, not_requests[i], strlen(not_requests[i]));
		send_app(6, DEV, 40000, SRV, 80, &m);
		t = table();
		EXPECT(app_count(&t, IOTPROF_APP_HTTP) == 0, "%.8s accepted", not_requests[i]);
		EXPECT(stat_delta(IOTPROF_STAT_APP_REJECTED) == 0, "%.8s: parsed", not_requests[i]);
		flows_free(&t);
	}
}

/* RFC 9110: a method is any token.  UPnP and vendors use their own:
 * NOTIFY, M-SEARCH, CCM_POST; 15 characters are kept. */
static void test_http_token_methods(void)
{
	static const char *const methods[] = { "FETCH", "M-SEARCH", "CCM_POST", "NOTIFY", "X1!#$%&'*+.^_`|~",
					       "PROPFIND" };
	char req[128];

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		struct flow_table t;
		char want[IOTPROF_METHOD_MAX];

		snprintf(req, sizeof(req), "%s /x HTTP/1.1\r\nHost: h.example\r\n\r\n", methods[i]);
		snprintf(want, sizeof(want), "%s", methods[i]);
		if (strlen(methods[i]) > IOTPROF_METHOD_MAX - 1) {
			/* longer than the method field: not a request iotprof can name */
			struct pkt_buf m = {};

			pb_put(&m, req, strlen(req));
			expect_app_rejected(IOTPROF_APP_HTTP, 6, 80, &m, methods[i]);
			continue;
		}
		expect_http(http_one(&t, req), want, "/x", "h.example", 0);
		flows_free(&t);
	}
}

/* HTTP over UDP: SSDP's M-SEARCH and NOTIFY to 239.255.255.250:1900. */
static void test_http_over_udp(void)
{
	static const char ssdp[] = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
				   "MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n";
	struct pkt_buf m = {};
	struct flow_table t;
	const struct flow_entry *e;

	reset();
	pb_put(&m, ssdp, strlen(ssdp));
	send_app(17, DEV, 41000, "239.255.255.250", 1900, &m);
	t = table();
	e = app_rec(&t, IOTPROF_APP_HTTP, 0, NULL);
	if (EXPECT(e != NULL, "no HTTP record for M-SEARCH over UDP")) {
		EXPECT_STR(e->val.app.http.method, "M-SEARCH", "method");
		EXPECT_STR(e->val.app.http.uri, "*", "URI");
		EXPECT_STR(e->val.app.http.host, "239.255.255.250:1900", "host");
	}
	flows_free(&t);
	/* Opaque UDP (a vendor protocol) is not taken for HTTP. */
	reset();
	m.len = 0;
	pb_put(&m, "\x02\x00\x00\x01GET xx", 10);
	send_app(17, DEV, 41000, SRV, 9999, &m);
	t = table();
	EXPECT(app_count(&t, IOTPROF_APP_HTTP) == 0, "opaque UDP taken for HTTP");
	flows_free(&t);
}

static void test_http_pipelined(void)
{
	static const char *const reqs[] = {
		"GET /a HTTP/1.1\r\nHost: p.example\r\n\r\n",
		"GET /b HTTP/1.1\r\nHost: p.example\r\n\r\n",
	};
	const struct flow_entry *e, *c;
	struct pkt_buf m, f;
	struct flow_table t;
	int seen = 0;

	reset();
	ab_tcp_bare(&f, DEV, 40004, SRV, 80, 0x02);
	feed(&f);
	for (int i = 0; i < 2; i++) {
		m.len = 0;
		pb_put(&m, reqs[i], strlen(reqs[i]));
		send_app(6, DEV, 40004, SRV, 80, &m);
	}
	ab_tcp_bare(&f, SRV, 80, DEV, 40004, 0x10);
	feed(&f);
	t = table();
	EXPECT_EQ(t.n, 3, "records: two requests and the connection");
	EXPECT_EQ(app_count(&t, IOTPROF_APP_HTTP), 2, "HTTP records");
	for (size_t i = 0; (e = app_rec(&t, IOTPROF_APP_HTTP, i, NULL)); i++) {
		seen |= !strcmp(e->val.app.http.uri, "/a") ? 1 : !strcmp(e->val.app.http.uri, "/b") ? 2 : 4;
		EXPECT_EQ(e->val.packets[0], 1, "one request each");
	}
	EXPECT_EQ(seen, 3, "URIs /a and /b");
	c = conn_rec(&t, 40004);
	if (EXPECT(c != NULL, "no connection record")) {
		EXPECT_EQ(c->val.app.kind, IOTPROF_APP_NONE, "connection's app data");
		EXPECT_EQ(c->val.packets[0] + c->val.packets[1], 2, "SYN and ACK");
	}
	flows_free(&t);
}

/* ---- CoAP -------------------------------------------------------------- */

static const uint8_t TOKEN[4] = { 0xde, 0xad, 0xbe, 0xef };

static const struct flow_entry *coap_one(struct flow_table *t, const struct pkt_buf *m)
{
	reset();
	send_app(17, DEV, 40005, SRV, 5683, m);
	*t = table();
	return only_rec(t, IOTPROF_APP_COAP);
}

static void coap_get(struct pkt_buf *m, const char *host)
{
	uint32_t last = 0;

	ab_coap_hdr(m, AB_COAP_CON, AB_COAP_GET, 0x1234, TOKEN, 4);
	if (host)
		ab_coap_str(m, &last, 3, host);
	ab_coap_str(m, &last, 11, "a");
	ab_coap_str(m, &last, 11, "b");
	ab_coap_opt(m, &last, 17, "\x32", 1);	/* Accept: 50 */
}

static void test_coap_get_uri(void)
{
	const struct flow_entry *e;
	struct flow_table t;
	struct pkt_buf m;

	coap_get(&m, "sensor.local");
	e = coap_one(&t, &m);
	if (e) {
		const struct iotprof_app_coap *c = &e->val.app.coap;

		EXPECT_STR(c->uri, "/a/b", "URI");
		EXPECT_STR(c->host, "sensor.local", "host");
		EXPECT_EQ(c->version, 1, "version");
		EXPECT_EQ(c->type, AB_COAP_CON, "type");
		EXPECT_EQ(c->code, AB_COAP_GET, "code");
		EXPECT_EQ(c->message_id, 0x1234, "message id");
		EXPECT_EQ(c->token_len, 4, "token length");
		EXPECT(!memcmp(c->token, TOKEN, 4), "token");
		EXPECT_EQ(e->val.app.flags, 0, "flags");
	}
	flows_free(&t);
}

/* Delta 13 (one extra byte) and 14 (two); a parser that did not consume
 * the extra bytes would read 0xF0 as an option with delta 15 and refuse. */
static void test_coap_extended_delta(void)
{
	const struct flow_entry *e;
	struct flow_table t;
	struct pkt_buf m;
	uint32_t last = 0;

	ab_coap_hdr(&m, AB_COAP_NON, AB_COAP_GET, 7, TOKEN, 1);
	ab_coap_str(&m, &last, 11, "a");
	ab_coap_opt(&m, &last, 11 + 13 + 0xF0, NULL, 0);	/* 0xD0 0xF0 */
	ab_coap_opt(&m, &last, last + 269 + 0xF0F0, NULL, 0);	/* 0xE0 0xF0 0xF0 */
	pb_u8(&m, 0xFF);
	pb_put(&m, "payload", 7);
	EXPECT_EQ(m.b[7], 0xD0, "delta 13 form");
	EXPECT_EQ(m.b[9], 0xE0, "delta 14 form");
	e = coap_one(&t, &m);
	if (e) {
		EXPECT_STR(e->val.app.coap.uri, "/a", "URI");
		EXPECT_EQ(e->val.app.coap.type, AB_COAP_NON, "type");
	}
	flows_free(&t);
}

static void test_coap_extended_length(void)
{
	static const struct { size_t len; __u8 nibble; __u8 flags; } cases[] = {
		{ 20, 13, 0 }, { 254, 13, 0 }, { 300, 14, IOTPROF_APP_F_TRUNCATED },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct flow_entry *e;
		struct flow_table t;
		struct pkt_buf m;
		uint32_t last = 0;
		char want[300];

		ab_coap_hdr(&m, AB_COAP_CON, AB_COAP_GET, 8, TOKEN, 2);
		ab_coap_str(&m, &last, 11, repeat('p', cases[i].len));
		EXPECT_EQ(m.b[6] & 0xF, cases[i].nibble, "length nibble");
		snprintf(want, sizeof(want), "/%s", repeat('p', cases[i].len));
		want[255] = 0;
		e = coap_one(&t, &m);
		if (e) {
			EXPECT_STR(e->val.app.coap.uri, want, "URI");
			EXPECT_EQ(e->val.app.flags, cases[i].flags, "flags");
		}
		flows_free(&t);
	}
}

/* 20 Uri-Path segments, more than the parser keeps (bpf/app_scratch.h
 * COAP_SEGS_MAX): the URI holds the first ones, whole, and is flagged
 * truncated when some were left out. */
static void test_coap_many_segments(void)
{
	const struct flow_entry *e;
	struct flow_table t;
	struct pkt_buf m;
	uint32_t last = 0;
	char full[256] = "", seg[8];

	ab_coap_hdr(&m, AB_COAP_CON, AB_COAP_GET, 9, TOKEN, 1);
	for (int i = 0; i < 20; i++) {
		snprintf(seg, sizeof(seg), "s%02d", i);
		ab_coap_str(&m, &last, 11, seg);
		snprintf(full + strlen(full), sizeof(full) - strlen(full), "/%s", seg);
	}
	e = coap_one(&t, &m);
	if (e) {
		const char *uri = e->val.app.coap.uri;
		size_t n = strlen(uri);

		EXPECT(str_prefix(uri, full, IOTPROF_URI_MAX) && (full[n] == 0 || full[n] == '/'),
		       "URI \"%s\" is not whole segments of \"%s\"", uri, full);
		EXPECT(n >= 8 * 4, "only %zu bytes of URI kept", n);
		EXPECT_EQ(e->val.app.flags, full[n] ? IOTPROF_APP_F_TRUNCATED : 0, "flags");
	}
	flows_free(&t);
}

static void test_coap_invalid(void)
{
	struct pkt_buf m;
	uint8_t tok9[9] = {};

	ab_coap_hdr(&m, AB_COAP_CON, AB_COAP_GET, 1, TOKEN, 4);
	pb_u8(&m, 0xF1);		/* delta 15 */
	pb_u8(&m, 'x');
	expect_app_rejected(IOTPROF_APP_COAP, 17, 5683, &m, "option delta 15");
	ab_coap_hdr(&m, AB_COAP_CON, AB_COAP_GET, 1, TOKEN, 4);
	pb_u8(&m, 0xBF);		/* Uri-Path, length 15 */
	pb_put(&m, "xxxxxxxxxxxxxxxxxxxxxx", 20);
	expect_app_rejected(IOTPROF_APP_COAP, 17, 5683, &m, "option length 15");
	ab_coap_hdr(&m, AB_COAP_CON, AB_COAP_GET, 1, tok9, 9);
	expect_app_rejected(IOTPROF_APP_COAP, 17, 5683, &m, "token length 9");
	for (uint8_t ver = 0; ver < 4; ver += 2) {
		coap_get(&m, NULL);
		m.b[0] = (m.b[0] & 0x3F) | ver << 6;
		expect_app_rejected(IOTPROF_APP_COAP, 17, 5683, &m, ver ? "version 2" : "version 0");
	}
}

static void test_coap_response_joins_request(void)
{
	const struct flow_entry *e;
	struct flow_table t;
	struct pkt_buf m;

	reset();
	coap_get(&m, NULL);
	send_app(17, DEV, 40006, SRV, 5683, &m);
	ab_coap_hdr(&m, AB_COAP_ACK, AB_COAP_CONTENT, 0x1234, TOKEN, 4);
	pb_u8(&m, 0xC1);		/* Content-Format: 50 */
	pb_u8(&m, 50);
	pb_u8(&m, 0xFF);
	pb_put(&m, "{\"t\":21}", 8);
	send_app(17, SRV, 5683, DEV, 40006, &m);
	t = table();
	EXPECT_EQ(t.n, 1, "records: one exchange");
	e = only_rec(&t, IOTPROF_APP_COAP);
	if (e) {
		EXPECT_EQ(e->val.packets[0], 1, "request");
		EXPECT_EQ(e->val.packets[1], 1, "response");
		EXPECT_STR(e->val.app.coap.uri, "/a/b", "the request's URI stays");
		EXPECT_EQ(e->val.app.coap.code, AB_COAP_GET, "the request's code stays");
	}
	flows_free(&t);
}

/* A client that reuses a token for another request starts another
 * exchange; the response goes to the request that used the token last. */
static void test_coap_token_reuse(void)
{
	const struct flow_entry *get = NULL, *post = NULL;
	struct flow_table t;
	struct pkt_buf m;
	uint32_t last;

	reset();
	coap_get(&m, NULL);
	send_app(17, DEV, 40007, SRV, 5683, &m);
	last = 0;
	ab_coap_hdr(&m, AB_COAP_CON, 0x02, 0x1235, TOKEN, 4);	/* POST, same token */
	ab_coap_str(&m, &last, 11, "c");
	send_app(17, DEV, 40007, SRV, 5683, &m);
	ab_coap_hdr(&m, AB_COAP_ACK, 0x44, 0x1235, TOKEN, 4);	/* 2.04 Changed */
	send_app(17, SRV, 5683, DEV, 40007, &m);
	t = table();
	for (size_t i = 0; i < t.n; i++) {
		const struct flow_entry *e = &t.v[i];

		if (e->val.app.kind == IOTPROF_APP_COAP && e->val.app.coap.code == AB_COAP_GET)
			get = e;
		if (e->val.app.kind == IOTPROF_APP_COAP && e->val.app.coap.code == 0x02)
			post = e;
	}
	EXPECT_EQ(app_count(&t, IOTPROF_APP_COAP), 2, "two exchanges on one token");
	if (EXPECT(get && post, "GET and POST records"))  {
		EXPECT_STR(post->val.app.coap.uri, "/c", "POST's URI");
		EXPECT_EQ(get->val.packets[0] + get->val.packets[1], 1, "GET: its request only");
		EXPECT_EQ(post->val.packets[1], 1, "the response counts to the POST");
	}
	flows_free(&t);
}

int main(void)
{
	int status = app_suite_open("bpf-app web");

	if (status >= 0)
		return status;
	RUN(test_http_get_host);
	RUN(test_http_post);
	RUN(test_http_uri_length);
	RUN(test_http_not_http1);
	RUN(test_http_token_methods);
	RUN(test_http_over_udp);
	RUN(test_http_pipelined);
	RUN(test_coap_get_uri);
	RUN(test_coap_extended_delta);
	RUN(test_coap_extended_length);
	RUN(test_coap_many_segments);
	RUN(test_coap_invalid);
	RUN(test_coap_response_joins_request);
	RUN(test_coap_token_reuse);
	offline_close(R);
	return check_state.cases_failed ? 1 : 0;
}
