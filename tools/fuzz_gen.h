/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The packet fuzzer's generator (tools/fuzz_packets.c): a seeded PRNG,
 * well-formed seed frames of every application protocol with the offsets of
 * their length fields marked, and the mutations applied to them.
 */
#ifndef IOTPROF_FUZZ_GEN_H
#define IOTPROF_FUZZ_GEN_H

#include <string.h>
#include "appbuild.h"

#define FRAME_MAX 2048
#define MARKS_MAX 48

/* ---- PRNG (splitmix64) ------------------------------------------------ */

static __u64 rng_state;

static __u64 rnd(void)
{
	__u64 z = (rng_state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static __u32 below(__u32 n) { return n ? (__u32)(rnd() % n) : 0; }

/* ---- seeds ------------------------------------------------------------ */

struct seed {
	const char *name;
	struct pkt_buf f;
	__u32 l4_off, pay_off;
	__u8 proto;
	int n_marks;
	__u32 mark[MARKS_MAX];	/* offsets of length fields and CoAP nibble bytes */
	__u8 width[MARKS_MAX];	/* 1 or 2 bytes */
};

static struct seed seeds[16];
static int n_seeds;

static void mark(struct seed *s, __u32 off, __u8 width)
{
	if (s->n_marks < MARKS_MAX) {
		s->mark[s->n_marks] = s->pay_off + off;
		s->width[s->n_marks++] = width;
	}
}

static struct seed *add_seed(const char *name, uint8_t proto, const char *src, uint16_t sport,
			     const char *dst, uint16_t dport, const struct pkt_buf *m)
{
	struct seed *s = &seeds[n_seeds++];

	s->name = name;
	s->proto = proto;
	ab_wrap(&s->f, proto, src, sport, dst, dport, m->b, m->len);
	s->pay_off = s->f.len - m->len;
	s->l4_off = s->pay_off - (proto == 6 ? 20 : 8);
	return s;
}

/* Marks a well-formed DNS message's counts, label lengths and rdlengths. */
static void mark_dns(struct seed *s, const struct pkt_buf *m, __u32 base)
{
	__u32 at = base + 12, qd = m->b[base + 5], an = m->b[base + 7];

	for (int i = 0; i < 4; i++)
		mark(s, base + 4 + 2 * i, 2);
	for (__u32 rr = 0; rr < qd + an && at < m->len; rr++) {
		while (at < m->len && m->b[at] && (m->b[at] & 0xC0) != 0xC0) {
			mark(s, at, 1);
			at += m->b[at] + 1;
		}
		at += at < m->len && m->b[at] ? 2 : 1;
		if (rr < qd) {
			at += 4;
			continue;
		}
		mark(s, at + 8, 2);
		at += 10 + (m->b[at + 8] << 8 | m->b[at + 9]);
	}
}

/* Marks the lengths of a ClientHello built by ab_tls_client_hello. */
static void mark_tls(struct seed *s, const struct pkt_buf *m)
{
	__u32 at = 43, end;

	mark(s, 3, 2);
	mark(s, 7, 2);
	mark(s, at, 1);
	at += 1 + m->b[at];
	mark(s, at, 2);
	at += 2 + (m->b[at] << 8 | m->b[at + 1]);
	mark(s, at, 1);
	at += 1 + m->b[at];
	mark(s, at, 2);
	end = at + 2 + (m->b[at] << 8 | m->b[at + 1]);
	for (at += 2; at + 4 <= end; at += 4 + (m->b[at + 2] << 8 | m->b[at + 3])) {
		mark(s, at + 2, 2);
		if (m->b[at] == 0 && m->b[at + 1] == 0) {		/* server_name */
			mark(s, at + 4, 2);
			mark(s, at + 7, 2);
		} else if (m->b[at] == 0 && m->b[at + 1] == 43) {	/* versions */
			mark(s, at + 4, 1);
		}
	}
}

/* Marks a CoAP message's first byte (token length) and option bytes. */
static void mark_coap(struct seed *s, const struct pkt_buf *m)
{
	__u32 at = 4 + (m->b[0] & 0xF);

	mark(s, 0, 1);
	while (at < m->len && m->b[at] != 0xFF) {
		__u8 b = m->b[at], d = b >> 4, l = b & 0xF;
		__u32 len = l;

		mark(s, at, 1);
		at += 1 + (d == 13) + 2 * (d == 14);
		if (l == 13)
			len = m->b[at] + 13;
		else if (l == 14)
			len = (m->b[at] << 8 | m->b[at + 1]) + 269;
		at += (l == 13) + 2 * (l == 14) + len;
	}
}

static void build_seeds(void)
{
	static const char *const addrs[] = { "192.0.2.1", "2001:db8::1", "192.0.2.2" };
	static const char *const many[] = { "198.51.100.1", "198.51.100.2", "198.51.100.3",
		"198.51.100.4", "198.51.100.5", "198.51.100.6", "198.51.100.7", "198.51.100.8",
		"198.51.100.9", "2001:db8::a" };
	static const uint16_t versions[] = { 0x3a3a, 0x0304, 0x0303 };
	static const uint16_t ciphers[] = { 0x0a0a, 0x1301, 0x1302, 0xc02f };
	static const uint16_t gexts[] = { 0x1a1a };
	static const uint8_t token[] = { 0xde, 0xad, 0xbe, 0xef };
	static const char get[] = "GET /api/status?id=7 HTTP/1.1\r\nHost: cam.local\r\n"
				  "User-Agent: fw/1.2\r\n\r\n";
	static const char post[] = "POST /upload HTTP/1.0\r\nhost: cloud.example.com:8443\r\n"
				   "Content-Length: 3\r\n\r\nabc";
	struct ab_hello h = { .sni = "broker.iot.example.com", .sid_len = 32, .pad_before = 40,
			      .versions = versions, .n_versions = 3, .ciphers = ciphers,
			      .n_ciphers = 4, .grease_exts = gexts, .n_grease_exts = 1 };
	struct pkt_buf m, tcp;
	struct seed *s;
	uint32_t last = 0;

	ab_dns_query(&m, 0x1111, "device.example.com", 1);
	s = add_seed("dns query", 17, "10.0.0.2", 40000, "10.0.0.1", 53, &m);
	mark_dns(s, &m, 0);
	ab_dns_response(&m, 0x1111, "device.example.com", 1, 0, addrs, 3);
	s = add_seed("dns response", 17, "10.0.0.1", 53, "10.0.0.2", 40000, &m);
	mark_dns(s, &m, 0);
	ab_dns_response(&m, 0x2222, "many.example.net", 28, 0, many, 10);
	s = add_seed("dns response v6", 17, "2001:db8::53", 53, "2001:db8::2", 40001, &m);
	mark_dns(s, &m, 0);
	ab_dns_response(&m, 0x3333, "tcp.example.org", 1, 0, addrs, 2);
	ab_dns_tcp_frame(&tcp, &m);
	s = add_seed("dns tcp", 6, "10.0.0.1", 53, "10.0.0.2", 40002, &tcp);
	mark(s, 0, 2);
	mark_dns(s, &tcp, 2);
	ab_dns_query(&m, 0, "_hap._tcp.local", 12);
	s = add_seed("mdns", 17, "fe80::1", 5353, "ff02::fb", 5353, &m);
	mark_dns(s, &m, 0);
	ab_tls_client_hello(&m, &h);
	s = add_seed("tls v4", 6, "10.0.0.2", 40003, "198.51.100.7", 443, &m);
	mark_tls(s, &m);
	h.sni = "v6.example.com", h.pad_before = 0, h.sid_len = 0;
	ab_tls_client_hello(&m, &h);
	s = add_seed("tls v6", 6, "2001:db8::2", 40004, "2001:db8::7", 8883, &m);
	mark_tls(s, &m);
	m.len = 0;
	pb_put(&m, get, sizeof(get) - 1);
	add_seed("http get", 6, "10.0.0.2", 40005, "198.51.100.8", 80, &m);
	m.len = 0;
	pb_put(&m, post, sizeof(post) - 1);
	add_seed("http post", 6, "2001:db8::2", 40006, "2001:db8::8", 8080, &m);
	ab_coap_hdr(&m, AB_COAP_CON, AB_COAP_GET, 0x4242, token, 4);
	ab_coap_str(&m, &last, 3, "hub.local");
	ab_coap_str(&m, &last, 11, "lights");
	ab_coap_str(&m, &last, 11, "kitchen-ceiling-0001");
	ab_coap_opt(&m, &last, 300, "\x01", 1);
	s = add_seed("coap get", 17, "10.0.0.2", 40007, "192.0.2.40", 5683, &m);
	mark_coap(s, &m);
	ab_coap_hdr(&m, AB_COAP_ACK, AB_COAP_CONTENT, 0x4242, token, 4);
	pb_u8(&m, 0xC1);
	pb_u8(&m, 50);
	pb_u8(&m, 0xFF);
	pb_put(&m, "{\"on\":1}", 8);
	s = add_seed("coap ack", 17, "192.0.2.40", 5683, "10.0.0.2", 40007, &m);
	mark_coap(s, &m);
}

/* ---- mutations ---------------------------------------------------------- */

struct frame {
	__u32 len;		/* bytes built (the wire length) */
	__u32 caplen;		/* bytes fed (a snap length may cut) */
	__u8  b[FRAME_MAX];
};

/* Sets the IP and UDP lengths from the frame's length. */
static void fix_lengths(const struct seed *s, struct frame *f)
{
	__u32 ip = s->f.ip_off;
	__u16 n = s->f.ip_family == 4 ? f->len - ip : f->len - ip - 40;

	f->b[ip + (s->f.ip_family == 4 ? 2 : 4)] = n >> 8;
	f->b[ip + (s->f.ip_family == 4 ? 3 : 5)] = n & 0xff;
	if (s->proto == 17 && f->len >= s->l4_off + 6) {
		f->b[s->l4_off + 4] = (f->len - s->l4_off) >> 8;
		f->b[s->l4_off + 5] = (f->len - s->l4_off) & 0xff;
	}
}

/* A position to damage: mostly the payload, sometimes the headers. */
static __u32 where(const struct seed *s, const struct frame *f)
{
	if (f->len > s->pay_off && below(4))
		return s->pay_off + below(f->len - s->pay_off);
	return 14 + below(f->len - 14);
}

static __u16 odd_value(__u16 v, __u8 width)
{
	switch (below(8)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return width == 1 ? 0xff : 0xffff;
	case 3: return v + 1;
	case 4: return v - 1;
	case 5: return v + 1 + below(16);
	case 6: return v - 1 - below(16);
	default: return width == 1 ? below(256) : below(65536);
	}
}

static void put_field(struct frame *f, __u32 off, __u8 width, __u16 v)
{
	if (off + width > f->len)
		return;
	if (width == 2)
		f->b[off++] = v >> 8;
	f->b[off] = v & 0xff;
}

static __u16 get_field(const struct frame *f, __u32 off, __u8 width)
{
	if (off + width > f->len)
		return 0;
	return width == 2 ? f->b[off] << 8 | f->b[off + 1] : f->b[off];
}

static void mutate_once(const struct seed *s, struct frame *f)
{
	static const __u16 ports[] = { 53, 5353, 5683, 80, 443, 8080 };
	__u32 ip = s->f.ip_off, at, n;

	switch (below(10)) {
	case 0:		/* a shorter segment: the IP length says so */
		if (f->len > s->pay_off) {
			f->len = s->pay_off + below(f->len - s->pay_off);
			fix_lengths(s, f);
		}
		break;
	case 1:		/* bit flips */
		for (n = 1 + below(8); n--;) {
			at = where(s, f);
			f->b[at] ^= 1 << below(8);
		}
		break;
	case 2:		/* random bytes */
		for (n = 1 + below(4); n--;)
			f->b[where(s, f)] = below(256);
		break;
	case 3:		/* IP total length / payload length */
		at = ip + (s->f.ip_family == 4 ? 2 : 4);
		put_field(f, at, 2, odd_value(get_field(f, at, 2), 2));
		break;
	case 4:		/* UDP length (or TCP data offset) */
		if (s->proto == 17)
			put_field(f, s->l4_off + 4, 2, odd_value(get_field(f, s->l4_off + 4, 2), 2));
		else
			f->b[s->l4_off + 12] = below(16) << 4;
		break;
	case 5:		/* DNS counts, TLS lengths, CoAP token length and options */
	case 6:
		if (s->n_marks) {
			int k = below(s->n_marks);

			at = s->mark[k];
			if (s->name[0] == 'c' && below(2)) {	/* a CoAP nibble */
				__u8 nib = below(3) ? 13 + below(3) : below(16);

				if (at < f->len)
					f->b[at] = below(2) ? (f->b[at] & 0x0F) | nib << 4
							    : (f->b[at] & 0xF0) | nib;
			} else {
				put_field(f, at, s->width[k], odd_value(get_field(f, at, s->width[k]),
									s->width[k]));
			}
		} else {	/* HTTP: damage the syntax */
			static const char syntax[] = " \r\n:/.H";

			f->b[where(s, f)] = syntax[below(sizeof(syntax) - 1)];
		}
		break;
	case 7:		/* another port, or the other transport */
		if (below(4) == 0) {
			f->b[ip + (s->f.ip_family == 4 ? 9 : 6)] = s->proto == 6 ? 17 : 6;
		} else {
			__u16 p = ports[below(6)];

			put_field(f, s->l4_off + 2 * below(2), 2, p);
		}
		break;
	case 8:		/* bytes inserted */
		if (f->len > s->pay_off && f->len + 64 <= FRAME_MAX) {
			at = s->pay_off + below(f->len - s->pay_off);
			n = 1 + below(64);
			memmove(f->b + at + n, f->b + at, f->len - at);
			for (__u32 i = 0; i < n; i++)
				f->b[at + i] = below(256);
			f->len += n;
			fix_lengths(s, f);
		}
		break;
	default:	/* bytes deleted */
		if (f->len > s->pay_off + 1) {
			at = s->pay_off + below(f->len - s->pay_off);
			n = 1 + below(f->len - at);
			memmove(f->b + at, f->b + at + n, f->len - at - n);
			f->len -= n;
			fix_lengths(s, f);
		}
		break;
	}
}

static void make_frame(struct frame *f)
{
	const struct seed *s = &seeds[below(n_seeds)];

	memcpy(f->b, s->f.b, s->f.len);
	f->len = s->f.len;
	if (below(10)) {
		for (int n = 1 + below(3); n--;)
			mutate_once(s, f);
	}
	f->caplen = below(4) == 0 ? below(f->len + 1) : f->len;	/* snap length */
}

#endif
