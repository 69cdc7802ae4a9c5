/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Application data: which parser a packet goes to, and how its result
 * joins the flow record.
 *
 *   UDP 53/5353 -> DNS; UDP 5683 -> CoAP; TCP 53 -> DNS (length-prefixed);
 *   other TCP: a payload starting with a TLS ClientHello -> TLS; other TCP
 *   and UDP: a request line (an upper-case token and a space) -> HTTP.
 *
 * IP fragments are not parsed: the payload of one fragment is not the
 * message.  Nothing is parsed from packets without payload, and the cheap
 * checks come before the payload is copied, so bulk data costs an 8-byte
 * look.
 */
#ifndef IOTPROF_BPF_APP_H
#define IOTPROF_BPF_APP_H

#include "app_scratch.h"
#include "parse_dns.h"
#include "parse_tls.h"
#include "parse_http.h"
#include "parse_coap.h"
#include "maps.h"

enum app_guess {
	GUESS_NONE,
	GUESS_DNS_UDP,
	GUESS_DNS_TCP,
	GUESS_COAP,
	GUESS_TLS,
	GUESS_HTTP,
};

#define PORT_DNS  53
#define PORT_MDNS 5353
#define PORT_COAP 5683

static __always_inline bool either_port(const struct pkt_meta *m, __u16 port)
{
	return m->sport == port || m->dport == port;
}

static __always_inline enum app_guess app_guess(const struct pkt *p, struct pkt_meta *m)
{
	__u8 first[8];

	if (m->frag != FRAG_NONE || m->payload_off >= m->l3_end || m->payload_off >= p->cap_len)
		return GUESS_NONE;
	if (m->proto == PROTO_UDP) {
		if (either_port(m, PORT_DNS) || either_port(m, PORT_MDNS))
			return GUESS_DNS_UDP;
		if (either_port(m, PORT_COAP))
			return GUESS_COAP;
	} else if (m->proto != PROTO_TCP) {
		return GUESS_NONE;
	} else if (either_port(m, PORT_DNS)) {
		return GUESS_DNS_TCP;
	}
	/* A ClientHello or a request line is longer than 8 bytes; a server's
	 * records, responses and opaque data are turned away here, before
	 * any copy. */
	if (pkt_load(p, m->payload_off, first, sizeof(first))) {
		/* Shorter than 8 bytes: no request, no ClientHello, but maybe a
		 * change_cipher_spec record (6 bytes), which is handshake. */
		if (m->proto == PROTO_TCP && !pkt_load(p, m->payload_off, first, 2) &&
		    first[0] == TLS_CONTENT_CCS && first[1] == 3)
			m->payload_kind = PAYLOAD_TLS_HANDSHAKE;
		return GUESS_NONE;
	}
	if (m->proto == PROTO_TCP && (first[0] == TLS_CONTENT_HANDSHAKE || first[0] == TLS_CONTENT_CCS) &&
	    first[1] == 3) {
		m->payload_kind = PAYLOAD_TLS_HANDSHAKE;
		return first[0] == TLS_CONTENT_HANDSHAKE && first[5] == TLS_CLIENT_HELLO ? GUESS_TLS : GUESS_NONE;
	}
	if (first[0] == 'H' && first[1] == 'T' && first[2] == 'T' && first[3] == 'P' && first[4] == '/' &&
	    first[5] == '1' && first[6] == '.') {
		m->payload_kind = PAYLOAD_HTTP_STATUS;
		return GUESS_NONE;
	}
	return http_request_start(first) ? GUESS_HTTP : GUESS_NONE;
}

/* Parses the packet's application data.  Returns the scratch holding the
 * result, or NULL when the packet carries none. */
