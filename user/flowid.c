// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "flowid.h"
#include "log.h"

int well_known_load(const char *path, struct well_known *wk)
{
	char line[256];
	unsigned int lineno = 0;
	FILE *f = fopen(path, "r");

	wk->n = 0;
	wk->eph_lo = wk->eph_hi = 0;
	if (!f) {
		pr_warn("%s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#'), proto[8] = "";
		int port;

		lineno++;
		if (hash)
			*hash = 0;
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		if (sscanf(line, " ephemeral %d-%d", &wk->eph_lo, &wk->eph_hi) == 2) {
			if (wk->eph_lo < 1 || wk->eph_hi > 65535 || wk->eph_lo > wk->eph_hi) {
				pr_warn("%s:%u: the ephemeral range must be LOW-HIGH within 1-65535", path, lineno);
				fclose(f);
				return -EINVAL;
			}
			continue;
		}
		if ((sscanf(line, " %d/%7[a-z]", &port, proto) < 1) || port < 0 || port > 65535 ||
		    wk->n == sizeof(wk->v) / sizeof(wk->v[0])) {
			pr_warn("%s:%u: not a port or port/protocol", path, lineno);
			fclose(f);
			return -EINVAL;
		}
		wk->v[wk->n].port = port;
		snprintf(wk->v[wk->n].proto, sizeof(wk->v[0].proto), "%s", proto);
		wk->n++;
	}
	fclose(f);
	return 0;
}

bool well_known_has(const struct well_known *wk, const char *proto, int port)
{
	for (size_t i = 0; wk && i < wk->n; i++)
		if (wk->v[i].port == port && (!wk->v[i].proto[0] || !strcmp(wk->v[i].proto, proto)))
			return true;
	return false;
}

/* Equal as written (source to source), or equal but for the ports when
 * ports is false. */
static bool same_oriented(const struct flowid *a, const struct flowid *b, bool ports)
{
	return !strcmp(a->src, b->src) && !strcmp(a->dst, b->dst) && !strcmp(a->proto, b->proto) &&
	       a->app_kind == b->app_kind && !strcmp(a->app_a, b->app_a) &&
	       !strcmp(a->app_b, b->app_b) && !strcmp(a->app_c, b->app_c) &&
	       (!ports || (a->sport == b->sport && a->dport == b->dport));
}

/* b with its two ends swapped. */
static void reversed(const struct flowid *b, struct flowid *r)
{
	*r = *b;
	memcpy(r->src, b->dst, sizeof(r->src));
	memcpy(r->dst, b->src, sizeof(r->dst));
	r->sport = b->dport;
	r->dport = b->sport;
}

/* A Flow ID describes a bidirectional flow: its source is who spoke
 * first, but the flow is the same whoever did (a capture that begins
 * inside a connection may see the server first).  Equal as written or
 * with the ends swapped. */
static bool same(const struct flowid *a, const struct flowid *b)
{
	struct flowid r;

	if (same_oriented(a, b, true))
		return true;
	if (strcmp(a->src, b->dst) || strcmp(a->dst, b->src) || a->sport != b->dport || a->dport != b->sport)
		return false;
	reversed(b, &r);
	return same_oriented(a, &r, true);
}

/* FNV-1a over the fields.  KEY_BOTH is the set's own index: symmetric in
 * the two ends, as same() is.  The port rule indexes canonical Flow IDs
 * (flowid_canonical) as written, by everything but the ports. */
enum hash_ports { KEY_BOTH, KEY_NO_PORTS };

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t endpoint_hash(const char *host, int port)
{
	uint64_t h = fnv(0xcbf29ce484222325ull, host, strlen(host) + 1);

	return fnv(h, &port, sizeof(port));
}

static uint64_t flowid_hash(const struct flowid *f, enum hash_ports ports)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv(h, f->proto, strlen(f->proto) + 1);
	h = fnv(h, &f->app_kind, 1);
	h = fnv(h, f->app_a, strlen(f->app_a) + 1);
	h = fnv(h, f->app_b, strlen(f->app_b) + 1);
	h = fnv(h, f->app_c, strlen(f->app_c) + 1);
	if (ports == KEY_BOTH)
		return h ^ (endpoint_hash(f->src, f->sport) + endpoint_hash(f->dst, f->dport));
	h = fnv(h, f->src, strlen(f->src) + 1);
	return fnv(h, f->dst, strlen(f->dst) + 1);
}

