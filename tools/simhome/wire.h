/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The few bytes of DNS and CoAP the simulators put on the wire. */
#ifndef SIMHOME_WIRE_H
#define SIMHOME_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* A standard query (RD set) for qname/qtype.  Returns its length or -1. */
int dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *qname, uint16_t qtype);

/* Reads the response to query `id`: its rcode and up to max A records.
 * Returns the number of A records, or -1 when buf is not that response. */
int dns_response(const uint8_t *buf, size_t len, uint16_t id, int *rcode, struct in_addr *addrs, int max);

/* The question of a query: name (lower case, no trailing dot) and type.
 * Returns the offset after the question, or -1. */
int dns_question(const uint8_t *buf, size_t len, char *name, size_t name_len, uint16_t *qtype);

/* An answer to the query in q: NOERROR with the A records given (n >= 0;
 * only for qtype A or ANY), or NXDOMAIN when n < 0.  Returns its length or -1. */
int dns_answer(const uint8_t *q, size_t qlen, const struct in_addr *addrs, int n, uint8_t *out, size_t cap);

enum coap_type { COAP_CON = 0, COAP_NON = 1, COAP_ACK = 2, COAP_RST = 3 };

int coap_type_of(const char *text);
int coap_code_of(const char *text);	/* "0.01" -> 1 */

/* A request: type, code, message id, token, Uri-Path from uri. */
int coap_request(uint8_t *buf, size_t cap, int type, int code, uint16_t mid, const uint8_t *token,
		 int tkl, const char *uri);

struct coap_msg {
	int type, code, tkl;
	uint16_t mid;
	uint8_t token[8];
};

int coap_parse(const uint8_t *buf, size_t len, struct coap_msg *m);

/* The server's 2.05 Content answer to a request (ACK for CON, NON for NON);
 * 0 when the request gets none. */
int coap_response(const struct coap_msg *req, uint16_t mid, uint8_t *buf, size_t cap);

#endif
