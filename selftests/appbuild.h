/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Application payloads for the BPF tests and the packet fuzzer: DNS, TLS
 * ClientHello, HTTP and CoAP messages, built into a struct pkt_buf (from
 * pktbuild.h) that starts empty, then wrapped in Ethernet + IP + TCP/UDP by
 * ab_wrap().  Like pktbuild.h, every helper appends; lengths that depend on
 * later bytes are patched when the message is finished.
 */
#ifndef IOTPROF_APPBUILD_H
#define IOTPROF_APPBUILD_H

#include <stdbool.h>
#include "pktbuild.h"

/* Puts a big-endian u16 at an offset already written. */
static inline void ab_set16(struct pkt_buf *p, uint32_t off, uint16_t v)
{
	p->b[off] = v >> 8;
	p->b[off + 1] = v & 0xff;
}

/* ---- frames ------------------------------------------------------------ */

/* One frame: Ethernet, IPv4 or IPv6 (by the form of src), TCP (PSH|ACK) or
 * UDP, then the payload.  Lengths are right; checksums are zero. */
static inline void ab_wrap(struct pkt_buf *f, uint8_t proto, const char *src, uint16_t sport,
			   const char *dst, uint16_t dport, const void *payload, uint32_t n)
{
	bool v6 = strchr(src, ':') != NULL;

	f->len = 0;
	pb_eth(f, v6 ? 0x86DD : 0x0800);
	if (v6)
		pb_ipv6(f, src, dst, proto);
	else
		pb_ipv4(f, src, dst, proto, 1, 0, 0);
	if (proto == 6)
		pb_tcp(f, sport, dport, 0x18);
	else
		pb_udp(f, sport, dport, n);
	pb_put(f, payload, n);
	pb_finish(f);
}

/* A TCP segment without payload (SYN, ACK, ...). */
static inline void ab_tcp_bare(struct pkt_buf *f, const char *src, uint16_t sport,
			       const char *dst, uint16_t dport, uint8_t flags)
{
	ab_wrap(f, 6, src, sport, dst, dport, NULL, 0);
	f->b[f->len - 7] = flags;	/* byte 13 of the 20-byte TCP header */
}

/* ---- DNS ----------------------------------------------------------------- */

#define AB_DNS_QR  0x8000
#define AB_DNS_RD  0x0100
#define AB_DNS_RA  0x0080

static inline void ab_dns_hdr(struct pkt_buf *p, uint16_t id, uint16_t flags, uint16_t qd,
			      uint16_t an, uint16_t ns, uint16_t ar)
{
	pb_u16(p, id);
	pb_u16(p, flags);
	pb_u16(p, qd);
	pb_u16(p, an);
	pb_u16(p, ns);
	pb_u16(p, ar);
}

/* A name in wire form from dotted text; "" and "." are the root.  With
 * `terminate` false the root byte is left off (for a pointer to follow). */
static inline void ab_dns_labels(struct pkt_buf *p, const char *name, bool terminate)
{
	const char *s = name;

	while (*s && strcmp(s, ".") != 0) {
		const char *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);

		pb_u8(p, (uint8_t)n);
		pb_put(p, s, n);
		s += n;
		if (*s == '.')
			s++;
	}
	if (terminate)
		pb_u8(p, 0);
}

static inline void ab_dns_name(struct pkt_buf *p, const char *name)
{
	ab_dns_labels(p, name, true);
}

/* A compression pointer to offset `to` of the message. */
static inline void ab_dns_ptr(struct pkt_buf *p, uint16_t to)
{
	pb_u16(p, 0xC000 | to);
}

static inline void ab_dns_question(struct pkt_buf *p, const char *name, uint16_t qtype)
{
	ab_dns_name(p, name);
	pb_u16(p, qtype);
	pb_u16(p, 1);		/* IN */
}

/* The fixed part of a resource record after its owner name. */
static inline void ab_dns_rr_tail(struct pkt_buf *p, uint16_t type, const void *data, uint16_t n)
{
	pb_u16(p, type);
	pb_u16(p, 1);
	pb_u32(p, 300);
	pb_u16(p, n);
	pb_put(p, data, n);
}

/* An A (text with a dot) or AAAA (text with a colon) record whose owner is
 * a pointer to `owner`. */
static inline void ab_dns_addr_rr(struct pkt_buf *p, uint16_t owner, const char *addr)
{
	uint8_t a[16];
	bool v6 = strchr(addr, ':') != NULL;

	inet_pton(v6 ? AF_INET6 : AF_INET, addr, a);
	ab_dns_ptr(p, owner);
	ab_dns_rr_tail(p, v6 ? 28 : 1, a, v6 ? 16 : 4);
}

/* A standard query for one name. */
static inline void ab_dns_query(struct pkt_buf *p, uint16_t id, const char *name, uint16_t qtype)
{
	p->len = 0;
	ab_dns_hdr(p, id, AB_DNS_RD, 1, 0, 0, 0);
	ab_dns_question(p, name, qtype);
}

/* Its response: the question, then one A/AAAA answer per address, every
 * owner a pointer to the question's name (offset 12). */
static inline void ab_dns_response(struct pkt_buf *p, uint16_t id, const char *name,
				   uint16_t qtype, uint8_t rcode, const char *const *addrs, int n)
{
	p->len = 0;
	ab_dns_hdr(p, id, AB_DNS_QR | AB_DNS_RD | AB_DNS_RA | rcode, 1, n, 0, 0);
	ab_dns_question(p, name, qtype);
	for (int i = 0; i < n; i++)
		ab_dns_addr_rr(p, 12, addrs[i]);
}

