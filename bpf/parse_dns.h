/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DNS over UDP (53, mDNS 5353) and TCP (a 2-byte length first): the first
 * question's name and type, the response flag and rcode, and up to
 * IOTPROF_DNS_ANSWERS_MAX A/AAAA answers from the answer section (more are
 * flagged truncated).  An mDNS announcement has no question: its first
 * answer's owner name and type stand in for one.
 *
 * Names are walked in a bpf_loop, one byte per step, with
 * compression pointers followed only backwards (so no loop), and refused
 * when longer than 255 bytes on the wire or when a label type is not
 * defined.  The exchange's identity is the hash of the lower-case name, the
 * type and the transaction id, so a response counts to its query's record
 * and each query a device repeats from one port is an exchange of its own.
 */
#ifndef IOTPROF_BPF_PARSE_DNS_H
#define IOTPROF_BPF_PARSE_DNS_H

#include "app_scratch.h"

#define DNS_HDR_LEN     12
#define DNS_NAME_WIRE_MAX 255
#define DNS_NAME_STEPS  (DNS_NAME_WIRE_MAX + 16)	/* bytes + pointer jumps */
#define DNS_QUESTIONS_SKIP_MAX 16	/* further questions stepped over */
#define DNS_TYPE_A      1
#define DNS_TYPE_AAAA   28


static __always_inline __u32 dns_exchange_id(__u32 name_hash, __u16 qtype, __u16 txid)
{
	__u32 h = fnv_step(fnv_step(name_hash, qtype >> 8), qtype & 0xFF);

	return fnv_step(fnv_step(h, txid >> 8), txid & 0xFF) ?: 1;
}

#include "dns_questions.h"

static long dns_name_step(__u32 i, void *ctx)
{
	struct app_scratch *s = scratch_get();
	struct dns_name_walk *w;
	__u32 at;
	__u8 c;

	if (!s)
		return 1;
	w = &s->walk.dns_name;
	at = w->base + w->pos;
	if (at >= s->len) {		/* the name runs past the bytes we have */
		w->bad = 1;
		return 1;
	}
	c = sb(s, at);
	if (w->left == 0) {
		if (c == 0) {
			if (w->wire + 1 > DNS_NAME_WIRE_MAX) {	/* the root label counts too */
				w->bad = 1;
				return 1;
			}
			if (!w->jumped)
				w->end = w->pos + 1;
			w->done = 1;
			if (w->extra)
				return dns_question_done(s, w);
			return 1;
		}
		if ((c & 0xC0) == 0xC0) {
			__u32 target;

			if (at + 1 >= s->len) {
				w->bad = 1;
				return 1;
			}
			target = (__u32)(c & 0x3F) << 8 | sb(s, at + 1);
			if (!w->jumped)
				w->end = w->pos + 2;
			/* Only backwards, and not into the header: every pointer
			 * chain ends, on a name. */
			if (target >= w->pos || target < DNS_HDR_LEN) {
				w->bad = 1;
				return 1;
			}
			w->jumped = 1;
			w->pos = target;
			return 0;
		}
		if (c & 0xC0) {		/* 0x40, 0x80: undefined label types */
			w->bad = 1;
			return 1;
		}
		w->wire += c + 1;
		if (w->wire > DNS_NAME_WIRE_MAX) {
			w->bad = 1;
			return 1;
		}
		if (w->out) {
			s->app.dns.qname[w->out & (IOTPROF_NAME_MAX - 1)] = '.';
			w->out++;
			w->hash = fnv_step(w->hash, '.');
		}
		w->left = c;
		w->pos++;
		return 0;
	}
	/* A NUL cannot be printed, and a dot inside a label would make the name
	 * read as another (and take its id). */
	if (c == 0 || c == '.') {
		w->bad = 1;
		return 1;
	}
	/* wire <= 255 keeps out below IOTPROF_NAME_MAX - 1 */
	s->app.dns.qname[w->out & (IOTPROF_NAME_MAX - 1)] = c;
	w->out++;
	w->hash = fnv_step(w->hash, ascii_lower(c));
	w->left--;
	w->pos++;
	return 0;
}


