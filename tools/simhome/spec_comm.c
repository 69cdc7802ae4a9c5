// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A communication of a spec: endpoints, protocol, ports, application data,
 * resolvers, timeout, every key checked against the protocol. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app_json.h"
#include "spec_read.h"

static bool read_endpoint(struct loader *l, yaml_node_t *n, const char *key, struct endpoint *e)
{
	const char *v = scalar(l, n, key);

	if (!v)
		return false;
	if (!strcmp(v, "device"))
		e->kind = HOST_DEVICE;
	else if (!strcmp(v, "phone"))
		e->kind = HOST_PHONE;
	else if (!strcmp(v, "gateway"))
		e->kind = HOST_GATEWAY;
	else if (canon_addr(v, e->text))
		e->kind = HOST_ADDR;
	else if (canon_name(v, e->text))
		e->kind = HOST_NAME;
	else {
		error_at(l, n, key, "expected device, phone, gateway, a host name or an IPv4 address, got \"%.40s\"", v);
		return false;
	}
	if (e->kind < HOST_NAME)
		snprintf(e->text, sizeof(e->text), "%s", v);
	return true;
}

static int proto_of(const char *v)
{
	static const char *const names[] = { [PROTO_TCP] = "tcp", [PROTO_UDP] = "udp", [PROTO_TLS] = "tls",
		[PROTO_HTTP] = "http", [PROTO_COAP] = "coap", [PROTO_DNS] = "dns" };

	for (int i = PROTO_TCP; i <= PROTO_DNS; i++)
		if (!strcmp(v, names[i]))
			return i;
	return 0;
}

static bool coap_code(const char *v, char *out)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "DELETE" };
	unsigned c, d;
	char tail;

	for (int i = 0; i < 4; i++)
		if (!strcasecmp(v, methods[i])) {
			snprintf(out, 8, "0.%02d", i + 1);
			return true;
		}
	if (sscanf(v, "%u.%u%c", &c, &d, &tail) != 2 || c > 7 || d > 31)
		return false;
	snprintf(out, 8, "%u.%02u", c, d);
	return true;
}

static const char *const comm_keys[] = { "from", "to", "proto", "sport", "dport", "resolvers", "timeout",
	"method", "uri", "type", "code", "qname", "qtype", "probability", NULL };

/* Checks what depends on the endpoints: hosts must exist. */
static void check_endpoint(struct loader *l, yaml_node_t *n, const char *key, const struct endpoint *e,
			   bool source)
{
	struct home_spec *s = l->s;
	int dev;

	if (e->kind == HOST_PHONE && !s->phone[0])
		error_at(l, n, key, "the home has no phone (home.phone)");
	if (e->kind == HOST_NAME && source && !spec_name(s, e->text))
		error_at(l, n, key, "a source name must be one of home.cloud.names (its address sends)");
	if (e->kind == HOST_ADDR && spec_in_lan(s, e->text) && !spec_is_group(s, e->text) &&
	    spec_owner(s, e->text, &dev) == OWNER_NONE)
		error_at(l, n, key, "no host of the home has the address %s", e->text);
	if (e->kind == HOST_ADDR && source && spec_is_group(s, e->text))
		error_at(l, n, key, "%s is a group address: it cannot send", e->text);
}