static bool match(const struct flowid *a, const struct flowid *b, enum hash_ports ports)
{
	return ports == KEY_BOTH ? same(a, b) : same_oriented(a, b, false);
}

/* An index of a set by one hashing mode; slots hold index + 1. */
struct index {
	unsigned *slot;
	size_t slots;
};

/* Indexes v[i], unless an equal entry is there: the first of equal ones
 * stays, and its index is returned (else -1). */
static long index_insert(struct index *x, const struct flowid *v, size_t i, enum hash_ports ports)
{
	size_t mask = x->slots - 1, at = flowid_hash(&v[i], ports) & mask;

	while (x->slot[at]) {
		if (match(&v[x->slot[at] - 1], &v[i], ports))
			return (long)x->slot[at] - 1;
		at = (at + 1) & mask;
	}
	x->slot[at] = i + 1;
	return -1;
}

/* An empty index with room for n entries at a load of at most one half. */
static int index_alloc(struct index *x, size_t n)
{
	size_t slots = 64;

	while (slots < 2 * n + 2)
		slots *= 2;
	x->slot = calloc(slots, sizeof(*x->slot));
	if (!x->slot)
		return -ENOMEM;
	x->slots = slots;
	return 0;
}

static const struct flowid *index_find(const struct index *x, const struct flowid *v, const struct flowid *f,
				       enum hash_ports ports)
{
	size_t mask = x->slots - 1, at = flowid_hash(f, ports) & mask;

	for (; x->slot[at]; at = (at + 1) & mask)
		if (match(&v[x->slot[at] - 1], f, ports))
			return &v[x->slot[at] - 1];
	return NULL;
}

/* The set's own index, grown as it fills (load at most one half). */
static int set_index(struct flowid_set *s, size_t room)
{
	struct index x;

	if (s->slot && s->indexed == s->n && 2 * (s->n + room) < s->slots)
		return 0;
	free(s->slot);
	s->slot = NULL;
	if (index_alloc(&x, 2 * (s->n + room)))
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		index_insert(&x, s->v, i, KEY_BOTH);
	s->slot = x.slot;
	s->slots = x.slots;
	s->indexed = s->n;
	return 0;
}

bool flowid_set_has(const struct flowid_set *s, const struct flowid *f)
{
	struct index x = { s->slot, s->slots };

	if (s->slot && s->indexed == s->n)
		return index_find(&x, s->v, f, KEY_BOTH) != NULL;
	/* Filled by hand, not by flowid_set_add: no index to trust. */
	for (size_t i = 0; i < s->n; i++)
		if (same(&s->v[i], f))
			return true;
	return false;
}

int flowid_set_add(struct flowid_set *s, const struct flowid *f)
{
	struct index x;

	if (set_index(s, 1))
		return -ENOMEM;
	x.slot = s->slot;
	x.slots = s->slots;
	if (index_find(&x, s->v, f, KEY_BOTH))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		struct flowid *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = *f;
	index_insert(&x, s->v, s->n++, KEY_BOTH);
	s->indexed = s->n;
	return 0;
}

void flowid_set_free(struct flowid_set *s)
{
	free(s->v);
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

/* The port rule's view of one trace: per flow without its ports, the port
 * each end had, or FLOWID_PORT_ANY where the trace shows the flow with
 * several (several connections). */
struct trace_ports {
	struct index flows;
	int *sport, *dport;	/* by entry index: the end's only port, or any */
};

static int trace_ports_build(struct trace_ports *tp, const struct flowid_set *t)
{
	if (index_alloc(&tp->flows, t->n) || !(tp->sport = calloc(t->n + 1, sizeof(int))) ||
	    !(tp->dport = calloc(t->n + 1, sizeof(int))))
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		long first = index_insert(&tp->flows, t->v, i, KEY_NO_PORTS);

		if (first < 0) {
			tp->sport[i] = t->v[i].sport;
			tp->dport[i] = t->v[i].dport;
			continue;
		}
		if (tp->sport[first] != t->v[i].sport)
			tp->sport[first] = FLOWID_PORT_ANY;
		if (tp->dport[first] != t->v[i].dport)
			tp->dport[first] = FLOWID_PORT_ANY;
	}
	return 0;
}

static void trace_ports_free(struct trace_ports *tp)
{
	free(tp->flows.slot);
	free(tp->sport);
	free(tp->dport);
}

