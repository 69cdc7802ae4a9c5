/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * CoAP over UDP 5683 (RFC 7252): version, type, code, message id, token and
 * the options, with extended delta and length encodings; Uri-Host and the
 * Uri-Path segments, joined as "/a/b".  A message's identity is its token
 * (or, without one, its message id), so a response - which carries no URI -
 * counts to its request's record.
 */
#ifndef IOTPROF_BPF_PARSE_COAP_H
#define IOTPROF_BPF_PARSE_COAP_H

#include "app_scratch.h"

#define COAP_OPT_URI_HOST 3
#define COAP_OPT_URI_PATH 11


/* Reads an option's extended delta or length; returns -1 when invalid. */
static __always_inline int coap_ext(const struct app_scratch *s, __u32 *pos, __u8 nibble)
{
	int v;

	if (nibble < 13)
		return nibble;
	if (nibble == 15)
		return -1;
	if (nibble == 13) {
		if (*pos + 1 > s->len)
			return -1;
		v = sb(s, *pos) + 13;
		*pos += 1;
		return v;
	}
	if (*pos + 2 > s->len)
		return -1;
	v = sb16(s, *pos) + 269;
	*pos += 2;
	return v;
}

static long coap_option_step(__u32 i, void *ctx)
{
	struct app_scratch *s = scratch_get();
	struct coap_walk *w;
	int delta, len;
	__u32 pos;
	__u8 b;

	if (!s)
		return 1;
	w = &s->walk.coap;
	if (w->pos >= s->len)
		return 1;
	pos = w->pos;
	b = sb(s, pos++);
	if (b == 0xFF)		/* payload marker */
		return 1;
	delta = coap_ext(s, &pos, b >> 4);
	len = coap_ext(s, &pos, b & 0xF);
	if (delta < 0 || len < 0 || pos + len > s->len) {
		w->bad = 1;
		return 1;
	}
	w->number += delta;
	if (w->number == COAP_OPT_URI_PATH) {
		__u32 n = w->n_seg;

		if (n < COAP_SEGS_MAX) {
			w->seg_off[n & (COAP_SEGS_MAX - 1)] = pos;
			w->seg_len[n & (COAP_SEGS_MAX - 1)] = len;
			w->n_seg = n + 1;
		} else {
			w->cut = 1;
		}
	} else if (w->number == COAP_OPT_URI_HOST) {
		w->host_off = pos;
		w->host_len = len;
	}
	w->pos = pos + len;
	return 0;
}

/* The Uri-Path segments into the URI, one byte per step: "/" and the
 * segment's bytes, segment after segment. */
static long coap_path_step(__u32 i, void *ctx)
{
	struct app_scratch *s = scratch_get();
	struct coap_walk *w;
	__u32 seg, pos, out;
	__u8 c;

	if (!s)
		return 1;
	w = &s->walk.coap;
	seg = w->seg;
	if (seg >= w->n_seg)
		return 1;
	pos = w->seg_pos;
	if (pos > w->seg_len[seg & (COAP_SEGS_MAX - 1)]) {
		w->seg = seg + 1;
		w->seg_pos = 0;
		return 0;
	}
	out = w->uri_out;
	if (out >= IOTPROF_URI_MAX - 1) {
		w->cut = 1;
		return 1;
	}
	c = pos ? sb(s, w->seg_off[seg & (COAP_SEGS_MAX - 1)] + pos - 1) : '/';
	if (c == 0) {		/* a NUL cannot be printed: not a path we keep */
		w->bad = 1;
		return 1;
	}
	s->app.coap.uri[out & (IOTPROF_URI_MAX - 1)] = c;
	w->path_hash = fnv_step(w->path_hash, c);
	w->uri_out = out + 1;
	w->seg_pos = pos + 1;
	return 0;
}

static __always_inline bool coap_code_is_request(__u8 code)
{
	return code != 0 && (code >> 5) == 0;
}

static __noinline int parse_coap(void)
{
	struct app_scratch *s = scratch_get();
	__u32 hash = FNV_SEED;
	__u8 b0, tkl;

	if (!s || s->len < 4)
		return -1;
	b0 = sb(s, 0);
	tkl = b0 & 0xF;
	if (b0 >> 6 != 1 || tkl > 8 || 4 + tkl > s->len)
		return -1;
	/* An empty message (code 0.00) is 4 bytes, nothing more (RFC 7252 4.1). */
	if (sb(s, 1) == 0 && s->len != 4)
		return -1;
	s->app.kind = IOTPROF_APP_COAP;
	s->app.coap.version = 1;
	s->app.coap.type = (b0 >> 4) & 3;
	s->app.coap.code = sb(s, 1);
	s->app.coap.message_id = sb16(s, 2);
	s->app.coap.token_len = tkl;
	for (int k = 0; k < 8; k++) {
		if (k < tkl) {
			s->app.coap.token[k] = sb(s, 4 + k);
			hash = fnv_step(hash, sb(s, 4 + k));
		}
	}
	/* An empty message (code 0.00) has neither token nor options. */
	s->walk.coap = (struct coap_walk){ .pos = 4 + tkl, .path_hash = FNV_SEED };
	bpf_loop(IOTPROF_COAP_OPT_SCAN_MAX, coap_option_step, NULL, 0);
	if (s->walk.coap.bad)
		return -1;
	bpf_loop(IOTPROF_URI_MAX + 2 * COAP_SEGS_MAX, coap_path_step, NULL, 0);
	if (s->walk.coap.bad)
		return -1;
	if (s->walk.coap.host_len) {
		s->copy = (struct copy_walk){ .from = s->walk.coap.host_off, .n = s->walk.coap.host_len,
					      .out_max = IOTPROF_NAME_MAX - 1,
					      .dst_off = COPY_TO(coap.host) };
		bpf_loop(COPY_STEPS(IOTPROF_NAME_MAX), copy_step, NULL, 0);
		if (s->copy.cut)
			s->walk.coap.cut = 1;
	}
	if (s->walk.coap.cut)
		s->app.flags |= IOTPROF_APP_F_TRUNCATED;
	if (!tkl) {
		hash = fnv_step(hash, s->app.coap.message_id >> 8);
		hash = fnv_step(hash, s->app.coap.message_id & 0xFF);
	}
	s->id = fnv_step(hash, tkl);
	s->path_hash = s->walk.coap.path_hash;
	/* A request is its token, method and path: a client that reuses a
	 * token for another request starts another exchange. */
	if (coap_code_is_request(s->app.coap.code))
		s->request_id = fnv_step(fnv_step(s->id ^ s->walk.coap.path_hash, s->app.coap.code), 1);
	return 0;
}

#endif
