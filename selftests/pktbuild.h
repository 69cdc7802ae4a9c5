/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Crafted packets for the BPF tests: a frame is built header by header,
 * each helper appending to a byte buffer, so a test reads like the packet
 * it makes.  Checksums are left zero: the parsers never look at them.
 */
#ifndef IOTPROF_PKTBUILD_H
#define IOTPROF_PKTBUILD_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

struct pkt_buf {
	uint8_t b[16384];
	uint32_t len;
	uint32_t ip_off;	/* where the last IP header starts (for lengths) */
	uint8_t ip_family;
};

static inline uint8_t *pb_put(struct pkt_buf *p, const void *src, uint32_t n)
{
	uint8_t *at = p->b + p->len;

	if (src)
		memcpy(at, src, n);
	else
		memset(at, 0, n);
	p->len += n;
	return at;
}

static inline void pb_u8(struct pkt_buf *p, uint8_t v) { pb_put(p, &v, 1); }
static inline void pb_u16(struct pkt_buf *p, uint16_t v) { v = htons(v); pb_put(p, &v, 2); }
static inline void pb_u32(struct pkt_buf *p, uint32_t v) { v = htonl(v); pb_put(p, &v, 4); }

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static inline void pb_eth(struct pkt_buf *p, uint16_t type)
{
	pb_put(p, MAC_B, 6);
	pb_put(p, MAC_A, 6);
	pb_u16(p, type);
}

static inline void pb_vlan(struct pkt_buf *p, uint16_t vid, uint16_t inner_type)
{
	pb_u16(p, vid & 0xfff);
	pb_u16(p, inner_type);
}

/* IPv4 header with `opt_words` 4-byte option words (NOPs). */
static inline void pb_ipv4(struct pkt_buf *p, const char *src, const char *dst, uint8_t proto,
			   uint16_t id, uint16_t frag_field, int opt_words)
{
	uint32_t s, d;

	p->ip_off = p->len;
	p->ip_family = 4;
	inet_pton(AF_INET, src, &s);
	inet_pton(AF_INET, dst, &d);
	pb_u8(p, 0x40 | (5 + opt_words));
	pb_u8(p, 0);
	pb_u16(p, 0);		/* total length: pb_finish */
	pb_u16(p, id);
	pb_u16(p, frag_field);
	pb_u8(p, 64);
	pb_u8(p, proto);
	pb_u16(p, 0);
	pb_put(p, &s, 4);
	pb_put(p, &d, 4);
	for (int i = 0; i < opt_words * 4; i++)
		pb_u8(p, 1);	/* NOP */
}

static inline void pb_ipv6(struct pkt_buf *p, const char *src, const char *dst, uint8_t nexthdr)
{
	uint8_t s[16], d[16];

	p->ip_off = p->len;
	p->ip_family = 6;
	inet_pton(AF_INET6, src, s);
	inet_pton(AF_INET6, dst, d);
	pb_u32(p, 0x60000000);
	pb_u16(p, 0);		/* payload length: pb_finish */
	pb_u8(p, nexthdr);
	pb_u8(p, 64);
	pb_put(p, s, 16);
	pb_put(p, d, 16);
}

/* Hop-by-hop, routing or destination options header of 8 * (len8 + 1) bytes. */
static inline void pb_ipv6_ext(struct pkt_buf *p, uint8_t nexthdr, uint8_t len8)
{
	pb_u8(p, nexthdr);
	pb_u8(p, len8);
	pb_put(p, NULL, 6 + 8 * len8);
}

static inline void pb_ipv6_frag(struct pkt_buf *p, uint8_t nexthdr, uint16_t offset8, int more,
				uint32_t id)
{
	pb_u8(p, nexthdr);
	pb_u8(p, 0);
	pb_u16(p, (uint16_t)(offset8 << 3) | (more ? 1 : 0));
	pb_u32(p, id);
}

static inline void pb_tcp(struct pkt_buf *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	pb_u16(p, sport);
	pb_u16(p, dport);
	pb_u32(p, 1);
	pb_u32(p, 0);
	pb_u8(p, 5 << 4);
	pb_u8(p, flags);
	pb_u16(p, 65535);
	pb_u16(p, 0);
	pb_u16(p, 0);
}

static inline void pb_udp(struct pkt_buf *p, uint16_t sport, uint16_t dport, uint16_t payload)
{
	pb_u16(p, sport);
	pb_u16(p, dport);
	pb_u16(p, 8 + payload);
	pb_u16(p, 0);
}

static inline void pb_icmp(struct pkt_buf *p, uint8_t type)
{
	pb_u8(p, type);
	pb_u8(p, 0);
	pb_u16(p, 0);
	pb_u32(p, 0x12340001);
}

/* Sets the IP length field from the bytes after the last IP header. */
static inline void pb_finish(struct pkt_buf *p)
{
	uint16_t n;

	if (p->ip_family == 4) {
		n = htons(p->len - p->ip_off);
		memcpy(p->b + p->ip_off + 2, &n, 2);
	} else if (p->ip_family == 6) {
		n = htons(p->len - p->ip_off - 40);
		memcpy(p->b + p->ip_off + 4, &n, 2);
	}
}

#endif