/* Is f's port at one end the port of every connection of f in every trace? */
static bool port_fixed(const struct flowid_set *traces, const struct trace_ports *tp, size_t n,
		       const struct flowid *f, bool src_end)
{
	int port = src_end ? f->sport : f->dport;

	for (size_t t = 0; t < n; t++) {
		const struct flowid *e = index_find(&tp[t].flows, traces[t].v, f, KEY_NO_PORTS);

		if (!e || (src_end ? tp[t].sport : tp[t].dport)[e - traces[t].v] != port)
			return false;
	}
	return true;
}

/* The port rule of the Forest paper: a port is kept when it is a
 * well-known service's or when the flow shows it in every trace; else it
 * becomes a wildcard.  The text leaves open a flow of several connections
 * of which one shows the port everywhere; the authors' extractor keeps a
 * port only when every connection of the flow used it (a flow aggregates
 * its connections: "the random client ports used by A are ignored"), and
 * so does this. */
static int generalised(const struct flowid_set *traces, const struct trace_ports *tp, size_t n,
		       const struct well_known *wk, const struct flowid_set *in, struct flowid_set *out)
{
	for (size_t i = 0; i < in->n; i++) {
		struct flowid f = in->v[i];

		if (f.sport != FLOWID_PORT_ANY && !well_known_has(wk, f.proto, f.sport) &&
		    !port_fixed(traces, tp, n, &in->v[i], true))
			f.sport = FLOWID_PORT_ANY;
		if (f.dport != FLOWID_PORT_ANY && !well_known_has(wk, f.proto, f.dport) &&
		    !port_fixed(traces, tp, n, &in->v[i], false))
			f.dport = FLOWID_PORT_ANY;
		if (flowid_set_add(out, &f))
			return -ENOMEM;
	}
	return 0;
}

void flowid_canonical(struct flowid *f)
{
	int c = strcmp(f->src, f->dst);
	struct flowid r;

	if (c > 0 || (!c && f->sport > f->dport)) {
		reversed(f, &r);
		*f = r;
	}
}

/* Each trace with its Flow IDs written canonically, so that one end is
 * the same end in every trace whoever spoke first. */
static int canonical_set(const struct flowid_set *in, struct flowid_set *out)
{
	for (size_t i = 0; i < in->n; i++) {
		struct flowid f = in->v[i];

		flowid_canonical(&f);
		if (flowid_set_add(out, &f))
			return -ENOMEM;
	}
	return 0;
}

/* A signature member written the way the first trace saw it: its source
 * is who spoke first there. */
static void orient_as(const struct flowid_set *trace, struct flowid *f)
{
	struct flowid r;

	for (size_t i = 0; i < trace->n; i++) {
		const struct flowid *t = &trace->v[i];

		if (same_oriented(t, f, false))
			return;
		reversed(f, &r);
		if (same_oriented(t, &r, false)) {
			*f = r;
			return;
		}
	}
}

int flowid_signature(const struct flowid_set *traces, size_t n_traces,
		     const struct well_known *wk, struct flowid_set *out)
{
	struct flowid_set *canon = calloc(n_traces ? n_traces : 1, sizeof(*canon));
	struct flowid_set *gen = calloc(n_traces ? n_traces : 1, sizeof(*gen));
	struct trace_ports *tp = calloc(n_traces ? n_traces : 1, sizeof(*tp));
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!canon || !gen || !tp) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t t = 0; t < n_traces && !err; t++)
		err = canonical_set(&traces[t], &canon[t]) ?: trace_ports_build(&tp[t], &canon[t]);
	for (size_t t = 0; t < n_traces && !err; t++)
		err = generalised(canon, tp, n_traces, wk, &canon[t], &gen[t]);
	/* The intersection: what the first trace has that every other has. */
	for (size_t i = 0; !err && n_traces && i < gen[0].n; i++) {
		struct flowid f = gen[0].v[i];
		bool everywhere = true;

		for (size_t t = 1; t < n_traces && everywhere; t++)
			everywhere = flowid_set_has(&gen[t], &f);
		if (!everywhere)
			continue;
		orient_as(&traces[0], &f);
		err = flowid_set_add(out, &f);
	}
out:
	for (size_t t = 0; canon && gen && tp && t < n_traces; t++) {
		flowid_set_free(&canon[t]);
		flowid_set_free(&gen[t]);
		trace_ports_free(&tp[t]);
	}
	free(canon);
	free(gen);
	free(tp);
	return err;
}

bool flowid_address_is_local(const char *text)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, text, a) == 1)
		return a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xF0) == 16) ||
		       (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
		       (a[0] >= 224 && a[0] <= 239) || (a[0] == 255);
	if (inet_pton(AF_INET6, text, a) == 1)
		return (a[0] & 0xFE) == 0xFC || (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) || a[0] == 0xFF ||
		       !memcmp(a, in6addr_loopback.s6_addr, 16);
	return false;	/* a name */
}

