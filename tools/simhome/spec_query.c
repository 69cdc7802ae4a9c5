// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Questions about a loaded spec: who owns an address, where a name goes. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spec_read.h"

int spec_device(const struct home_spec *s, const char *name)
{
	for (int i = 0; i < s->n_devices; i++)
		if (!strcmp(s->devices[i].name, name))
			return i;
	return -1;
}

int spec_event(const struct device *d, const char *name)
{
	for (int i = 0; i < d->n_events; i++)
		if (!strcmp(d->events[i].name, name))
			return i;
	return -1;
}

const struct name_entry *spec_name(const struct home_spec *s, const char *name)
{
	for (int i = 0; i < s->n_names; i++)
		if (!strcmp(s->names[i].name, name))
			return &s->names[i];
	return NULL;
}

bool spec_in_lan(const struct home_spec *s, const char *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, addr, &a) != 1 || !s->lan_prefix)
		return false;
	return (ntohl(a.s_addr) & (~0u << (32 - s->lan_prefix))) == ntohl(s->lan_net.s_addr);
}

bool spec_is_group(const struct home_spec *s, const char *addr)
{
	struct in_addr a;
	uint32_t h;

	if (inet_pton(AF_INET, addr, &a) != 1)
		return false;
	h = ntohl(a.s_addr);
	if (s && s->lan_prefix && h == (ntohl(s->lan_net.s_addr) | ~(~0u << (32 - s->lan_prefix))))
		return true;	/* the LAN's broadcast address */
	return (h >> 28) == 0xE || h == 0xFFFFFFFFu;
}

bool spec_is_cloud_resolver(const struct home_spec *s, const char *addr)
{
	for (int i = 0; i < s->n_resolvers; i++)
		if (!strcmp(s->resolvers[i], addr))
			return true;
	return false;
}

bool spec_dns_answers(const struct home_spec *s, const char *addr)
{
	if (!strcmp(addr, s->gateway) || spec_is_cloud_resolver(s, addr))
		return true;
	for (int i = 0; i < s->n_comms; i++)
		if (s->comms[i].proto == PROTO_DNS &&
		    !strcmp(spec_endpoint_addr(s, s->comms[i].device, &s->comms[i].to), addr))
			return true;
	return false;
}

enum addr_owner spec_owner(const struct home_spec *s, const char *addr, int *device)
{
	struct in_addr a;

	*device = -1;
	if (!strcmp(addr, s->gateway))
		return OWNER_GATEWAY;
	if (s->phone[0] && !strcmp(addr, s->phone))
		return OWNER_PHONE;
	for (int i = 0; i < s->n_devices; i++)
		if (!strcmp(addr, s->devices[i].ip)) {
			*device = i;
			return OWNER_DEVICE;
		}
	if (inet_pton(AF_INET, addr, &a) != 1 || spec_in_lan(s, addr) || spec_is_group(s, addr))
		return OWNER_NONE;
	return OWNER_CLOUD;
}

const char *spec_endpoint_addr(const struct home_spec *s, int dev, const struct endpoint *e)
{
	const struct name_entry *n;

	switch (e->kind) {
	case HOST_DEVICE: return s->devices[dev].ip;
	case HOST_PHONE: return s->phone;
	case HOST_GATEWAY: return s->gateway;
	case HOST_ADDR: return e->text;
	case HOST_NAME: return (n = spec_name(s, e->text)) ? n->addrs[0] : "";
	}
	return "";
}

const char *spec_resolver_addr(const struct home_spec *s, const char *r)
{
	return strcmp(r, "gateway") ? r : s->gateway;
}

static void addr_set_add(char (**v)[SPEC_ADDR_MAX], int *n, const char *a)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp((*v)[i], a))
			return;
	*v = grow(*v, *n, sizeof(**v));
	snprintf((*v)[(*n)++], SPEC_ADDR_MAX, "%s", a);
}

int spec_cloud_addrs(const struct home_spec *s, char (**out)[SPEC_ADDR_MAX], int *n)
{
	int dev;

	*out = NULL;
	*n = 0;
	for (int i = 0; i < s->n_names; i++)
		for (int a = 0; a < s->names[i].n_addrs; a++)
			addr_set_add(out, n, s->names[i].addrs[a]);
	for (int i = 0; i < s->n_resolvers; i++)
		addr_set_add(out, n, s->resolvers[i]);
	for (int i = 0; i < s->n_comms; i++) {
		const struct comm *c = &s->comms[i];

		for (int r = 0; r < c->n_resolvers; r++)
			if (strcmp(c->resolvers[r], "gateway"))
				addr_set_add(out, n, c->resolvers[r]);
		if (c->from.kind == HOST_ADDR && spec_owner(s, c->from.text, &dev) == OWNER_CLOUD)
			addr_set_add(out, n, c->from.text);
		if (c->to.kind == HOST_ADDR && spec_owner(s, c->to.text, &dev) == OWNER_CLOUD)
			addr_set_add(out, n, c->to.text);
	}
	return 0;
}

bool spec_proto_is_tcp(enum comm_proto p)
{
	return p == PROTO_TCP || p == PROTO_TLS || p == PROTO_HTTP;
}

const char *spec_proto_name(enum comm_proto p)
{
	static const char *const names[] = { "?", "tcp", "udp", "tls", "http", "coap", "dns" };

	return (unsigned)p <= PROTO_DNS ? names[p] : "?";
}

bool spec_port_parsed(int sport, int dport)
{
	static const int ports[] = { 53, 5353, 5683 };

	for (int i = 0; i < 3; i++)
		if (sport == ports[i] || dport == ports[i])
			return true;
	return false;
}

bool spec_app_parsed(const struct comm *c)
{
	switch (c->proto) {
	case PROTO_HTTP:
		return true;
	case PROTO_COAP:
		return c->sport == 5683 || c->dport == 5683;
	case PROTO_DNS:
		return c->sport == 53 || c->dport == 53 || c->sport == 5353 || c->dport == 5353;
	default:
		return false;
	}
}