int read_comm(struct loader *l, yaml_node_t *n, const char *where, int device, bool noise)
{
	struct home_spec *s = l->s;
	struct comm c = { .device = device, .sport = -1, .dport = -1, .timeout = 0 };
	int errors = l->errors;
	yaml_node_t *v;
	const char *t;
	char key[128];

	if (!is_kind(l, n, YAML_MAPPING_NODE, where))
		return -1;
	c.line = n->start_mark.line + 1;
	c.col = n->start_mark.column + 1;
	check_keys(l, n, where, comm_keys);
#define KEY(k) (keyf(key, sizeof(key), "%s.%s", where, k), key)
	if (!(v = map_get(l, n, "from")))
		error_at(l, n, where, "\"from\" is missing");
	else if (read_endpoint(l, v, KEY("from"), &c.from))
		check_endpoint(l, v, key, &c.from, true);
	if (!(v = map_get(l, n, "to")))
		error_at(l, n, where, "\"to\" is missing");
	else if (read_endpoint(l, v, KEY("to"), &c.to))
		check_endpoint(l, v, key, &c.to, false);
	if (!(v = map_get(l, n, "proto")))
		error_at(l, n, where, "\"proto\" is missing (tcp, udp, tls, http, coap or dns)");
	else if ((t = scalar(l, v, KEY("proto"))) && !(c.proto = proto_of(t)))
		error_at(l, v, key, "expected tcp, udp, tls, http, coap or dns, got \"%.40s\"", t);
	if ((v = map_get(l, n, "sport")))
		read_int(l, v, KEY("sport"), 1, 65535, &c.sport);
	if ((v = map_get(l, n, "dport")))
		read_int(l, v, KEY("dport"), 1, 65535, &c.dport);
	if (c.dport < 0) {
		static const int defaults[] = { [PROTO_TLS] = 443, [PROTO_HTTP] = 80, [PROTO_COAP] = 5683,
						[PROTO_DNS] = 53, [PROTO_TCP] = -1, [PROTO_UDP] = -1 };

		c.dport = c.proto ? defaults[c.proto] : 0;
		if (c.dport < 0)
			error_at(l, n, where, "\"dport\" is missing (tcp and udp have no default port)");
	}
	c.timeout = s->timeout;
	if ((v = map_get(l, n, "timeout")))
		read_seconds(l, v, KEY("timeout"), &c.timeout);

	/* application data: only the keys of the protocol */
	snprintf(c.method, sizeof(c.method), "GET");
	snprintf(c.uri, sizeof(c.uri), "/");
	snprintf(c.coap_type, sizeof(c.coap_type), "CON");
	snprintf(c.coap_code, sizeof(c.coap_code), "0.01");
	snprintf(c.qtype, sizeof(c.qtype), "A");
	{
		static const struct { const char *key; enum comm_proto proto, proto2; } owners[] = {
			{ "method", PROTO_HTTP, 0 }, { "uri", PROTO_HTTP, PROTO_COAP }, { "type", PROTO_COAP, 0 },
			{ "code", PROTO_COAP, 0 }, { "qname", PROTO_DNS, 0 }, { "qtype", PROTO_DNS, 0 },
		};

		for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
			if ((v = map_get(l, n, owners[i].key)) && c.proto && c.proto != owners[i].proto &&
			    c.proto != owners[i].proto2)
				error_at(l, v, KEY(owners[i].key), "only for proto %s%s%s",
					 spec_proto_name(owners[i].proto), owners[i].proto2 ? " and " : "",
					 owners[i].proto2 ? spec_proto_name(owners[i].proto2) : "");
	}
	if ((v = map_get(l, n, "method")) && (t = scalar(l, v, KEY("method")))) {
		/* the methods the kernel's HTTP parser knows (bpf/parse_http.h) */
		static const char *const methods[] = { "GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS",
						       "PATCH", "CONNECT", "TRACE", "NOTIFY" };
		bool ok = false;

		for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
			ok |= !strcmp(t, methods[i]);
		if (ok)
			snprintf(c.method, sizeof(c.method), "%s", t);
		else
			error_at(l, v, key, "expected GET, POST, PUT, HEAD, DELETE, OPTIONS, PATCH, CONNECT, "
				 "TRACE or NOTIFY, got \"%.40s\"", t);
	}
	if ((v = map_get(l, n, "uri")) && (t = scalar(l, v, KEY("uri")))) {
		bool ok = t[0] == '/' && strlen(t) < 200;

		for (const char *p = t; *p; p++)
			ok &= *p > ' ' && *p < 0x7f;
		if (c.proto == PROTO_COAP)	/* Uri-Path options: no query, no empty last segment */
			ok = ok && !strchr(t, '?');
		if (ok) {
			size_t len;

			snprintf(c.uri, sizeof(c.uri), "%s", t);
			while (c.proto == PROTO_COAP && (len = strlen(c.uri)) > 1 && c.uri[len - 1] == '/')
				c.uri[len - 1] = 0;
		} else {
			error_at(l, v, key, "expected a path starting with \"/\" (no spaces%s), got \"%.40s\"",
				 c.proto == PROTO_COAP ? ", no query" : "", t);
		}
	}
	if ((v = map_get(l, n, "type")) && (t = scalar(l, v, KEY("type")))) {
		if (!strcmp(t, "CON") || !strcmp(t, "NON") || !strcmp(t, "ACK") || !strcmp(t, "RST"))
			snprintf(c.coap_type, sizeof(c.coap_type), "%s", t);
		else
			error_at(l, v, key, "expected CON, NON, ACK or RST, got \"%.40s\"", t);
	}
	if ((v = map_get(l, n, "code")) && (t = scalar(l, v, KEY("code"))) && !coap_code(t, c.coap_code))
		error_at(l, v, key, "expected a CoAP code such as 0.01 or GET, got \"%.40s\"", t);
	if ((v = map_get(l, n, "qname")) && (t = scalar(l, v, KEY("qname"))) && !canon_name(t, c.qname))
		error_at(l, v, key, "\"%.60s\" is not a DNS name", t);
	if ((v = map_get(l, n, "qtype")) && (t = scalar(l, v, KEY("qtype")))) {
		int type = dns_type_number(t);
		char buf[12];

		/* as the profiler names it: "TYPE28" is "AAAA" */
		if (type > 0)
			snprintf(c.qtype, sizeof(c.qtype), "%s", dns_type_name((__u16)type, buf));
		else
			error_at(l, v, key, "expected a DNS type such as A, AAAA or TYPE65, got \"%.40s\"", t);
	}
	if (c.proto == PROTO_DNS && !c.qname[0])
		error_at(l, n, where, "a dns communication needs \"qname\"");
	if (c.proto == PROTO_DNS && c.to.kind == HOST_NAME)
		error_at(l, n, where, "a dns communication goes to a resolver: gateway or an address");

	if ((v = map_get(l, n, "resolvers"))) {
		if (c.to.kind != HOST_NAME)
			error_at(l, v, KEY("resolvers"), "only for a destination that is a name");
		else if (is_kind(l, v, YAML_SEQUENCE_NODE, KEY("resolvers")))
			for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++) {
				yaml_node_t *r = node(l, *i);
				char *out = c.resolvers[c.n_resolvers];

				if (c.n_resolvers == SPEC_RESOLVERS_MAX) {
					error_at(l, r, key, "at most %d resolvers", SPEC_RESOLVERS_MAX);
					break;
				}
				if (!(t = scalar(l, r, key)))
					continue;
				if (!strcmp(t, "gateway"))
					snprintf(out, SPEC_ADDR_MAX, "gateway");
				else if (!canon_addr(t, out) || spec_is_group(s, out)) {
					error_at(l, r, key, "expected gateway or a resolver's address, got \"%.40s\"", t);
					continue;
				} else if (!strcmp(out, s->gateway))
					snprintf(out, SPEC_ADDR_MAX, "gateway");
				else if (spec_in_lan(s, out))
					error_at(l, r, key, "%s: a resolver is the gateway or a cloud address", out);
				else if (!spec_is_cloud_resolver(s, out))
					fprintf(stderr, "%s:%d:%d: %s: warning: %s is not in home.cloud.resolvers: "
						"it will not answer\n", l->path, (int)r->start_mark.line + 1,
						(int)r->start_mark.column + 1, key, out);
				c.n_resolvers++;
			}
	}
	if (c.to.kind == HOST_NAME && !c.n_resolvers) {
		snprintf(c.resolvers[0], SPEC_ADDR_MAX, "gateway");
		c.n_resolvers = 1;
	}
	if ((v = map_get(l, n, "probability"))) {
		const char *p = scalar(l, v, KEY("probability"));
		char *end;

		c.probability = p ? strtod(p, &end) : 0;
		if (!noise)
			error_at(l, v, key, "only noise has a probability");
		else if (p && (*end || end == p || !(c.probability > 0 && c.probability <= 1)))
			error_at(l, v, key, "expected a probability in (0, 1], got \"%.40s\"", p);
	} else if (noise) {
		c.probability = 0.5;
	}
	if (c.to.kind == HOST_GATEWAY && c.dport == 53 && c.proto != PROTO_DNS)
		error_at(l, n, where, "the gateway's port 53 is its resolver's (dnsmasq): use proto dns");
	if (c.to.kind == HOST_ADDR && spec_is_group(s, c.to.text) && c.proto != PROTO_UDP && c.proto != PROTO_COAP)
		error_at(l, n, where, "only udp and coap go to a group address (%s)", c.to.text);
	if (c.from.kind && c.from.kind == c.to.kind && c.from.kind != HOST_ADDR && c.from.kind != HOST_NAME)
		error_at(l, n, where, "from and to are the same host");
#undef KEY
	if (l->errors != errors)
		return -1;
	c.id = s->n_comms;
	s->comms = grow(s->comms, s->n_comms, sizeof(*s->comms));
	s->comms[s->n_comms++] = c;
	return c.id;
}

void read_comm_list(struct loader *l, yaml_node_t *n, const char *where, int device, bool noise,
			   struct int_list *out)
{
	char key[160];
	int k = 0;

	if (!is_kind(l, n, YAML_SEQUENCE_NODE, where))
		return;
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++, k++) {
		int id;

		keyf(key, sizeof(key), "%s[%d]", where, k);
		if ((id = read_comm(l, node(l, *i), key, device, noise)) >= 0)
			list_add(out, id);
	}
}
