// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The client side of a communication: resolution through the resolvers in
 * order (one DNS query each), then the exchange of its protocol, all before
 * the communication's timeout (each resolver attempt has its own).
 *
 * Payloads never look like what the kernel parses unless they are meant
 * to: plain TCP and UDP data start with '#' (not a TLS record, not an HTTP
 * method), and plain UDP to the DNS, mDNS and CoAP ports is empty.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include "app_json.h"
#include "net.h"
#include "simhome.h"
#include "stream.h"
#include "wire.h"

static uint16_t random16(void)
{
	uint16_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint16_t)(rand() ^ getpid());
	return v;
}

/* One DNS exchange over UDP.  Returns the number of A records (addrs), 0 for
 * an answer without any, -1 when no answer came. */
static int dns_ask(const char *src, const char *server, int port, const char *qname, const char *qtype,
		   double timeout, struct in_addr *addrs, int max)
{
	uint8_t q[512], a[1500];
	uint16_t id = random16();
	int type = dns_type_number(qtype), len, fd, n = -1, rcode;
	double deadline = now_s() + timeout;

	if (type < 0 || (len = dns_query(q, sizeof(q), id, qname, (uint16_t)type)) < 0)
		return -1;
	fd = sock_bound(SOCK_DGRAM, src, 0);
	if (fd < 0)
		return -1;
	if (sock_connect(fd, server, port, deadline) || send(fd, q, len, 0) != len)
		goto out;
	while (n < 0 && sock_wait(fd, POLLIN, deadline)) {
		ssize_t got = recv(fd, a, sizeof(a), 0);

		if (got < 0 && errno != EINTR)
			break;	/* ICMP unreachable */
		if (got > 0)
			n = dns_response(a, got, id, &rcode, addrs, max);
	}
out:
	close(fd);
	return n;
}

static bool resolve(const struct sim *sim, const struct comm *c, const char *src, char *dst, char *why,
		    size_t len)
{
	for (int i = 0; i < c->n_resolvers; i++) {
		const char *r = spec_resolver_addr(&sim->spec, c->resolvers[i]);
		struct in_addr a[8];
		int n = dns_ask(src, r, 53, c->to.text, "A", c->timeout, a, 8);

		if (n > 0) {
			inet_ntop(AF_INET, &a[0], dst, SPEC_ADDR_MAX);
			return true;
		}
		snprintf(why, len, "%s: %s", r, n < 0 ? "no DNS answer" : "no address for the name");
	}
	snprintf(why + strlen(why), len - strlen(why), " (resolving %s)", c->to.text);
	return false;
}

static bool http_exchange(struct stream *st, const struct comm *c, const char *host, double deadline)
{
	char req[600], resp[256];
	int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: simhome\r\n"
			 "Content-Length: 0\r\nConnection: close\r\n\r\n", c->method, c->uri, host);
	size_t got = 0;

	if (!stream_send(st, req, n, deadline))
		return false;
	/* the server answers and closes */
	for (;;) {
		int r = stream_recv_some(st, resp + got, sizeof(resp) - 1 - got, deadline);

		if (r < 0)
			return false;
		if (r == 0)
			break;
		got += r;
		if (got == sizeof(resp) - 1)
			got = 16;	/* keep the status line, drop the rest */
	}
	resp[got] = 0;
	return !strncmp(resp, "HTTP/1.", 7);
}