static struct json_object *port_json(int port)
{
	return port == FLOWID_PORT_ANY ? NULL : json_object_new_int(port);
}

static struct json_object *app_json(const struct flowid *f)
{
	struct json_object *o, *in = json_object_new_object();
	const char *kind;

	switch (f->app_kind) {
	case IOTPROF_APP_DNS:
		kind = "dns";
		json_object_object_add(in, "qname", json_object_new_string(f->app_a));
		json_object_object_add(in, "qtype", json_object_new_string(f->app_b));
		break;
	case IOTPROF_APP_HTTP:
		kind = "http";
		json_object_object_add(in, "method", json_object_new_string(f->app_a));
		json_object_object_add(in, "uri", json_object_new_string(f->app_b));
		break;
	case IOTPROF_APP_COAP:
		kind = "coap";
		json_object_object_add(in, "type", json_object_new_string(f->app_a));
		json_object_object_add(in, "code", json_object_new_string(f->app_b));
		json_object_object_add(in, "uri", json_object_new_string(f->app_c));
		break;
	default:
		json_object_put(in);
		return NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, kind, in);
	return o;
}

bool flowid_equal(const struct flowid *a, const struct flowid *b)
{
	return same(a, b);
}

/* b as written or reversed, its wildcards standing for any port. */
static bool covers_oriented(const struct flowid *b, const struct flowid *f)
{
	return !strcmp(b->src, f->src) && !strcmp(b->dst, f->dst) && !strcmp(b->proto, f->proto) &&
	       (b->sport == FLOWID_PORT_ANY || b->sport == f->sport) &&
	       (b->dport == FLOWID_PORT_ANY || b->dport == f->dport) &&
	       (b->app_kind == IOTPROF_APP_NONE ||
		(b->app_kind == f->app_kind && !strcmp(b->app_a, f->app_a) && !strcmp(b->app_b, f->app_b) &&
		 !strcmp(b->app_c, f->app_c)));
}

bool flowid_covers(const struct flowid *b, const struct flowid *f)
{
	struct flowid r;

	if (covers_oriented(b, f))
		return true;
	reversed(f, &r);
	return covers_oriented(b, &r);
}

bool flowid_set_same(const struct flowid_set *s, const struct flowid *v, size_t n)
{
	if (s->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!flowid_set_has(s, &v[i]))
			return false;
	return true;
}

struct json_object *flowid_to_json(const struct flowid *f)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "src", json_object_new_string(f->src));
	json_object_object_add(o, "dst", json_object_new_string(f->dst));
	json_object_object_add(o, "proto", json_object_new_string(f->proto));
	json_object_object_add(o, "sport", port_json(f->sport));
	json_object_object_add(o, "dport", port_json(f->dport));
	json_object_object_add(o, "app", app_json(f));
	return o;
}

struct json_object *flowid_set_to_json(const struct flowid_set *s)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(a, flowid_to_json(&s->v[i]));
	return a;
}

/* A string member into buf; absent or null leaves "" when optional. */
static int member_string(struct json_object *o, const char *key, char *buf, size_t len, bool required,
			 const char *where)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v) {
		if (required)
			pr_warn("%s: Flow ID lacks \"%s\"", where, key);
		return required ? -EINVAL : 0;
	}
	if (!json_object_is_type(v, json_type_string)) {
		pr_warn("%s: \"%s\" must be a string", where, key);
		return -EINVAL;
	}
	if ((size_t)json_object_get_string_len(v) >= len) {
		pr_warn("%s: \"%s\" is longer than %zu bytes", where, key, len - 1);
		return -EINVAL;
	}
	memcpy(buf, json_object_get_string(v), json_object_get_string_len(v) + 1);
	return 0;
}

static int member_port(struct json_object *o, const char *key, int *port, const char *where)
{
	struct json_object *v;

	*port = FLOWID_PORT_ANY;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
	    json_object_get_int64(v) > 65535) {
		pr_warn("%s: \"%s\" must be a port number (0-65535) or null", where, key);
		return -EINVAL;
	}
	*port = (int)json_object_get_int64(v);
	return 0;
}

