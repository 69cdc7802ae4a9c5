// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "net.h"
#include "stream.h"

#define PLAN_MAX 64
#define MSG_MAX 65536

int stream_tls_connect(struct stream *st, SSL_CTX *ctx, const char *sni, double deadline)
{
	st->ssl = SSL_new(ctx);
	if (!st->ssl)
		return -ENOMEM;
	SSL_set_fd(st->ssl, st->fd);
	if (sni)
		SSL_set_tlsext_host_name(st->ssl, sni);
	sock_deadline(st->fd, deadline);
	return SSL_connect(st->ssl) == 1 ? 0 : -EPROTO;
}

int stream_tls_accept(struct stream *st, SSL_CTX *ctx, double deadline)
{
	st->ssl = SSL_new(ctx);
	if (!st->ssl)
		return -ENOMEM;
	SSL_set_fd(st->ssl, st->fd);
	sock_deadline(st->fd, deadline);
	return SSL_accept(st->ssl) == 1 ? 0 : -EPROTO;
}

bool stream_send(struct stream *st, const void *buf, size_t len, double deadline)
{
	if (!st->ssl)
		return send_all(st->fd, buf, len, deadline);
	while (len) {
		int n;

		sock_deadline(st->fd, deadline);
		n = SSL_write(st->ssl, buf, len > MSG_MAX ? MSG_MAX : (int)len);
		if (n <= 0)
			return false;
		buf = (const char *)buf + n;
		len -= n;
	}
	return true;
}

int stream_recv_some(struct stream *st, void *buf, size_t len, double deadline)
{
	int n;

	if (now_s() >= deadline)
		return -1;
	sock_deadline(st->fd, deadline);
	if (!st->ssl) {
		do
			n = recv(st->fd, buf, len, 0);
		while (n < 0 && errno == EINTR && now_s() < deadline);
		return n < 0 ? -1 : n;
	}
	n = SSL_read(st->ssl, buf, len > MSG_MAX ? MSG_MAX : (int)len);
	if (n > 0)
		return n;
	return SSL_get_error(st->ssl, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
}

bool stream_recv(struct stream *st, void *buf, size_t len, double deadline)
{
	while (len) {
		int n = stream_recv_some(st, buf, len, deadline);

		if (n <= 0)
			return false;
		buf = (char *)buf + n;
		len -= n;
	}
	return true;
}

void stream_close(struct stream *st)
{
	if (st->ssl) {
		SSL_shutdown(st->ssl);
		SSL_free(st->ssl);
		st->ssl = NULL;
	}
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
}

void stream_abort(struct stream *st)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (st->fd >= 0)
		setsockopt(st->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (st->ssl) {
		SSL_free(st->ssl);	/* no close_notify: it would only queue */
		st->ssl = NULL;
	}
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
}

int stream_header(char *buf, size_t cap, int first_len, const int *rest, int n)
{
	char list[PLAN_MAX * 8] = "";
	size_t o = 0;
	int len = 0, total;

	for (int i = 0; i < n && o < sizeof(list); i++)
		o += snprintf(list + o, sizeof(list) - o, "%s%d", i ? "," : "", rest[i]);
	/* The header counts itself: its length depends on the digits of L0. */
	for (int pass = 0; pass < 3; pass++) {
		total = len > first_len ? len : first_len;
		len = snprintf(NULL, 0, "#%d:%s\n", total, list);
	}
	total = len > first_len ? len : first_len;
	if ((size_t)total > cap)
		return -1;
	snprintf(buf, cap, "#%d:%s\n", total, list);
	if (total > len)
		memset(buf + len, 'x', total - len);
	return total;
}

int stream_plan_header(char *buf, size_t cap, int first_len, int reply)
{
	return stream_header(buf, cap, first_len, &reply, 1);
}

int stream_parse_header(const char *line, int *first_len, int *rest, int max)
{
	const char *p = line;
	char *end;
	int n = 0;

	if (*p++ != '#')
		return -1;
	*first_len = (int)strtol(p, &end, 10);
	if (end == p || *end != ':' || *first_len < 0 || *first_len > MSG_MAX)
		return -1;
	p = end + 1;
	while (*p && *p != '\n') {
		long v = strtol(p, &end, 10);

		if (end == p || n == max || v == 0 || v > MSG_MAX || v < -MSG_MAX)
			return -1;
		rest[n++] = (int)v;
		p = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\n')
			return -1;
	}
	return n;
}

static bool send_filler(struct stream *st, int len, char c, double deadline)
{
	char *buf = malloc(len);
	bool ok;

	if (!buf)
		return false;
	memset(buf, c, len);
	ok = stream_send(st, buf, len, deadline);
	free(buf);
	return ok;
}

static bool recv_discard(struct stream *st, int len, double deadline)
{
	char *buf = malloc(len);
	bool ok;

	if (!buf)
		return false;
	ok = stream_recv(st, buf, len, deadline);
	free(buf);
	return ok;
}

bool stream_client_plan(struct stream *st, const struct int_list *plan, bool device_client, double deadline)
{
	static const int fallback[] = { -24, 48 };
	int s[PLAN_MAX] = { 0 }, n = 0, first = 0, len, start = 0;
	char *hdr;
	char tail[256];
	bool ok;

	if (plan && plan->n) {
		for (int i = 0; i < plan->n && n < PLAN_MAX; i++)
			s[n++] = device_client ? plan->v[i] : -plan->v[i];
	} else {
		memcpy(s, fallback, sizeof(fallback));
		n = 2;
	}
	if (s[0] < 0) {
		first = -s[0];
		start = 1;
	}
	hdr = malloc(first + PLAN_MAX * 8 + 32);
	if (!hdr)
		return false;
	len = stream_header(hdr, first + PLAN_MAX * 8 + 32, first, s + start, n - start);
	ok = len > 0 && stream_send(st, hdr, len, deadline);
	free(hdr);
	for (int i = start; i < n && ok; i++)
		ok = s[i] > 0 ? recv_discard(st, s[i], deadline) : send_filler(st, -s[i], 'x', deadline);
	/* the server closes: that is the end of the exchange */
	while (ok) {
		int r = stream_recv_some(st, tail, sizeof(tail), deadline);

		if (r == 0)
			break;
		ok = r > 0;
	}
	return ok;
}

bool stream_server_plan(struct stream *st, double deadline)
{
	char line[PLAN_MAX * 8 + 32];
	int rest[PLAN_MAX], n, first, got = 0;
	bool ok = true;

	/* Byte by byte up to the newline: the client's next message may follow. */
	while (got < (int)sizeof(line) - 1) {
		if (!stream_recv(st, line + got, 1, deadline))
			return false;
		if (line[got++] == '\n')
			break;
	}
	line[got] = 0;
	n = stream_parse_header(line, &first, rest, PLAN_MAX);
	if (n < 0)
		return false;
	if (first > got)
		ok = recv_discard(st, first - got, deadline);
	for (int i = 0; i < n && ok; i++)
		ok = rest[i] > 0 ? send_filler(st, rest[i], 'y', deadline) : recv_discard(st, -rest[i], deadline);
	return ok;
}