/* One record after the first question: a further question (name and 4
 * bytes) while questions are left, then the answer section's records,
 * whose addresses are kept when they are A or AAAA. */
static long dns_rr_step(__u32 i, void *ctx)
{
	struct app_scratch *s = scratch_get();
	struct dns_rr_walk *w;
	__u32 at, type, rdlen;
	__u8 n;

	if (!s)
		return 1;
	w = &s->walk.dns_rr;
	at = w->base + w->pos;
	for (int j = 0; j < 128; j++) {
		__u8 c;

		if (at >= s->len) {
			w->stop = 1;
			return 1;
		}
		c = sb(s, at);
		if (c == 0) {
			at++;
			break;
		}
		if ((c & 0xC0) == 0xC0) {
			at += 2;
			break;
		}
		if (c & 0xC0) {
			w->stop = 1;
			return 1;
		}
		at += c + 1;
	}
	if (w->questions_left) {
		w->questions_left--;
		w->pos = at + 4 - w->base;
		return 0;
	}
	if (!w->answers_left) {
		w->stop = 1;
		return 1;
	}
	w->answers_left--;
	if (at + 10 > s->len) {
		w->stop = 1;
		return 1;
	}
	type = sb16(s, at);
	rdlen = sb16(s, at + 8);
	at += 10;
	if (at + rdlen > s->len) {	/* cut by the snap length or the scan size */
		w->stop = 1;
		return 1;
	}
	n = w->n;
	if (((type == DNS_TYPE_A && rdlen == 4) || (type == DNS_TYPE_AAAA && rdlen == 16)) &&
	    n >= IOTPROF_DNS_ANSWERS_MAX)
		s->app.flags |= IOTPROF_APP_F_TRUNCATED;
	if (n < IOTPROF_DNS_ANSWERS_MAX && ((type == DNS_TYPE_A && rdlen == 4) ||
					     (type == DNS_TYPE_AAAA && rdlen == 16))) {
		__u8 *dst = s->app.dns.answers[n & (IOTPROF_DNS_ANSWERS_MAX - 1)];

		__builtin_memset(dst, 0, 16);
		for (int k = 0; k < 16; k++)
			if (k < rdlen)
				dst[k] = sb(s, at + k);
		s->app.dns.answer_family[n & (IOTPROF_DNS_ANSWERS_MAX - 1)] = rdlen == 4 ? 4 : 6;
		w->n = n + 1;
	}
	w->pos = at + rdlen - w->base;
	return 0;
}

/* The suffix hashes of the query name, walking it backwards: at each dot,
 * the bytes after it are a suffix of one more label. */
static long dns_suffix_step(__u32 i, void *ctx)
{
	struct app_scratch *s = scratch_get();
	__u32 pos, n;
	__u8 c;

	if (!s || !s->suffix_pos)
		return 1;
	pos = --s->suffix_pos;
	c = s->app.dns.qname[pos & (IOTPROF_NAME_MAX - 1)];
	if (c == '.') {
		n = ++s->suffix_labels;
		if (n > IOTPROF_SUFFIX_LABELS_MAX)
			return 1;
		s->suffix_hash[n] = s->suffix_h;
	}
	s->suffix_h = s->suffix_h * 31 + ascii_lower(c);
	return 0;
}

static __always_inline void dns_suffixes(struct app_scratch *s, __u32 len)
{
	__builtin_memset(s->suffix_hash, 0, sizeof(s->suffix_hash));
	s->suffix_pos = len < IOTPROF_NAME_MAX ? len : IOTPROF_NAME_MAX - 1;
	s->suffix_labels = 0;
	s->suffix_h = 0;
	bpf_loop(IOTPROF_NAME_MAX, dns_suffix_step, NULL, 0);
}

