/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * HTTP/1.x request line on any TCP port: the method, the URI and the Host
 * header, from the segment that starts the request.  A request is only
 * taken as one when its line is "METHOD SP URI SP HTTP/1.x"; a URI longer
 * than IOTPROF_URI_MAX - 1 is kept cut and flagged truncated, and then the
 * version cannot be checked (it is not in the bytes kept).  Each request is
 * its own exchange: its identity is the hash of method, URI and host.
 */
#ifndef IOTPROF_BPF_PARSE_HTTP_H
#define IOTPROF_BPF_PARSE_HTTP_H

#include "app_scratch.h"

struct http_method {
	char name[8];
	__u8 len;
};

static const struct http_method http_methods[] = {
	{ "GET", 3 }, { "POST", 4 }, { "PUT", 3 }, { "HEAD", 4 }, { "DELETE", 6 },
	{ "OPTIONS", 7 }, { "PATCH", 5 }, { "CONNECT", 7 }, { "TRACE", 5 },
};

/* Returns the method's length when the payload starts with "METHOD ". */
static __always_inline int http_method_len(const struct app_scratch *s)
{
#pragma unroll
	for (int i = 0; i < (int)(sizeof(http_methods) / sizeof(http_methods[0])); i++) {
		const struct http_method *m = &http_methods[i];
		bool match = s->len > m->len && sb(s, m->len) == ' ';

#pragma unroll
		for (int k = 0; k < 7; k++)
			if (k < m->len && sb(s, k) != (__u8)m->name[k])
				match = false;
		if (match)
			return m->len;
	}
	return 0;
}


static long http_uri_step(__u32 i, void *ctx)
{
	struct app_scratch *s = scratch_get();
	struct http_walk *w;
	__u8 c;

	if (!s)
		return 1;
	w = &s->walk.http;
	if (w->pos >= s->len)
		return 1;	/* the segment ends inside the URI */
	c = sb(s, w->pos);
	if (c == ' ') {
		w->done = 1;
		return 1;
	}
	if (c < 0x21 || c == 0x7F) {	/* no URI holds control characters */
		w->bad = 1;
		return 1;
	}
	if (w->out >= IOTPROF_URI_MAX - 1)
		return 1;	/* cut: the caller flags it */
	s->app.http.uri[w->out & (IOTPROF_URI_MAX - 1)] = c;
	w->out++;
	w->hash = fnv_step(w->hash, c);
	w->pos++;
	return 0;
}

/* Finds "\nHost:" (any case) before the end of the headers; leaves pos on
 * the first byte of its value. */
static long http_find_host_step(__u32 i, void *ctx)
{
	struct app_scratch *s = scratch_get();
	struct http_walk *w;
	__u32 at;

	if (!s)
		return 1;
	w = &s->walk.http;
	at = w->pos;
	if (at + 6 >= s->len)
		return 1;
	w->pos++;
	if (sb(s, at) != '\n')
		return 0;
	if (sb(s, at + 1) == '\r' || sb(s, at + 1) == '\n')
		return 1;	/* blank line: the headers end without a Host */
	if (ascii_lower(sb(s, at + 1)) == 'h' && ascii_lower(sb(s, at + 2)) == 'o' &&
	    ascii_lower(sb(s, at + 3)) == 's' && ascii_lower(sb(s, at + 4)) == 't' &&
	    sb(s, at + 5) == ':') {
		w->pos = at + 6;
		w->done = 1;
		return 1;
	}
	return 0;
}

static long http_host_step(__u32 i, void *ctx)
{
	struct app_scratch *s = scratch_get();
	struct http_walk *w;
	__u8 c;

	if (!s)
		return 1;
	w = &s->walk.http;
	if (w->pos >= s->len)
		return 1;
	c = sb(s, w->pos);
	if (c == '\r' || c == '\n') {
		w->done = 1;
		return 1;
	}
	if ((c == ' ' || c == '\t') && w->out == 0) {	/* space before the value */
		w->pos++;
		return 0;
	}
	if (c < 0x20 || c == 0x7F) {
		w->bad = 1;
		return 1;
	}
	if (w->out >= IOTPROF_NAME_MAX - 1)
		return 1;
	s->app.http.host[w->out & (IOTPROF_NAME_MAX - 1)] = c;
	w->out++;
	w->hash = fnv_step(w->hash, ascii_lower(c));
	w->pos++;
	return 0;
}

static __noinline int parse_http(void)
{
	struct app_scratch *s = scratch_get();
	struct http_walk *w;
	__u32 v, hash, pos;
	int mlen;

	if (!s)
		return -1;
	w = &s->walk.http;
	mlen = http_method_len(s);
	if (!mlen)
		return -1;
	*w = (struct http_walk){ .pos = mlen + 1, .hash = FNV_SEED };
	bpf_loop(IOTPROF_URI_MAX, http_uri_step, NULL, 0);
	if (w->bad || w->out == 0)
		return -1;
	if (w->done) {
		/* " HTTP/1." must follow a whole URI. */
		v = w->pos;
		if (v + 8 > s->len || sb(s, v + 1) != 'H' || sb(s, v + 2) != 'T' ||
		    sb(s, v + 3) != 'T' || sb(s, v + 4) != 'P' || sb(s, v + 5) != '/' ||
		    sb(s, v + 6) != '1' || sb(s, v + 7) != '.')
			return -1;
	} else {
		s->app.flags |= w->out >= IOTPROF_URI_MAX - 1 ? IOTPROF_APP_F_TRUNCATED
							      : IOTPROF_APP_F_INCOMPLETE;
	}

	s->app.kind = IOTPROF_APP_HTTP;
	hash = w->hash;
	for (int k = 0; k < 8; k++)
		if (k < mlen) {
			s->app.http.method[k] = sb(s, k);
			hash = fnv_step(hash, sb(s, k));
		}

	pos = w->pos;
	*w = (struct http_walk){ .pos = pos };
	bpf_loop(IOTPROF_APP_SCAN_MAX, http_find_host_step, NULL, 0);
	if (w->done) {
		w->done = 0;
		w->hash = hash;
		bpf_loop(IOTPROF_NAME_MAX, http_host_step, NULL, 0);
		if (w->bad) {
			__builtin_memset(s->app.http.host, 0, IOTPROF_NAME_MAX);
		} else {
			if (!w->done)
				s->app.flags |= w->out >= IOTPROF_NAME_MAX - 1 ? IOTPROF_APP_F_TRUNCATED
									       : IOTPROF_APP_F_INCOMPLETE;
			hash = w->hash;
		}
	}
	s->id = hash;
	return 0;
}

#endif
