/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The application parsers work on a copy of the payload in a per-CPU
 * buffer, indexed with masked offsets (buf[off & APP_MASK]): the verifier
 * then needs no packet ranges, which bpf_loop callbacks would lose anyway.
 * The parse result is built here too, because struct iotprof_app is larger
 * than the BPF stack.
 */
#ifndef IOTPROF_BPF_APP_SCRATCH_H
#define IOTPROF_BPF_APP_SCRATCH_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "iotprof_abi.h"
#include "pkt.h"
#include "meta.h"

#define APP_MASK (IOTPROF_APP_SCAN_MAX - 1)
_Static_assert((IOTPROF_APP_SCAN_MAX & APP_MASK) == 0, "scan size must be a power of two");

/*
 * The state of each bpf_loop walk lives in the per-CPU scratch, not on the
 * stack: the verifier does not track map contents, so a callback's state is
 * the same at every step and its body is verified once.  State on the stack
 * would be tracked precisely and walked step by step, past the verifier's
 * limits.
 */
struct dns_name_walk {
	__u32 base;		/* where the DNS message starts in the buffer */
	__u32 pos;		/* next byte to read, relative to base */
	__u32 end;		/* first byte after the name where it was met */
	__u32 out;		/* characters written to qname */
	__u32 left;		/* bytes left in the current label */
	__u32 wire;		/* wire length of the name so far */
	__u32 hash;
	__u8  jumped;
	__u8  done;
	__u8  bad;
	__u8  extra;		/* walking the further questions (see dns_questions.h) */
};

struct dns_rr_walk {
	__u32 base;
	__u32 pos;		/* relative to base */
	__u32 questions_left;	/* further questions to step over first */
	__u32 answers_left;
	__u8  n;		/* answers kept */
	__u8  stop;
	__u8  pad[2];
};

struct http_walk {
	__u32 pos;
	__u32 out;
	__u32 hash;
	__u8  done;		/* met the end of the field: 1 a space, 2 a line end */
	__u8  bad;
	__u8  pad[2];
};

#define COAP_SEGS_MAX 16	/* Uri-Path segments kept */

struct coap_walk {
	__u32 pos;
	__u32 number;		/* option number so far (deltas add up) */
	__u32 uri_out;
	__u32 host_off;		/* Uri-Host value: where and how long */
	__u32 host_len;
	__u32 n_seg;
	__u32 path_hash;	/* FNV-1a of the path as copied */
	__u32 seg;		/* copying: current segment */
	__u32 seg_pos;		/* copying: next byte of it, 0 = its "/" first */
	__u32 seg_off[COAP_SEGS_MAX];	/* Uri-Path values */
	__u32 seg_len[COAP_SEGS_MAX];
	__u8  bad;
	__u8  cut;
	__u8  pad[2];
};

struct tls_walk {
	__u32 sni_off;		/* server name: where and how long */
	__u32 sni_len;
	__u32 pos;
	__u32 end;		/* end of the extensions block */
	__u32 vpos;		/* supported_versions: next entry */
	__u32 vend;		/* supported_versions: end of the list */
	__u8  found_sni;
	__u8  bad;
	__u8  ran_out;		/* the segment ended before the extensions did */
	__u8  pad;
};

struct copy_walk {
	__u32 from;		/* first byte in the buffer */
	__u32 n;		/* bytes to copy */
	__u32 out;		/* next position in the target */
	__u32 out_max;		/* room in the target, the NUL excluded */
	__u32 hash;		/* FNV-1a of the lower-case bytes copied */
	__u32 dst_off;		/* COPY_TO(the target string) */
	__u8  printable;	/* refuse bytes outside 0x21..0x7e */
	__u8  cut;		/* stopped at out_max */
	__u8  ran_out;		/* stopped at the end of the buffer */
	__u8  bad;
	__u8  pad[3];
};

union app_walk {
	struct dns_name_walk dns_name;
	struct dns_rr_walk dns_rr;
	struct http_walk http;
	struct coap_walk coap;
	struct tls_walk tls;
};

