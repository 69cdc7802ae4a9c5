// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The home spec reader: libyaml's document tree, walked with the key
 * names checked at every level. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spec_read.h"

/* ---- the home ------------------------------------------------------ */

static void read_names(struct loader *l, yaml_node_t *n)
{
	struct home_spec *s = l->s;

	if (!is_kind(l, n, YAML_MAPPING_NODE, "home.cloud.names"))
		return;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
		const char *name = scalar(l, k, "home.cloud.names");
		struct name_entry e = {};

		if (!name)
			continue;
		if (!canon_name(name, e.name) || !strcmp(e.name, "device") || !strcmp(e.name, "phone") ||
		    !strcmp(e.name, "gateway") || canon_addr(name, e.addrs[0])) {
			error_at(l, k, "home.cloud.names", "\"%.60s\" is not a host name", name);
			continue;
		}
		if (spec_name(s, e.name)) {
			error_at(l, k, "home.cloud.names", "\"%s\" is given twice", e.name);
			continue;
		}
		if (v && v->type == YAML_SCALAR_NODE) {
			e.n_addrs = read_addr(l, v, e.name, e.addrs[0]);
		} else if (is_kind(l, v, YAML_SEQUENCE_NODE, e.name)) {
			for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++) {
				if (e.n_addrs == 8) {
					error_at(l, node(l, *i), e.name, "at most 8 addresses");
					break;
				}
				e.n_addrs += read_addr(l, node(l, *i), e.name, e.addrs[e.n_addrs]);
			}
		}
		if (!e.n_addrs) {
			error_at(l, v, e.name, "a name needs at least one address");
			continue;
		}
		for (int i = 0; i < e.n_addrs; i++)
			if (spec_in_lan(s, e.addrs[i]) || spec_is_group(s, e.addrs[i]))
				error_at(l, v, e.name, "%s is not a cloud address (it is in the LAN or a group)",
					 e.addrs[i]);
		s->names = grow(s->names, s->n_names, sizeof(*s->names));
		s->names[s->n_names++] = e;
	}
}

static void read_home(struct loader *l, yaml_node_t *home)
{
	static const char *const keys[] = { "lan", "phone", "cloud", "timeout", NULL };
	static const char *const cloud_keys[] = { "net", "names", "resolvers", NULL };
	struct home_spec *s = l->s;
	yaml_node_t *n, *cloud;

	if (!is_kind(l, home, YAML_MAPPING_NODE, "home"))
		return;
	check_keys(l, home, "home", keys);
	if (!(n = map_get(l, home, "lan"))) {
		error_at(l, home, "home", "\"lan\" is missing (the LAN, such as 10.77.0.0/24)");
		return;
	}
	if (!read_cidr(l, n, "home.lan", s->lan, &s->lan_net, &s->lan_prefix))
		return;
	{
		struct in_addr gw = { .s_addr = htonl(ntohl(s->lan_net.s_addr) + 1) };

		inet_ntop(AF_INET, &gw, s->gateway, sizeof(s->gateway));
	}
	if ((n = map_get(l, home, "phone")) && read_addr(l, n, "home.phone", s->phone) &&
	    (!spec_in_lan(s, s->phone) || !strcmp(s->phone, s->gateway) || spec_is_group(s, s->phone)))
		error_at(l, n, "home.phone", "%s is not a host address of the LAN %s (the gateway is %s)",
			 s->phone, s->lan, s->gateway);
	if ((n = map_get(l, home, "timeout")))
		read_seconds(l, n, "home.timeout", &s->timeout);
	cloud = map_get(l, home, "cloud");
	if (!cloud)
		return;
	if (!is_kind(l, cloud, YAML_MAPPING_NODE, "home.cloud"))
		return;
	check_keys(l, cloud, "home.cloud", cloud_keys);
	if ((n = map_get(l, cloud, "net"))) {
		struct in_addr net;
		int prefix;

		read_cidr(l, n, "home.cloud.net", s->cloud_net, &net, &prefix);
	}
	if ((n = map_get(l, cloud, "names")))
		read_names(l, n);
	if ((n = map_get(l, cloud, "resolvers")) && is_kind(l, n, YAML_SEQUENCE_NODE, "home.cloud.resolvers")) {
		for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
			char a[SPEC_ADDR_MAX];

			if (!read_addr(l, node(l, *i), "home.cloud.resolvers", a))
				continue;
			if (spec_in_lan(s, a) || spec_is_group(s, a)) {
				error_at(l, node(l, *i), "home.cloud.resolvers", "%s is not a cloud address", a);
				continue;
			}
			s->resolvers = grow(s->resolvers, s->n_resolvers, sizeof(*s->resolvers));
			snprintf(s->resolvers[s->n_resolvers++], SPEC_ADDR_MAX, "%s", a);
		}
	}
}

/* ---- devices and events ---------------------------------------------- */