/* Prefixes a DNS message with its 2-byte TCP length. */
static inline void ab_dns_tcp_frame(struct pkt_buf *out, const struct pkt_buf *msg)
{
	out->len = 0;
	pb_u16(out, msg->len);
	pb_put(out, msg->b, msg->len);
}

/* ---- TLS ClientHello -------------------------------------------------- */

struct ab_hello {
	const char *sni;		/* NULL: no server_name extension */
	uint32_t sni_len;		/* 0: strlen(sni) */
	uint8_t sid_len;		/* session id bytes */
	const uint16_t *ciphers;	/* NULL: two ordinary suites */
	int n_ciphers;
	const uint16_t *versions;	/* supported_versions; NULL: none */
	int n_versions;
	uint32_t pad_before;		/* padding extension before SNI, 0: none */
	const uint16_t *grease_exts;	/* extension types with empty bodies, first */
	int n_grease_exts;
};

static inline void ab_tls_ext_hdr(struct pkt_buf *p, uint16_t type, uint16_t len)
{
	pb_u16(p, type);
	pb_u16(p, len);
}

/* A whole TLS record holding one ClientHello. */
static inline void ab_tls_client_hello(struct pkt_buf *p, const struct ab_hello *h)
{
	static const uint16_t plain[] = { 0x1301, 0xc02f };
	const uint16_t *ciphers = h->ciphers ? h->ciphers : plain;
	int n_ciphers = h->ciphers ? h->n_ciphers : 2;
	uint32_t rec, hs, ext;

	p->len = 0;
	pb_u8(p, 22);
	pb_u16(p, 0x0301);
	rec = p->len;
	pb_u16(p, 0);
	pb_u8(p, 1);		/* ClientHello */
	hs = p->len;
	pb_put(p, NULL, 3);
	pb_u16(p, 0x0303);
	for (int i = 0; i < 32; i++)
		pb_u8(p, (uint8_t)(0x40 + i));
	pb_u8(p, h->sid_len);
	for (int i = 0; i < h->sid_len; i++)
		pb_u8(p, (uint8_t)(0x80 + i));
	pb_u16(p, 2 * n_ciphers);
	for (int i = 0; i < n_ciphers; i++)
		pb_u16(p, ciphers[i]);
	pb_u8(p, 1);
	pb_u8(p, 0);		/* null compression */
	ext = p->len;
	pb_u16(p, 0);
	for (int i = 0; i < h->n_grease_exts; i++)
		ab_tls_ext_hdr(p, h->grease_exts[i], 0);
	if (h->pad_before) {
		ab_tls_ext_hdr(p, 21, h->pad_before);
		pb_put(p, NULL, h->pad_before);
	}
	if (h->sni) {
		uint32_t n = h->sni_len ? h->sni_len : strlen(h->sni);

		ab_tls_ext_hdr(p, 0, n + 5);
		pb_u16(p, n + 3);
		pb_u8(p, 0);	/* host_name */
		pb_u16(p, n);
		pb_put(p, h->sni, n);
	}
	if (h->n_versions) {
		ab_tls_ext_hdr(p, 43, 1 + 2 * h->n_versions);
		pb_u8(p, 2 * h->n_versions);
		for (int i = 0; i < h->n_versions; i++)
			pb_u16(p, h->versions[i]);
	}
	ab_tls_ext_hdr(p, 10, 4);	/* supported_groups: x25519 */
	pb_u16(p, 2);
	pb_u16(p, 0x001d);
	ab_set16(p, ext, p->len - ext - 2);
	ab_set16(p, rec, p->len - rec - 2);
	p->b[hs] = 0;
	ab_set16(p, hs + 1, p->len - hs - 3);
}

/* ---- CoAP --------------------------------------------------------------- */

#define AB_COAP_CON 0
#define AB_COAP_NON 1
#define AB_COAP_ACK 2
#define AB_COAP_RST 3
#define AB_COAP_GET 0x01
#define AB_COAP_CONTENT 0x45	/* 2.05 */

static inline void ab_coap_hdr(struct pkt_buf *p, uint8_t type, uint8_t code, uint16_t mid,
			       const uint8_t *token, uint8_t tkl)
{
	p->len = 0;
	pb_u8(p, 0x40 | (type & 3) << 4 | (tkl & 0xF));
	pb_u8(p, code);
	pb_u16(p, mid);
	pb_put(p, token, tkl);
}

/* The 4-bit form of an option delta or length, and its extension bytes. */
static inline uint8_t ab_coap_nibble(uint32_t v, uint8_t ext[2], int *n_ext)
{
	if (v < 13) {
		*n_ext = 0;
		return v;
	}
	if (v < 269) {
		ext[0] = v - 13;
		*n_ext = 1;
		return 13;
	}
	ext[0] = (v - 269) >> 8;
	ext[1] = (v - 269) & 0xff;
	*n_ext = 2;
	return 14;
}

/* An option; *last is the previous option's number (0 at the start). */
static inline void ab_coap_opt(struct pkt_buf *p, uint32_t *last, uint32_t number,
			       const void *val, uint32_t len)
{
	uint8_t de[2], le[2];
	int nd, nl;
	uint8_t d = ab_coap_nibble(number - *last, de, &nd);
	uint8_t l = ab_coap_nibble(len, le, &nl);

	pb_u8(p, d << 4 | l);
	pb_put(p, de, nd);
	pb_put(p, le, nl);
	pb_put(p, val, len);
	*last = number;
}

static inline void ab_coap_str(struct pkt_buf *p, uint32_t *last, uint32_t number, const char *s)
{
	ab_coap_opt(p, last, number, s, strlen(s));
}

#endif
