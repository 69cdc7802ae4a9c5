/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A record's application data as the JSON "app" member:
 *   {"dns":{"qname","qtype","response","rcode","answers"}}, with
 *     "announcement":true when the message had no question (mDNS) and
 *     qname/qtype are those of its first answer
 *   {"tls":{"sni","versions"}}   {"http":{"method","uri","host"}}
 *   {"coap":{"type","code","uri","host","message_id","token"}}
 * with "truncated":true (a value was cut at its maximum) and
 * "incomplete":true (it lies beyond the bytes seen) where they apply. */
#ifndef IOTPROF_APP_JSON_H
#define IOTPROF_APP_JSON_H

#include <json-c/json.h>
#include "iotprof_abi.h"

/* NULL (JSON null) for a record without application data. */
struct json_object *app_to_json(const struct iotprof_app *app);

/* A kernel string as JSON text: bytes that are not printable ASCII become
 * "\xNN", so the output is valid UTF-8 whatever was on the wire. */
struct json_object *json_kernel_string(const char *s, size_t max);

/* "A", "AAAA", ... or "TYPE123" (RFC 3597). */
const char *dns_type_name(__u16 type, char buf[12]);

/* The reverse: a name dns_type_name() gives, or a number.  -1 if neither. */
int dns_type_number(const char *text);

#endif