static void read_needs(struct loader *l, yaml_node_t *n, const char *where, int device, struct event *e)
{
	static const char *const keys[] = { "alternatives", NULL };
	char key[160];
	int k = 0;

	if (!is_kind(l, n, YAML_SEQUENCE_NODE, where))
		return;
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++, k++) {
		yaml_node_t *need = node(l, *i), *alts;
		struct need nd = {};
		int a = 0;

		keyf(key, sizeof(key), "%s[%d]", where, k);
		if (!is_kind(l, need, YAML_MAPPING_NODE, key))
			continue;
		check_keys(l, need, key, keys);
		alts = map_get(l, need, "alternatives");
		if (!alts) {
			error_at(l, need, key, "\"alternatives\" is missing");
			continue;
		}
		keyf(key, sizeof(key), "%s[%d].alternatives", where, k);
		if (!is_kind(l, alts, YAML_SEQUENCE_NODE, key))
			continue;
		for (yaml_node_item_t *j = alts->data.sequence.items.start; j < alts->data.sequence.items.top; j++, a++) {
			struct int_list alt = {};
			char akey[200];

			keyf(akey, sizeof(akey), "%s[%d]", key, a);
			read_comm_list(l, node(l, *j), akey, device, false, &alt);
			if (!alt.n && node(l, *j) && node(l, *j)->type == YAML_SEQUENCE_NODE)
				error_at(l, node(l, *j), akey, "an alternative needs at least one communication");
			nd.alts = grow(nd.alts, nd.n_alts, sizeof(*nd.alts));
			nd.alts[nd.n_alts++] = alt;
		}
		if (!nd.n_alts)
			error_at(l, alts, key, "a need needs at least one alternative");
		e->needs = grow(e->needs, e->n_needs, sizeof(*e->needs));
		e->needs[e->n_needs++] = nd;
	}
}

static void read_sizes(struct loader *l, yaml_node_t *n, const char *where, struct event *e)
{
	if (!is_kind(l, n, YAML_SEQUENCE_NODE, where))
		return;
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		yaml_node_t *ex = node(l, *i);
		struct int_list x = {};

		if (!is_kind(l, ex, YAML_SEQUENCE_NODE, where))
			continue;
		for (yaml_node_item_t *j = ex->data.sequence.items.start; j < ex->data.sequence.items.top; j++) {
			int len;

			if (read_int(l, node(l, *j), where, -60000, 60000, &len)) {
				if (!len)
					error_at(l, node(l, *j), where, "a payload length is not 0");
				list_add(&x, len);
			}
		}
		e->sizes = grow(e->sizes, e->n_sizes, sizeof(*e->sizes));
		e->sizes[e->n_sizes++] = x;
	}
}

static void read_event(struct loader *l, yaml_node_t *k, yaml_node_t *n, int device, struct event *e)
{
	static const char *const keys[] = { "needs", "extras", "noise", "sizes", "padding", "boot", NULL };
	const char *dev = l->s->devices[device].name;
	char where[200], key[240];
	yaml_node_t *v;

	e->line = k->start_mark.line + 1;
	e->col = k->start_mark.column + 1;
	keyf(where, sizeof(where), "devices.%s.events.%s", dev, e->name);
	e->boot = !strcmp(e->name, "boot");
	if (n && n->type == YAML_SCALAR_NODE && !*(char *)n->data.scalar.value)
		return;		/* an event with nothing at all */
	if (!is_kind(l, n, YAML_MAPPING_NODE, where))
		return;
	check_keys(l, n, where, keys);
	if ((v = map_get(l, n, "boot"))) {
		const char *b = scalar(l, v, where);

		if (b && (!strcmp(b, "true") || !strcmp(b, "yes")))
			e->boot = true;
		else if (b && (!strcmp(b, "false") || !strcmp(b, "no")))
			e->boot = false;
		else if (b)
			error_at(l, v, where, "boot: expected true or false");
	}
#define SUB(x) (keyf(key, sizeof(key), "%s.%s", where, x), key)
	if ((v = map_get(l, n, "needs")))
		read_needs(l, v, SUB("needs"), device, e);
	if ((v = map_get(l, n, "extras")))
		read_comm_list(l, v, SUB("extras"), device, false, &e->extras);
	if ((v = map_get(l, n, "noise")))
		read_comm_list(l, v, SUB("noise"), device, true, &e->noise);
	if ((v = map_get(l, n, "sizes")))
		read_sizes(l, v, SUB("sizes"), e);
	/* The defence the fingerprinting paper suggests: random padding. */
	if ((v = map_get(l, n, "padding")))
		read_int(l, v, SUB("padding"), 0, 1400, &e->padding);
#undef SUB
}