/* Parses the DNS message at offset base of the scratch buffer into s->app.
 * Returns 0 when it is a DNS message with a question, -1 otherwise. */
static __noinline int parse_dns(__u32 base)
{
	struct app_scratch *s = scratch_get();
	__u16 flags, qdcount, ancount, txid;
	__u32 at, end, out, hash, rr_pos;
	__u8 n;

	if (!s || base + DNS_HDR_LEN > s->len)
		return -1;
	txid = sb16(s, base);
	flags = sb16(s, base + 2);
	qdcount = sb16(s, base + 4);
	ancount = sb16(s, base + 6);
	if ((flags & 0x7800) > 0x2800)	/* opcodes 0-5 only */
		return -1;
	/* No question: only an announcement (a response with answers) says
	 * anything, through its first answer. */
	if (qdcount == 0 && (!(flags >> 15) || ancount == 0))
		return -1;

	s->walk.dns_name = (struct dns_name_walk){ .base = base, .pos = DNS_HDR_LEN, .hash = FNV_SEED };
	bpf_loop(DNS_NAME_STEPS, dns_name_step, NULL, 0);
	if (!s->walk.dns_name.done || s->walk.dns_name.bad)
		return -1;
	end = s->walk.dns_name.end;
	out = s->walk.dns_name.out;
	hash = s->walk.dns_name.hash;
	at = base + end;
	if (at + 4 > s->len)
		return -1;
	s->app.kind = IOTPROF_APP_DNS;
	s->app.dns.qname[out & (IOTPROF_NAME_MAX - 1)] = 0;
	s->app.dns.qtype = sb16(s, at);
	s->app.dns.response = flags >> 15;
	s->app.dns.announcement = qdcount == 0;
	s->app.dns.rcode = flags & 0xF;
	s->name_id = hash ?: 1;
	s->id = dns_exchange_id(hash, s->app.dns.qtype, txid);
	s->dns_base = base;
	s->dns_next_q = end + 4;
	if (s->want_suffixes)
		dns_suffixes(s, out);
	s->dns_more_q = qdcount > 1 ? (qdcount - 1 < DNS_QUESTIONS_SKIP_MAX ? qdcount - 1
								 : DNS_QUESTIONS_SKIP_MAX) : 0;
	s->dns_txid = txid;

	if (ancount) {
		/* Announcement: the answers begin with the record just read. */
		rr_pos = qdcount ? end + 4 : DNS_HDR_LEN;
		s->walk.dns_rr = (struct dns_rr_walk){
			.base = base, .pos = rr_pos,
			.questions_left = qdcount > 1 ? (qdcount - 1 < DNS_QUESTIONS_SKIP_MAX ?
							 qdcount - 1 : DNS_QUESTIONS_SKIP_MAX) : 0,
			.answers_left = ancount < IOTPROF_DNS_RR_SCAN_MAX ? ancount
									  : IOTPROF_DNS_RR_SCAN_MAX,
		};
		bpf_loop(DNS_QUESTIONS_SKIP_MAX + IOTPROF_DNS_RR_SCAN_MAX, dns_rr_step, NULL, 0);
		n = s->walk.dns_rr.n;
		s->app.dns.n_answers = n < IOTPROF_DNS_ANSWERS_MAX ? n : IOTPROF_DNS_ANSWERS_MAX;
	}
	return 0;
}

/* Records the message's further questions (after its packet was counted to
 * the first one's record, whose key and sides are in s). */
static __noinline void dns_record_more_questions(void)
{
	struct app_scratch *s = scratch_get();

	if (!s || !s->dns_more_q)
		return;
	s->walk.dns_name = (struct dns_name_walk){
		.base = s->dns_base, .pos = s->dns_next_q, .hash = FNV_SEED, .extra = 1,
	};
	bpf_loop(DNS_NAME_STEPS * DNS_QUESTIONS_SKIP_MAX, dns_name_step, NULL, 0);
}

#endif