static __always_inline struct app_scratch *app_parse(const struct pkt *p, struct pkt_meta *m,
						     __u32 cfg_flags)
{
	enum app_guess guess = app_guess(p, m);
	struct app_scratch *s;
	int err;

	if (guess == GUESS_NONE)
		return NULL;
	s = scratch_get();
	if (!s)
		return NULL;
	__builtin_memset(&s->app, 0, sizeof(s->app));
	s->id = 0;
	s->name_id = 0;
	s->want_suffixes = cfg_flags & IOTPROF_CFG_DENY_SUFFIX;
	if (!scratch_load_payload(p, m, s))
		return NULL;

	switch (guess) {
	case GUESS_DNS_UDP:
		err = parse_dns(0);
		break;
	case GUESS_DNS_TCP:
		/* The segment must start a message: its length prefix. */
		err = s->len >= 2 + DNS_HDR_LEN && sb16(s, 0) >= DNS_HDR_LEN ? parse_dns(2) : -1;
		break;
	case GUESS_COAP:
		err = parse_coap();
		break;
	case GUESS_TLS:
		err = parse_tls();
		break;
	default:
		err = parse_http();
		break;
	}
	if (err) {
		stat_inc(IOTPROF_STAT_APP_REJECTED);
		return NULL;
	}
	stat_inc(IOTPROF_STAT_APP_PARSED);
	if (s->app.flags & IOTPROF_APP_F_TRUNCATED)
		stat_inc(IOTPROF_STAT_APP_TRUNCATED);
	if (!s->id && s->app.kind != IOTPROF_APP_TLS)
		s->id = 1;	/* 0 names the connection's own record */
	return s;
}

static __always_inline bool coap_is_request(const struct iotprof_app *a)
{
	return coap_code_is_request(a->coap.code);
}

/* CoAP exchanges on one flow, by token: the identity of the latest request
 * that used it, which its responses then count to. */
struct coap_token_key {
	__u8  addr_lo[16];
	__u8  addr_hi[16];
	__u16 port_lo;
	__u16 port_hi;
	__u8  family;
	__u8  tkl;
	__u8  token[8];
	__u8  pad[2];
};

/* Pinned like the flow table: a response that enters on another interface
 * than its request must still find it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct coap_token_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} coap_tokens SEC(".maps");

/* The record key's app_id for this packet's exchange. */
static __always_inline __u32 app_exchange_id(const struct iotprof_flow_key *k,
					     const struct app_scratch *s)
{
	struct coap_token_key tk = {};
	__u32 *known;

	if (s->app.kind != IOTPROF_APP_COAP)
		return s->id;
	__builtin_memcpy(tk.addr_lo, k->addr_lo, 16);
	__builtin_memcpy(tk.addr_hi, k->addr_hi, 16);
	tk.port_lo = k->port_lo;
	tk.port_hi = k->port_hi;
	tk.family = k->family;
	tk.tkl = s->app.coap.token_len;
	__builtin_memcpy(tk.token, s->app.coap.token, 8);
	if (coap_is_request(&s->app)) {
		__u32 id = s->request_id ?: 1;

		bpf_map_update_elem(&coap_tokens, &tk, &id, BPF_ANY);
		return id;
	}
	known = bpf_map_lookup_elem(&coap_tokens, &tk);
	return known ? *known : s->id;
}

/* Joins a packet's application data to the record it counts to. */
static __always_inline void app_merge(struct iotprof_flow *f, const struct iotprof_app *a)
{
	if (f->app.kind == IOTPROF_APP_NONE) {
		__builtin_memcpy(&f->app, a, sizeof(*a));
		return;
	}
	if (f->app.kind != a->kind)
		return;
	if (a->kind == IOTPROF_APP_DNS && a->dns.response) {
		f->app.dns.response = 1;
		f->app.dns.rcode = a->dns.rcode;
		f->app.dns.n_answers = a->dns.n_answers;
		__builtin_memcpy(f->app.dns.answer_family, a->dns.answer_family,
				 sizeof(a->dns.answer_family));
		__builtin_memcpy(f->app.dns.answers, a->dns.answers, sizeof(a->dns.answers));
		f->app.flags |= a->flags;
	} else if (a->kind == IOTPROF_APP_COAP && coap_is_request(a) &&
		   !coap_is_request(&f->app)) {
		/* The response came first (its request was not seen): the
		 * request, when it comes, names the exchange. */
		__builtin_memcpy(&f->app, a, sizeof(*a));
	}
}

#endif