static void read_devices(struct loader *l, yaml_node_t *n)
{
	static const char *const keys[] = { "name", "ip", "events", NULL };
	struct home_spec *s = l->s;
	int k = 0;

	if (!is_kind(l, n, YAML_SEQUENCE_NODE, "devices"))
		return;
	/* Addresses first: a communication may name any device's address. */
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++, k++) {
		yaml_node_t *d = node(l, *i), *v;
		struct device dv = {};
		char where[80];
		const char *t;

		keyf(where, sizeof(where), "devices[%d]", k);
		if (!is_kind(l, d, YAML_MAPPING_NODE, where))
			continue;
		check_keys(l, d, where, keys);
		if (!(v = map_get(l, d, "name")))
			error_at(l, d, where, "\"name\" is missing");
		else if ((t = scalar(l, v, "name")) && !canon_id(t, dv.name))
			error_at(l, v, "name", "expected letters, digits, - and _ (at most %d), got \"%.40s\"",
				 SPEC_ID_MAX - 1, t);
		else if (t && spec_device(s, dv.name) >= 0)
			error_at(l, v, "name", "device \"%s\" is given twice", dv.name);
		if (!(v = map_get(l, d, "ip")))
			error_at(l, d, where, "\"ip\" is missing");
		else if (read_addr(l, v, "ip", dv.ip)) {
			int other;

			if (!spec_in_lan(s, dv.ip) || !strcmp(dv.ip, s->gateway) || spec_is_group(s, dv.ip))
				error_at(l, v, "ip", "%s is not a host address of the LAN %s (the gateway is %s)",
					 dv.ip, s->lan, s->gateway);
			else if (!strcmp(dv.ip, s->phone) || spec_owner(s, dv.ip, &other) == OWNER_DEVICE)
				error_at(l, v, "ip", "%s is taken by another host", dv.ip);
		}
		s->devices = grow(s->devices, s->n_devices, sizeof(*s->devices));
		s->devices[s->n_devices++] = dv;
	}
	k = 0;
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++, k++) {
		yaml_node_t *d = node(l, *i), *evs;
		struct device *dv = &s->devices[k];

		if (!d || d->type != YAML_MAPPING_NODE || !(evs = map_get(l, d, "events")))
			continue;
		if (!is_kind(l, evs, YAML_MAPPING_NODE, "events"))
			continue;
		for (yaml_node_pair_t *p = evs->data.mapping.pairs.start; p < evs->data.mapping.pairs.top; p++) {
			yaml_node_t *ek = node(l, p->key);
			const char *t = scalar(l, ek, "events");
			struct event e = {};

			if (!t)
				continue;
			if (!canon_id(t, e.name)) {
				error_at(l, ek, "events", "expected letters, digits, - and _, got \"%.40s\"", t);
				continue;
			}
			read_event(l, ek, node(l, p->value), k, &e);
			dv->events = grow(dv->events, dv->n_events, sizeof(*dv->events));
			dv->events[dv->n_events++] = e;
		}
	}
}

int spec_load(const char *path, struct home_spec *s)
{
	static const char *const keys[] = { "home", "devices", NULL };
	struct loader l = { .path = path, .s = s };
	yaml_parser_t parser;
	yaml_node_t *root, *n;
	FILE *f;

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->timeout = SPEC_TIMEOUT_DEFAULT;
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &l.doc)) {
		fprintf(stderr, "%s:%zu:%zu: %s%s%s\n", path, parser.problem_mark.line + 1,
			parser.problem_mark.column + 1, parser.problem ? parser.problem : "not YAML",
			parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		fclose(f);
		return -EINVAL;
	}
	yaml_parser_delete(&parser);
	fclose(f);
	root = yaml_document_get_root_node(&l.doc);
	if (!root) {
		fprintf(stderr, "%s:1:1: the file is empty\n", path);
		l.errors++;
	} else if (is_kind(&l, root, YAML_MAPPING_NODE, "")) {
		check_keys(&l, root, "", keys);
		if (!(n = map_get(&l, root, "home")))
			error_at(&l, root, "", "\"home\" is missing");
		else
			read_home(&l, n);
		if (!s->lan[0]) {
			/* nothing below can be checked without the LAN */
		} else if (!(n = map_get(&l, root, "devices")))
			error_at(&l, root, "", "\"devices\" is missing");
		else
			read_devices(&l, n);
	}
	yaml_document_delete(&l.doc);
	if (l.errors) {
		spec_free(s);
		return -EINVAL;
	}
	return 0;
}

void spec_free(struct home_spec *s)
{
	for (int d = 0; d < s->n_devices; d++) {
		for (int e = 0; e < s->devices[d].n_events; e++) {
			struct event *ev = &s->devices[d].events[e];

			for (int n = 0; n < ev->n_needs; n++) {
				for (int a = 0; a < ev->needs[n].n_alts; a++)
					free(ev->needs[n].alts[a].v);
				free(ev->needs[n].alts);
			}
			for (int z = 0; z < ev->n_sizes; z++)
				free(ev->sizes[z].v);
			free(ev->needs);
			free(ev->sizes);
			free(ev->extras.v);
			free(ev->noise.v);
		}
		free(s->devices[d].events);
	}
	free(s->devices);
	free(s->names);
	free(s->resolvers);
	free(s->comms);
	memset(s, 0, sizeof(*s));
}
