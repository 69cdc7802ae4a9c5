// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "wire.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xFF;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- DNS -------------------------------------------------------------- */

static int put_name(uint8_t *buf, size_t cap, const char *name)
{
	size_t o = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t len = dot ? (size_t)(dot - name) : strlen(name);

		if (!len || len > 63 || o + len + 2 > cap)
			return -1;
		buf[o++] = (uint8_t)len;
		memcpy(buf + o, name, len);
		o += len;
		name += len + (dot ? 1 : 0);
	}
	if (o + 1 > cap)
		return -1;
	buf[o++] = 0;
	return (int)o;
}

int dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *qname, uint16_t qtype)
{
	int n;

	if (cap < 12 + 4)
		return -1;
	memset(buf, 0, 12);
	put16(buf, id);
	buf[2] = 0x01;		/* RD */
	put16(buf + 4, 1);	/* QDCOUNT */
	n = put_name(buf + 12, cap - 16, qname);
	if (n < 0)
		return -1;
	put16(buf + 12 + n, qtype);
	put16(buf + 14 + n, 1);	/* IN */
	return 16 + n;
}

/* The offset after a (possibly compressed) name at off, or -1. */
static int skip_name(const uint8_t *buf, size_t len, size_t off)
{
	for (int guard = 0; off < len && guard < 128; guard++) {
		uint8_t l = buf[off];

		if (l == 0)
			return (int)off + 1;
		if ((l & 0xC0) == 0xC0)
			return off + 2 <= len ? (int)off + 2 : -1;
		if (l & 0xC0)
			return -1;
		off += 1 + l;
	}
	return -1;
}

int dns_question(const uint8_t *buf, size_t len, char *name, size_t name_len, uint16_t *qtype)
{
	size_t off = 12, o = 0;

	if (len < 12 || get16(buf + 4) < 1)
		return -1;
	while (off < len && buf[off]) {
		uint8_t l = buf[off];

		if (l & 0xC0 || off + 1 + l > len || o + l + 2 > name_len)
			return -1;
		if (o)
			name[o++] = '.';
		for (int i = 0; i < l; i++)
			name[o++] = tolower(buf[off + 1 + i]);
		off += 1 + l;
	}
	if (off + 5 > len)
		return -1;
	name[o] = 0;
	*qtype = get16(buf + off + 1);
	return (int)off + 5;
}

int dns_response(const uint8_t *buf, size_t len, uint16_t id, int *rcode, struct in_addr *addrs, int max)
{
	int qd, an, off = 12, n = 0;

	if (len < 12 || get16(buf) != id || !(buf[2] & 0x80))
		return -1;
	*rcode = buf[3] & 0x0F;
	qd = get16(buf + 4);
	an = get16(buf + 6);
	for (int i = 0; i < qd; i++) {
		if ((off = skip_name(buf, len, off)) < 0 || (size_t)off + 4 > len)
			return 0;
		off += 4;
	}
	for (int i = 0; i < an; i++) {
		uint16_t type, rdlen;

		if ((off = skip_name(buf, len, off)) < 0 || (size_t)off + 10 > len)
			break;
		type = get16(buf + off);
		rdlen = get16(buf + off + 8);
		off += 10;
		if ((size_t)off + rdlen > len)
			break;
		if (type == 1 && rdlen == 4 && n < max)
			memcpy(&addrs[n++], buf + off, 4);
		off += rdlen;
	}
	return n;
}