static int app_from_json(struct json_object *app, struct flowid *f, const char *where)
{
	static const struct { const char *kind; __u8 id; const char *a, *b, *c; } kinds[] = {
		{ "dns", IOTPROF_APP_DNS, "qname", "qtype", NULL },
		{ "http", IOTPROF_APP_HTTP, "method", "uri", NULL },
		{ "coap", IOTPROF_APP_COAP, "type", "code", "uri" },
	};
	struct json_object *in;

	if (!app)
		return 0;
	if (!json_object_is_type(app, json_type_object) || json_object_object_length(app) != 1) {
		pr_warn("%s: \"app\" must be null or an object with one of dns, http, coap", where);
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!json_object_object_get_ex(app, kinds[i].kind, &in))
			continue;
		if (!json_object_is_type(in, json_type_object)) {
			pr_warn("%s: \"app\".\"%s\" must be an object", where, kinds[i].kind);
			return -EINVAL;
		}
		f->app_kind = kinds[i].id;
		return member_string(in, kinds[i].a, f->app_a, sizeof(f->app_a), false, where) ?:
		       member_string(in, kinds[i].b, f->app_b, sizeof(f->app_b), false, where) ?:
		       (kinds[i].c ? member_string(in, kinds[i].c, f->app_c, sizeof(f->app_c), false, where) : 0);
	}
	pr_warn("%s: \"app\" names no Flow ID protocol (dns, http, coap)", where);
	return -EINVAL;
}

int flowid_from_json(struct json_object *o, struct flowid *f, const char *where)
{
	static const char *const known[] = { "src", "dst", "proto", "sport", "dport", "app" };
	struct json_object *app = NULL;

	memset(f, 0, sizeof(*f));
	if (!json_object_is_type(o, json_type_object)) {
		pr_warn("%s: a Flow ID must be a JSON object", where);
		return -EINVAL;
	}
	json_object_object_foreach(o, key, val) {
		bool ok = false;

		(void)val;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= !strcmp(key, known[i]);
		if (!ok) {
			pr_warn("%s: unknown member \"%s\" (a Flow ID has src, dst, proto, sport, dport, app)",
				where, key);
			return -EINVAL;
		}
	}
	json_object_object_get_ex(o, "app", &app);
	return member_string(o, "src", f->src, sizeof(f->src), true, where) ?:
	       member_string(o, "dst", f->dst, sizeof(f->dst), true, where) ?:
	       member_string(o, "proto", f->proto, sizeof(f->proto), true, where) ?:
	       member_port(o, "sport", &f->sport, where) ?:
	       member_port(o, "dport", &f->dport, where) ?:
	       app_from_json(app, f, where);
}

int flowid_set_from_json(struct json_object *a, struct flowid_set *s, const char *where)
{
	char w[512];

	if (!a || !json_object_is_type(a, json_type_array)) {
		pr_warn("%s: expected a list of Flow IDs", where);
		return -EINVAL;
	}
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct flowid f;
		int err;

		snprintf(w, sizeof(w), "%s[%zu]", where, i);
		err = flowid_from_json(json_object_array_get_idx(a, i), &f, w);
		if (!err && flowid_set_add(s, &f))
			err = -ENOMEM;
		if (err)
			return err;
	}
	return 0;
}

void flowid_print_json(FILE *out, const struct flowid_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct json_object *o = flowid_to_json(&s->v[i]);

		fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
}

void flowid_print_table(FILE *out, const struct flowid_set *s, int n_traces)
{
	fprintf(out, "%-6s  %-32s  %-32s  %5s  %5s  %s\n", "PROTO", "SOURCE", "DESTINATION", "SPORT",
		"DPORT", "APPLICATION");
	for (size_t i = 0; i < s->n; i++) {
		const struct flowid *f = &s->v[i];
		char sport[8] = "*", dport[8] = "*";

		if (f->sport != FLOWID_PORT_ANY)
			snprintf(sport, sizeof(sport), "%d", f->sport);
		if (f->dport != FLOWID_PORT_ANY)
			snprintf(dport, sizeof(dport), "%d", f->dport);
		fprintf(out, "%-6s  %-32s  %-32s  %5s  %5s  %s%s%s%s%s%s\n", f->proto, f->src, f->dst, sport,
			dport, f->app_kind == IOTPROF_APP_DNS ? "dns " : f->app_kind == IOTPROF_APP_HTTP ?
			"http " : f->app_kind == IOTPROF_APP_COAP ? "coap " : "", f->app_a, *f->app_b ? " " : "",
			f->app_b, *f->app_c ? " " : "", f->app_c);
	}
	fprintf(out, "%zu Flow IDs in all %d traces\n", s->n, n_traces);
}
