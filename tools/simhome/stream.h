/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A TCP connection, in clear or in TLS, and the exchange simhome's stream
 * services speak: the client's first message starts with a header line
 * "#L0:s1,s2,...\n" padded to L0 bytes; then each s > 0 is a message of s
 * bytes from the server, each s < 0 one of -s bytes from the client; then
 * the server closes (so the server, not the client, keeps TIME_WAIT, and a
 * fixed source port can connect again at once).
 */
#ifndef SIMHOME_STREAM_H
#define SIMHOME_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/ssl.h>
#include "spec.h"

struct stream {
	int fd;
	SSL *ssl;
};

int stream_tls_connect(struct stream *st, SSL_CTX *ctx, const char *sni, double deadline);
int stream_tls_accept(struct stream *st, SSL_CTX *ctx, double deadline);
bool stream_send(struct stream *st, const void *buf, size_t len, double deadline);
bool stream_recv(struct stream *st, void *buf, size_t len, double deadline);
/* > 0 bytes read, 0 at the end of the stream, -1 on error or at the deadline. */
int stream_recv_some(struct stream *st, void *buf, size_t len, double deadline);
void stream_close(struct stream *st);
/* Closes with a reset: a failed connection must not go on retransmitting
 * into the next traces (a dropped request would be sent again for
 * minutes, and its flow would seem to recur in every trace). */
void stream_abort(struct stream *st);

/* The first message: header for `rest` (n entries), padded to first_len
 * bytes when that is longer.  Returns its length, or -1. */
int stream_header(char *buf, size_t cap, int first_len, const int *rest, int n);
/* The one-reply header of datagrams: "#L0:reply\n" padded to first_len. */
int stream_plan_header(char *buf, size_t cap, int first_len, int reply);

/* The client's side of the exchange.  plan: signed lengths, negative from
 * the device (device_client: the device is the client); NULL: 24 bytes
 * out, 48 back. */
bool stream_client_plan(struct stream *st, const struct int_list *plan, bool device_client, double deadline);

/* The server's side, once the first byte said '#'. */
bool stream_server_plan(struct stream *st, double deadline);

/* Parses a header line; returns the number of entries (rest), or -1. */
int stream_parse_header(const char *line, int *first_len, int *rest, int max);

#endif
