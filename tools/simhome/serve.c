// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The server side: every address:port the spec sends a communication to,
 * in the namespace of the host owning the address, gets a socket.  TCP
 * connections are told apart by their first byte (a TLS record, an HTTP
 * method, simhome's '#' header), datagrams by port and content (DNS, CoAP,
 * '#' header, anything else is echoed).  A resolver that the home does not
 * list gets a socket that never answers, so queries to it time out instead
 * of drawing ICMP errors (which would be flows of their own).
 */
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "net.h"
#include "simhome.h"
#include "stream.h"
#include "wire.h"

#define SERVER_WAIT_S 5.0	/* a server gives up on a silent client after this */

enum { K_STREAM = 1, K_DGRAM = 2, K_DNS = 4, K_SILENT = 8 };

struct listener {
	int fd;
	char addr[SPEC_ADDR_MAX];
	int port;
	unsigned kinds;
};

struct server {
	struct sim *sim;
	struct listener *v;
	int n;
};

static void add(struct server *sv, const char *addr, int port, unsigned kind)
{
	char id[96];

	sim_host_id(&sv->sim->spec, addr, id, sizeof(id));
	if (strcmp(id, sv->sim->host_id) || spec_is_group(&sv->sim->spec, addr))
		return;		/* another host's, or nobody's */
	if (!strcmp(addr, sv->sim->spec.gateway) && port == 53)
		return;		/* dnsmasq's */
	for (int i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i].addr, addr) && sv->v[i].port == port &&
		    !(sv->v[i].kinds & K_STREAM) == !(kind & K_STREAM)) {
			sv->v[i].kinds |= kind;
			if (sv->v[i].kinds & K_DNS)
				sv->v[i].kinds &= ~K_SILENT;
			return;
		}
	sv->v = realloc(sv->v, (sv->n + 1) * sizeof(*sv->v));
	if (!sv->v)
		exit(1);
	sv->v[sv->n] = (struct listener){ .fd = -1, .port = port, .kinds = kind };
	snprintf(sv->v[sv->n].addr, SPEC_ADDR_MAX, "%s", addr);
	sv->n++;
}

static void plan_listeners(struct server *sv)
{
	const struct home_spec *s = &sv->sim->spec;

	for (int i = 0; i < s->n_resolvers; i++)
		add(sv, s->resolvers[i], 53, K_DGRAM | K_DNS);
	for (int i = 0; i < s->n_comms; i++) {
		const struct comm *c = &s->comms[i];
		unsigned kind = spec_proto_is_tcp(c->proto) ? K_STREAM : K_DGRAM;

		if (c->proto == PROTO_DNS)
			kind |= K_DNS;
		for (int r = 0; r < c->n_resolvers; r++) {
			const char *a = spec_resolver_addr(s, c->resolvers[r]);

			add(sv, a, 53, K_DGRAM | (spec_dns_answers(s, a) ? K_DNS : K_SILENT));
		}
		if (c->to.kind == HOST_NAME) {
			const struct name_entry *e = spec_name(s, c->to.text);

			for (int a = 0; e && a < e->n_addrs; a++)
				add(sv, e->addrs[a], c->dport, kind);
		} else {
			add(sv, spec_endpoint_addr(s, c->device, &c->to), c->dport, kind);
		}
	}
}

/* ---- datagrams ---------------------------------------------------------- */

static void answer_dns(struct server *sv, struct listener *l, const uint8_t *q, size_t len,
		       struct sockaddr_in *from)
{
	const struct home_spec *s = &sv->sim->spec;
	const struct name_entry *e;
	struct in_addr addrs[8];
	uint8_t out[1500];
	char name[256];
	uint16_t qtype;
	int n = -1;

	if (l->kinds & K_SILENT && !(l->kinds & K_DNS))
		return;
	if (dns_question(q, len, name, sizeof(name), &qtype) < 0)
		return;
	if ((e = spec_name(s, name))) {
		n = e->n_addrs;
		for (int i = 0; i < n; i++)
			inet_pton(AF_INET, e->addrs[i], &addrs[i]);
	}
	n = dns_answer(q, len, addrs, n, out, sizeof(out));
	if (n > 0)
		sendto(l->fd, out, n, 0, (struct sockaddr *)from, sizeof(*from));
}