static bool stream_comm(struct sim *sim, const struct comm *c, const char *src, const char *dst,
			const struct int_list *plan, char *why, size_t len)
{
	double deadline = now_s() + c->timeout;
	bool device_client = c->from.kind == HOST_DEVICE;
	struct stream st = { .fd = -1 };
	bool ok = false;
	int err;

	st.fd = sock_bound(SOCK_STREAM, src, c->sport > 0 ? c->sport : 0);
	if (st.fd < 0) {
		snprintf(why, len, "socket from %s: %s", src, strerror(errno));
		return false;
	}
	if ((err = sock_connect(st.fd, dst, c->dport, deadline))) {
		snprintf(why, len, "connect %s:%d: %s", dst, c->dport, strerror(-err));
		goto out;
	}
	if (c->proto == PROTO_TLS &&
	    stream_tls_connect(&st, sim->tls_client, c->to.kind == HOST_NAME ? c->to.text : NULL, deadline)) {
		snprintf(why, len, "TLS handshake with %s:%d failed", dst, c->dport);
		goto out;
	}
	if (c->proto == PROTO_HTTP)
		ok = http_exchange(&st, c, c->to.kind == HOST_NAME ? c->to.text : dst, deadline);
	else
		ok = stream_client_plan(&st, plan, device_client, deadline);
	if (!ok)
		snprintf(why, len, "%s exchange with %s:%d did not complete", spec_proto_name(c->proto), dst,
			 c->dport);
out:
	if (ok)
		stream_close(&st);
	else
		stream_abort(&st);
	return ok;
}

/* Plain UDP, CoAP, DNS: one datagram and, unless it went to a group, its
 * answer. */
static bool datagram_comm(const struct sim *sim, const struct comm *c, const char *src, const char *dst,
			  char *why, size_t len)
{
	double deadline = now_s() + c->timeout;
	bool group = spec_is_group(&sim->spec, dst), expect_answer = !group;
	uint8_t msg[600], ans[1500];
	uint8_t token[4];
	int n = 0, fd;
	bool ok = false;

	if (c->proto == PROTO_DNS) {
		struct in_addr a[8];

		if (dns_ask(src, dst, c->dport, c->qname, c->qtype, c->timeout, a, 8) >= 0)
			return true;
		snprintf(why, len, "no DNS answer from %s:%d", dst, c->dport);
		return false;
	}
	if (c->proto == PROTO_COAP) {
		uint16_t mid = random16(), t = random16();
		int type = coap_type_of(c->coap_type);

		memcpy(token, &t, 2);
		memcpy(token + 2, &mid, 2);
		n = coap_request(msg, sizeof(msg), type, coap_code_of(c->coap_code), mid, token, 4, c->uri);
		expect_answer &= type == COAP_CON || type == COAP_NON;
	} else if (!spec_port_parsed(c->sport, c->dport)) {
		n = stream_plan_header((char *)msg, sizeof(msg), 24, 48);
	}
	fd = sock_bound(SOCK_DGRAM, src, c->sport > 0 ? c->sport : 0);
	if (fd < 0) {
		snprintf(why, len, "socket from %s: %s", src, strerror(errno));
		return false;
	}
	if (sock_connect(fd, dst, c->dport, deadline) || send(fd, msg, n, 0) != n) {
		snprintf(why, len, "send to %s:%d: %s", dst, c->dport, strerror(errno));
		goto out;
	}
	ok = !expect_answer;
	while (!ok && sock_wait(fd, POLLIN, deadline)) {
		ssize_t got = recv(fd, ans, sizeof(ans), 0);
		struct coap_msg m;

		if (got < 0 && errno != EINTR)
			break;
		if (got < 0)
			continue;
		if (c->proto != PROTO_COAP)
			ok = true;
		else if (!coap_parse(ans, got, &m) && m.tkl == 4 && !memcmp(m.token, token, 4))
			ok = true;
	}
	if (!ok)
		snprintf(why, len, "no answer from %s:%d", dst, c->dport);
out:
	close(fd);
	return ok;
}

bool comm_run(struct sim *sim, const struct comm *c, const struct int_list *plan, char *why, size_t len)
{
	const char *src = spec_endpoint_addr(&sim->spec, c->device, &c->from);
	char dst[SPEC_ADDR_MAX];

	why[0] = 0;
	if (c->to.kind == HOST_NAME) {
		if (!resolve(sim, c, src, dst, why, len))
			return false;
	} else {
		snprintf(dst, sizeof(dst), "%s", spec_endpoint_addr(&sim->spec, c->device, &c->to));
	}
	if (spec_proto_is_tcp(c->proto))
		return stream_comm(sim, c, src, dst, plan, why, len);
	return datagram_comm(sim, c, src, dst, why, len);
}
