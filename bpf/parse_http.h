/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * HTTP/1.x request line on any TCP port, and over UDP (SSDP and other
 * HTTPU requests): the method, the URI and the Host
 * header, from the segment that starts the request.  A request is only
 * taken as one when its line is "METHOD SP URI SP HTTP/1.x"; a URI longer
 * than IOTPROF_URI_MAX - 1 is kept cut and flagged truncated, and then the
 * version cannot be checked (it is not in the bytes kept).  Each request is
 * its own exchange: its identity is the hash of method, URI and host.
 */
#ifndef IOTPROF_BPF_PARSE_HTTP_H
#define IOTPROF_BPF_PARSE_HTTP_H

#include "app_scratch.h"

/*
 * The method is any RFC 9110 token (tchar: ALPHA, DIGIT and
 * "!#$%&'*+-.^_`|~"): GET and POST, but also UPnP's NOTIFY and M-SEARCH or a
 * vendor's CCM_POST.  It must start with an upper-case letter, as every
 * registered method does: opaque data rarely does, and the whole request
 * line is checked before anything is taken.
 */
#define HTTP_METHOD_MAX (IOTPROF_METHOD_MAX - 1)

static __always_inline bool http_tchar(__u8 c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
	case '-': case '.': case '^': case '_': case '`': case '|': case '~':
		return true;
	}
	return false;
}

/* Could these first 8 payload bytes start a request line?  A token that
 * starts with an upper-case letter and ends in a space, or fills all 8. */
static __always_inline bool http_request_start(const __u8 first[8])
{
	bool ended = false;

	if (first[0] < 'A' || first[0] > 'Z')
		return false;
#pragma unroll
	for (int k = 1; k < 8; k++) {
		if (ended)
			break;
		if (first[k] == ' ')
			ended = true;
		else if (!http_tchar(first[k]))
			return false;
	}
	return true;
}

/* The method's length when the scratch starts "METHOD SP", else 0. */
static __always_inline int http_method_len(const struct app_scratch *s)
{
#pragma unroll
	for (int k = 1; k <= HTTP_METHOD_MAX; k++) {
		if (k >= (int)s->len)
			return 0;
		if (sb(s, k) == ' ')
			return k;
		if (!http_tchar(sb(s, k)))
			return 0;
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
	if (c == '\r' || c == '\n') {	/* "GET /x" CRLF: a request without a version */
		w->done = 2;
		return 1;
	}
	if (c < 0x21 || c == 0x7F) {	/* no URI holds control characters */
		w->bad = 1;
		return 1;
	}
	if (w->out >= IOTPROF_URI_MAX - 1)
		return 1;	/* cut: the caller flags it */
	s->app.http.uri[w->out & (IOTPROF_URI_MAX - 1)] = c;
	w->hash = fnv_step(w->hash, c);
	s->uri_prefix_hash[w->out & (IOTPROF_URI_MAX - 1)] = w->hash;
	w->out++;
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
	if (w->done == 1) {
		/* " HTTP/1." follows a whole URI, as far as the segment goes. */
		static const char version[8] = " HTTP/1.";

		v = w->pos;
#pragma unroll
		for (int k = 1; k < 8; k++) {
			if (v + k >= s->len) {
				s->app.flags |= IOTPROF_APP_F_INCOMPLETE;
				break;
			}
			if (sb(s, v + k) != (__u8)version[k])
				return -1;
		}
	} else if (w->done == 2) {
		/* A line without a version is HTTP/0.9's simple request, which
		 * only GET has; "EHLO host" or "USER name" is another protocol. */
		if (mlen != 3 || sb(s, 0) != 'G' || sb(s, 1) != 'E' || sb(s, 2) != 'T')
			return -1;
	} else if (!w->done) {
		s->app.flags |= w->out >= IOTPROF_URI_MAX - 1 ? IOTPROF_APP_F_TRUNCATED
							      : IOTPROF_APP_F_INCOMPLETE;
	}

	s->app.kind = IOTPROF_APP_HTTP;
	hash = w->hash;
	s->path_hash = hash;
	s->uri_len = w->out;
	v = FNV_SEED;
	for (int k = 0; k < HTTP_METHOD_MAX; k++)
		if (k < mlen) {
			s->app.http.method[k] = sb(s, k);
			hash = fnv_step(hash, sb(s, k));
			v = fnv_step(v, sb(s, k));
		}
	s->method_id = (v >> 16) ^ (v & 0xFFFF);

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