static void serve_datagram(struct server *sv, struct listener *l)
{
	uint8_t buf[2048], out[2048];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	ssize_t n = recvfrom(l->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
	struct coap_msg m;
	int len = -1;

	if (n < 0)
		return;
	if (l->kinds & (K_DNS | K_SILENT) && n >= 12) {
		char name[256];
		uint16_t qtype;

		if (dns_question(buf, n, name, sizeof(name), &qtype) >= 0) {
			answer_dns(sv, l, buf, n, &from);
			return;
		}
	}
	if (n > 0 && buf[0] == '#') {
		int first, reply[1];

		buf[n] = 0;
		if (stream_parse_header((char *)buf, &first, reply, 1) == 1 && reply[0] > 0)
			len = stream_plan_header((char *)out, sizeof(out), reply[0], 1) > 0 ? reply[0] : -1;
		if (len > 0)
			memset(out, 'y', len);
	} else if (n >= 4 && !coap_parse(buf, n, &m)) {
		len = coap_response(&m, (uint16_t)rand(), out, sizeof(out));
		if (len == 0)
			return;		/* ACK, RST: no answer */
	} else {
		memcpy(out, buf, n);	/* echo, empty included */
		len = (int)n;
	}
	if (len >= 0)
		sendto(l->fd, out, len, 0, (struct sockaddr *)&from, flen);
}

/* ---- connections -------------------------------------------------------- */

struct conn {
	struct server *sv;
	int fd;
};

static void serve_http(struct stream *st, double deadline)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
				   "Connection: close\r\n\r\nok\n";
	char req[4096];
	int got = 0;

	while (got < (int)sizeof(req) - 1) {
		int n = stream_recv_some(st, req + got, sizeof(req) - 1 - got, deadline);

		if (n <= 0)
			return;
		got += n;
		req[got] = 0;
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	stream_send(st, resp, sizeof(resp) - 1, deadline);
}

/* Anything else: read until the client closes, then close. */
static void serve_stream(struct stream *st, double deadline)
{
	char buf[1024];

	while (stream_recv_some(st, buf, sizeof(buf), deadline) > 0)
		;
}

static void *conn_thread(void *arg)
{
	struct conn *c = arg;
	struct stream st = { .fd = c->fd };
	double deadline = now_s() + SERVER_WAIT_S;
	unsigned char first = 0;

	if (!sock_wait(st.fd, POLLIN, deadline) || recv(st.fd, &first, 1, MSG_PEEK) != 1)
		goto out;
	if (first == 0x16) {
		char b;

		if (!c->sv->sim->tls_server || stream_tls_accept(&st, c->sv->sim->tls_server, deadline))
			goto out;
		/* inside TLS: simhome's header, or HTTP */
		sock_deadline(st.fd, deadline);
		if (SSL_peek(st.ssl, &b, 1) != 1)
			goto out;
		first = b;
	}
	if (first == '#')
		stream_server_plan(&st, deadline);
	else if (isupper(first))
		serve_http(&st, deadline);
	else
		serve_stream(&st, deadline);
out:
	stream_close(&st);
	free(c);
	return NULL;
}

static void accept_one(struct server *sv, struct listener *l)
{
	int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC), one = 1;
	struct conn *c;
	pthread_t t;

	if (fd < 0)
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = malloc(sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	*c = (struct conn){ .sv = sv, .fd = fd };
	if (pthread_create(&t, NULL, conn_thread, c)) {
		close(fd);
		free(c);
		return;
	}
	pthread_detach(t);
}

static void *serve_loop(void *arg)
{
	struct server *sv = arg;
	struct pollfd *p = calloc(sv->n ? sv->n : 1, sizeof(*p));

	if (!p)
		return NULL;
	for (int i = 0; i < sv->n; i++)
		p[i] = (struct pollfd){ .fd = sv->v[i].fd, .events = POLLIN };
	for (;;) {
		if (poll(p, sv->n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("simhome: poll");
			exit(1);
		}
		for (int i = 0; i < sv->n; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			if (sv->v[i].kinds & K_STREAM)
				accept_one(sv, &sv->v[i]);
			else
				serve_datagram(sv, &sv->v[i]);
		}
	}
	return NULL;
}

int serve_start(struct sim *sim)
{
	struct server *sv = calloc(1, sizeof(*sv));
	pthread_t t;

	if (!sv)
		return -ENOMEM;
	sv->sim = sim;
	plan_listeners(sv);
	for (int i = 0; i < sv->n; i++) {
		struct listener *l = &sv->v[i];

		l->fd = listen_on(l->kinds & K_STREAM ? SOCK_STREAM : SOCK_DGRAM, l->addr, l->port);
		if (l->fd < 0) {
			fprintf(stderr, "simhome %s: cannot serve %s %s:%d: %s\n", sim->host_id,
				l->kinds & K_STREAM ? "tcp" : "udp", l->addr, l->port, strerror(errno));
			return -errno;
		}
	}
	if (pthread_create(&t, NULL, serve_loop, sv))
		return -EAGAIN;
	pthread_detach(t);
	return sv->n;
}
