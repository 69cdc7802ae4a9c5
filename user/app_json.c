// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "addr.h"
#include "app_json.h"

struct json_object *json_kernel_string(const char *s, size_t max)
{
	char out[4 * IOTPROF_NAME_MAX + 1];
	size_t o = 0;

	for (size_t i = 0; i < max && s[i] && o + 5 < sizeof(out); i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7F)
			out[o++] = c;
		else
			o += snprintf(out + o, sizeof(out) - o, "\\x%02x", c);
	}
	out[o] = 0;
	return json_object_new_string(out);
}

static const struct { __u16 type; const char *name; } dns_types[] = {
		{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" },
		{ 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 28, "AAAA" }, { 33, "SRV" },
		{ 35, "NAPTR" }, { 41, "OPT" }, { 43, "DS" }, { 46, "RRSIG" }, { 47, "NSEC" },
		{ 48, "DNSKEY" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 255, "ANY" },
};

const char *dns_type_name(__u16 type, char buf[12])
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (dns_types[i].type == type)
			return dns_types[i].name;
	snprintf(buf, 12, "TYPE%u", type);
	return buf;
}

int dns_type_number(const char *text)
{
	unsigned long n;
	char *end;

	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (!strcasecmp(text, dns_types[i].name))
			return dns_types[i].type;
	if (!strncasecmp(text, "TYPE", 4))
		text += 4;
	n = strtoul(text, &end, 10);
	return *text && !*end && n <= 65535 ? (int)n : -1;
}

static void add_flags(struct json_object *o, __u8 flags)
{
	if (flags & IOTPROF_APP_F_TRUNCATED)
		json_object_object_add(o, "truncated", json_object_new_boolean(1));
	if (flags & IOTPROF_APP_F_INCOMPLETE)
		json_object_object_add(o, "incomplete", json_object_new_boolean(1));
}

static struct json_object *dns_json(const struct iotprof_app_dns *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *answers = json_object_new_array();
	char buf[ADDR_STR_MAX], tbuf[12];

	json_object_object_add(o, "qname", json_kernel_string(d->qname, sizeof(d->qname)));
	json_object_object_add(o, "qtype", json_object_new_string(dns_type_name(d->qtype, tbuf)));
	json_object_object_add(o, "response", json_object_new_boolean(d->response));
	json_object_object_add(o, "rcode", d->response ? json_object_new_int(d->rcode) : NULL);
	for (int i = 0; i < d->n_answers && i < IOTPROF_DNS_ANSWERS_MAX; i++)
		json_object_array_add(answers, json_object_new_string(
			addr_format(d->answers[i], d->answer_family[i], buf)));
	json_object_object_add(o, "answers", answers);
	if (d->announcement)
		json_object_object_add(o, "announcement", json_object_new_boolean(1));
	return o;
}

static struct json_object *tls_json(const struct iotprof_app_tls *t)
{
	struct json_object *o = json_object_new_object();
	struct json_object *versions = json_object_new_array();

	json_object_object_add(o, "sni", t->sni[0] ? json_kernel_string(t->sni, sizeof(t->sni)) : NULL);
	for (int i = 0; i < t->n_versions && i < IOTPROF_TLS_VERSIONS_MAX; i++)
		json_object_array_add(versions, json_object_new_int(t->versions[i]));
	json_object_object_add(o, "versions", versions);
	return o;
}

static struct json_object *http_json(const struct iotprof_app_http *h)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "method", json_kernel_string(h->method, sizeof(h->method)));
	json_object_object_add(o, "uri", json_kernel_string(h->uri, sizeof(h->uri)));
	json_object_object_add(o, "host", h->host[0] ? json_kernel_string(h->host, sizeof(h->host)) : NULL);
	return o;
}

static struct json_object *coap_json(const struct iotprof_app_coap *c)
{
	static const char *const types[] = { "CON", "NON", "ACK", "RST" };
	struct json_object *o = json_object_new_object();
	char code[8], token[17] = "";

	snprintf(code, sizeof(code), "%u.%02u", c->code >> 5, c->code & 0x1F);
	for (int i = 0; i < c->token_len && i < 8; i++)
		snprintf(token + 2 * i, 3, "%02x", c->token[i]);
	json_object_object_add(o, "type", json_object_new_string(types[c->type & 3]));
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "uri", json_kernel_string(c->uri[0] ? c->uri : "/", sizeof(c->uri)));
	json_object_object_add(o, "host", c->host[0] ? json_kernel_string(c->host, sizeof(c->host)) : NULL);
	json_object_object_add(o, "message_id", json_object_new_int(c->message_id));
	json_object_object_add(o, "token", json_object_new_string(token));
	return o;
}

struct json_object *app_to_json(const struct iotprof_app *app)
{
	struct json_object *o, *inner;
	const char *key;

	switch (app->kind) {
	case IOTPROF_APP_DNS:
		key = "dns";
		inner = dns_json(&app->dns);
		break;
	case IOTPROF_APP_TLS:
		key = "tls";
		inner = tls_json(&app->tls);
		break;
	case IOTPROF_APP_HTTP:
		key = "http";
		inner = http_json(&app->http);
		break;
	case IOTPROF_APP_COAP:
		key = "coap";
		inner = coap_json(&app->coap);
		break;
	default:
		return NULL;
	}
	add_flags(inner, app->flags);
	o = json_object_new_object();
	json_object_object_add(o, key, inner);
	return o;
}