int dns_answer(const uint8_t *q, size_t qlen, const struct in_addr *addrs, int n, uint8_t *out, size_t cap)
{
	char name[256];
	uint16_t qtype;
	int end = dns_question(q, qlen, name, sizeof(name), &qtype), an = 0;
	size_t o;

	if (end < 0 || (q[2] & 0x80) || (size_t)end > cap)
		return -1;
	memcpy(out, q, end);
	out[2] = 0x80 | (q[2] & 0x79);		/* QR, the query's opcode and RD */
	out[3] = 0x80 | (n < 0 ? 3 : 0);	/* RA; NXDOMAIN */
	put16(out + 4, 1);
	put16(out + 8, 0);
	put16(out + 10, 0);
	o = end;
	for (int i = 0; i < n && (qtype == 1 || qtype == 255); i++) {
		if (o + 16 > cap)
			return -1;
		put16(out + o, 0xC00C);		/* the question's name */
		put16(out + o + 2, 1);
		put16(out + o + 4, 1);
		memset(out + o + 6, 0, 4);
		out[o + 9] = 60;		/* TTL */
		put16(out + o + 10, 4);
		memcpy(out + o + 12, &addrs[i], 4);
		o += 16;
		an++;
	}
	put16(out + 6, an);
	return (int)o;
}

/* ---- CoAP (RFC 7252) ---------------------------------------------------- */

int coap_type_of(const char *text)
{
	static const char *const names[] = { "CON", "NON", "ACK", "RST" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(text, names[i]))
			return i;
	return -1;
}

int coap_code_of(const char *text)
{
	unsigned c, d;

	return sscanf(text, "%u.%u", &c, &d) == 2 ? (int)(c << 5 | d) : -1;
}

static int put_option(uint8_t *buf, size_t cap, int delta, const char *val, size_t len)
{
	size_t o = 1;
	int dn = delta < 13 ? delta : 13, ln = len < 13 ? (int)len : len < 269 ? 13 : 14;

	if (cap < len + 5)
		return -1;
	buf[0] = (uint8_t)(dn << 4 | ln);
	if (dn == 13)
		buf[o++] = (uint8_t)(delta - 13);
	if (ln == 13)
		buf[o++] = (uint8_t)(len - 13);
	else if (ln == 14) {
		put16(buf + o, (uint16_t)(len - 269));
		o += 2;
	}
	memcpy(buf + o, val, len);
	return (int)(o + len);
}

int coap_request(uint8_t *buf, size_t cap, int type, int code, uint16_t mid, const uint8_t *token,
		 int tkl, const char *uri)
{
	size_t o = 4 + tkl;
	int last = 0;

	if (cap < o)
		return -1;
	buf[0] = (uint8_t)(0x40 | type << 4 | tkl);
	buf[1] = (uint8_t)code;
	put16(buf + 2, mid);
	memcpy(buf + 4, token, tkl);
	while (*uri == '/')
		uri++;
	while (*uri) {
		const char *slash = strchr(uri, '/');
		size_t len = slash ? (size_t)(slash - uri) : strlen(uri);
		int n = put_option(buf + o, cap - o, 11 - last, uri, len);	/* Uri-Path */

		if (n < 0)
			return -1;
		o += n;
		last = 11;
		uri += len + (slash ? 1 : 0);
	}
	return (int)o;
}

int coap_parse(const uint8_t *buf, size_t len, struct coap_msg *m)
{
	if (len < 4 || buf[0] >> 6 != 1 || (buf[0] & 0xF) > 8 || 4u + (buf[0] & 0xF) > len)
		return -1;
	m->type = buf[0] >> 4 & 3;
	m->tkl = buf[0] & 0xF;
	m->code = buf[1];
	m->mid = get16(buf + 2);
	memcpy(m->token, buf + 4, m->tkl);
	return 0;
}

int coap_response(const struct coap_msg *req, uint16_t mid, uint8_t *buf, size_t cap)
{
	size_t o = 4 + req->tkl;

	if (req->type != COAP_CON && req->type != COAP_NON)
		return 0;
	if (cap < o + 3)
		return -1;
	buf[0] = (uint8_t)(0x40 | (req->type == COAP_CON ? COAP_ACK : COAP_NON) << 4 | req->tkl);
	buf[1] = 2 << 5 | 5;	/* 2.05 Content */
	put16(buf + 2, req->type == COAP_CON ? req->mid : mid);
	memcpy(buf + 4, req->token, req->tkl);
	buf[o++] = 0xFF;
	buf[o++] = 'o';
	buf[o++] = 'k';
	return (int)o;
}
