/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TLS ClientHello on any TCP port: the server name (SNI) and the offered
 * supported_versions (GREASE values removed).  Session id, cipher suites,
 * compression methods and extensions may have any legal length and order.
 * A ClientHello split over several segments is parsed as far as this
 * segment goes: the SNI is found when it lies in it, and otherwise the
 * record is flagged incomplete.  The ClientHello belongs to its connection:
 * its fields go to the connection's record (identity 0).
 */
#ifndef IOTPROF_BPF_PARSE_TLS_H
#define IOTPROF_BPF_PARSE_TLS_H

#include "app_scratch.h"

#define TLS_CONTENT_CCS       20	/* change_cipher_spec: part of the handshake */
#define TLS_CONTENT_HANDSHAKE 22
#define TLS_CLIENT_HELLO      1
#define TLS_EXT_SERVER_NAME   0
#define TLS_EXT_SUPPORTED_VERSIONS 43


static __always_inline bool tls_grease(__u16 v)
{
	return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF);
}

static __always_inline void tls_server_name(struct app_scratch *s, struct tls_walk *w,
					    __u32 at, __u32 len)
{
	__u32 name_len;

	/* server_name_list: u16 length, then entries of u8 type, u16 length. */
	if (len < 5) {
		w->bad = 1;
		return;
	}
	if (at + 5 > s->len) {		/* the segment ends inside the list's header */
		w->ran_out = 1;
		return;
	}
	if (sb(s, at + 2) != 0) {
		w->bad = 1;
		return;
	}
	name_len = sb16(s, at + 3);
	if (name_len == 0 || name_len + 5 > len) {
		w->bad = 1;
		return;
	}
	w->sni_off = at + 5;	/* copied after the walk: no loop inside a loop */
	w->sni_len = name_len;
	w->found_sni = 1;
}

/* One entry of supported_versions; GREASE values are left out. */
static long tls_version_step(__u32 i, void *ctx)
{
	struct app_scratch *s = scratch_get();
	struct tls_walk *w;
	__u8 n;
	__u16 v;

	if (!s)
		return 1;
	w = &s->walk.tls;
	if (w->vpos + 2 > w->vend || w->vpos + 2 > s->len)
		return 1;
	v = sb16(s, w->vpos);
	w->vpos += 2;
	n = s->app.tls.n_versions;
	if (tls_grease(v) || n >= IOTPROF_TLS_VERSIONS_MAX)
		return 0;
	s->app.tls.versions[n & (IOTPROF_TLS_VERSIONS_MAX - 1)] = v;
	s->app.tls.n_versions = n + 1;
	return 0;
}

static long tls_extension_step(__u32 i, void *ctx)
{
	struct app_scratch *s = scratch_get();
	struct tls_walk *w;
	__u32 type, len;

	if (!s)
		return 1;
	w = &s->walk.tls;
	if (w->pos + 4 > w->end)
		return 1;	/* all extensions walked */
	if (w->pos + 4 > s->len) {
		w->ran_out = 1;
		return 1;
	}
	type = sb16(s, w->pos);
	len = sb16(s, w->pos + 2);
	if (w->pos + 4 + len > w->end) {
		w->bad = 1;
		return 1;
	}
	if (type == TLS_EXT_SERVER_NAME)
		tls_server_name(s, w, w->pos + 4, len);
	else if (type == TLS_EXT_SUPPORTED_VERSIONS && len >= 1) {
		/* a one-byte list length, then two bytes per version */
		__u32 list = w->pos + 4 < s->len ? sb(s, w->pos + 4) : 0;

		w->vpos = w->pos + 5;
		w->vend = w->pos + 5 + (list < len - 1 ? list : len - 1);
		bpf_loop(IOTPROF_TLS_VERSIONS_MAX * 2, tls_version_step, NULL, 0);
	}
	w->pos += 4 + len;
	return w->bad ? 1 : 0;
}

static __noinline int parse_tls(void)
{
	struct app_scratch *s = scratch_get();
	struct tls_walk *w;
	__u32 pos, hs_len;

	if (!s || s->len < 11)
		return -1;
	/* record: type, version 3.x, length; handshake: type, 24-bit length */
	if (sb(s, 0) != TLS_CONTENT_HANDSHAKE || sb(s, 1) != 3 || sb(s, 5) != TLS_CLIENT_HELLO)
		return -1;
	hs_len = (__u32)sb(s, 6) << 16 | sb16(s, 7);
	if (sb16(s, 3) < 4 || hs_len < 38 || sb(s, 9) != 3)
		return -1;
	pos = 9 + 2 + 32;			/* client_version, random */
	if (pos + 1 > s->len)
		goto incomplete;
	if (sb(s, pos) > 32)			/* session id: at most 32 bytes */
		return -1;
	pos += 1 + sb(s, pos);
	if (pos + 2 > s->len)
		goto incomplete;
	if (sb16(s, pos) & 1 || sb16(s, pos) == 0)	/* cipher suites: u16 each */
		return -1;
	pos += 2 + sb16(s, pos);
	if (pos + 1 > s->len)
		goto incomplete;
	if (sb(s, pos) == 0)			/* compression methods: at least null */
		return -1;
	pos += 1 + sb(s, pos);
	if (pos + 2 > s->len)
		goto incomplete;
	w = &s->walk.tls;
	*w = (struct tls_walk){ .pos = pos + 2, .end = pos + 2 + sb16(s, pos) };
	if (w->end > 9 + hs_len)
		return -1;
	bpf_loop(IOTPROF_TLS_EXT_SCAN_MAX, tls_extension_step, NULL, 0);
	if (w->bad)
		return -1;
	if (w->found_sni) {
		s->copy = (struct copy_walk){ .from = w->sni_off, .n = w->sni_len,
					      .out_max = IOTPROF_NAME_MAX - 1, .hash = FNV_SEED,
					      .dst_off = COPY_TO(tls.sni), .printable = 1 };
		bpf_loop(COPY_STEPS(IOTPROF_NAME_MAX), copy_step, NULL, 0);
		if (s->copy.bad)	/* a host name is printable ASCII */
			return -1;
		if (s->copy.cut)
			s->app.flags |= IOTPROF_APP_F_TRUNCATED;
		if (s->copy.ran_out)
			s->app.flags |= IOTPROF_APP_F_INCOMPLETE;
		/* Only a whole name names the server. */
		if (!s->copy.cut && !s->copy.ran_out) {
			s->name_id = s->copy.hash ?: 1;
			s->app.tls.sni_id = s->name_id;
		}
	}
	s->app.kind = IOTPROF_APP_TLS;
	if (!w->found_sni && w->ran_out)
		s->app.flags |= IOTPROF_APP_F_INCOMPLETE;
	s->id = 0;
	return 0;
incomplete:
	s->app.kind = IOTPROF_APP_TLS;
	s->app.flags |= IOTPROF_APP_F_INCOMPLETE;
	s->id = 0;
	return 0;
}

#endif