struct app_scratch {
	__u8  buf[IOTPROF_APP_SCAN_MAX];
	struct iotprof_app app;
	__u32 len;		/* payload bytes in buf */
	__u32 id;		/* the exchange's identity (app_id), 0 = the connection */
	__u32 name_id;		/* id of the DNS query name or the SNI, 0 = none */
	__u32 request_id;	/* CoAP request: its exchange's identity (see app_exchange_id) */
	__u32 path_hash;	/* HTTP URI or CoAP path, FNV-1a of its bytes (deny rules) */
	__u16 method_id;	/* HTTP method, FNV-1a folded to 16 bits (deny rules) */
	__u16 pad2;
	/* deny rules on prefixes and suffixes: the hash of every URI prefix
	 * (index: length - 1), and of the DNS name's last n labels (index n) */
	__u32 uri_prefix_hash[IOTPROF_URI_MAX];
	__u32 suffix_hash[IOTPROF_SUFFIX_LABELS_MAX + 1];
	__u32 suffix_pos;	/* the backward walk's next byte */
	__u32 suffix_labels;	/* labels passed so far */
	__u32 suffix_h;
	__u32 uri_len;		/* HTTP: bytes of the URI kept */
	__u32 want_suffixes;	/* a deny rule matches DNS name suffixes: hash them */
	union app_walk walk;	/* the running parser's loop state */
	/* DNS: the further questions of the message, each its own exchange */
	__u32 dns_base;
	__u32 dns_next_q;	/* first byte after the first question, relative */
	__u32 dns_more_q;	/* further questions to record */
	__u16 dns_txid;
	__u8  dns_sender;	/* enum iotprof_side of the packet's sender */
	__u8  pad1;
	__u32 dns_epoch;
	__u64 dns_now;
	struct iotprof_flow_key dns_key;
	struct copy_walk copy;	/* a field copy nested in a walk */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct app_scratch);
} app_scratch SEC(".maps");

static __always_inline struct app_scratch *scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&app_scratch, &zero);
}

static __always_inline __u8 sb(const struct app_scratch *s, __u32 off)
{
	return s->buf[off & APP_MASK];
}

static __always_inline __u16 sb16(const struct app_scratch *s, __u32 off)
{
	return (__u16)sb(s, off) << 8 | sb(s, off + 1);
}

/* FNV-1a, the hash of names and exchange identities. */
#define FNV_SEED  2166136261u
#define FNV_PRIME 16777619u

static __always_inline __u32 fnv_step(__u32 h, __u8 c)
{
	return (h ^ c) * FNV_PRIME;
}

static __always_inline __u8 ascii_lower(__u8 c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Copying a field out of the buffer into one of the 256-byte strings of
 * struct iotprof_app, named by its offset: one path for every target.
 * COPY_CHUNK bytes per bpf_loop step. */
_Static_assert(IOTPROF_URI_MAX == IOTPROF_NAME_MAX, "copy targets share one size");
#define COPY_TO(field) ((__u32)__builtin_offsetof(struct iotprof_app, field))
#define COPY_CHUNK 1	/* more per step costs the verifier far more than it saves */

static long copy_step(__u32 i, void *ctx)
{
	struct app_scratch *s = scratch_get();
	struct copy_walk *w;
	__u32 at, dst;
	__u8 c;

	if (!s)
		return 1;
	w = &s->copy;
	for (int k = 0; k < COPY_CHUNK; k++) {
		at = i * COPY_CHUNK + k;
		if (at >= w->n)
			return 1;
		if (w->from + at >= s->len) {
			w->ran_out = 1;
			return 1;
		}
		if (w->out >= w->out_max) {
			w->cut = 1;
			return 1;
		}
		c = sb(s, w->from + at);
		if (w->printable && (c < 0x21 || c > 0x7E)) {
			w->bad = 1;
			return 1;
		}
		dst = w->dst_off;
		if (dst > sizeof(struct iotprof_app) - IOTPROF_NAME_MAX)
			return 1;
		((__u8 *)&s->app)[dst + (w->out & (IOTPROF_NAME_MAX - 1))] = c;
		w->out++;
		w->hash = fnv_step(w->hash, c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return 0;
}

/* bpf_loop steps that copy_step needs for n bytes. */
#define COPY_STEPS(n) (((n) + COPY_CHUNK - 1) / COPY_CHUNK)

/* Copies the payload (at most IOTPROF_APP_SCAN_MAX bytes of it) into s.
 * Returns the number of bytes copied, or 0 when there is no payload. */
static __always_inline __u32 scratch_load_payload(const struct pkt *p, const struct pkt_meta *m,
						  struct app_scratch *s)
{
	__u32 end = m->l3_end < p->cap_len ? m->l3_end : p->cap_len;
	__u32 n;
	long err;

	if (end <= m->payload_off)
		return 0;
	n = end - m->payload_off;
	if (n > IOTPROF_APP_SCAN_MAX)
		n = IOTPROF_APP_SCAN_MAX;
	/* Kernels before 6.2 do not learn n >= 1 from the "n != 0" clang
	 * makes of "n < 1", and refuse the load_bytes below as a possibly
	 * empty access; a signed test the compiler cannot fold keeps the
	 * bound they understand. */
	asm volatile("" : "+r"(n));
	if ((int)n < 1)
		return 0;
	if (p->xdp)
		err = bpf_xdp_load_bytes(p->ctx, m->payload_off, s->buf, n);
	else
		err = bpf_skb_load_bytes(p->ctx, m->payload_off, s->buf, n);
	s->len = err ? 0 : n;
	return s->len;
}

#endif
