// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * An index over one event directory of the public Forest dataset: its
 * tree.json nodes as Flow IDs, and which of them were run (a directory of
 * captures).  See forest.h and ../shared/data/forest/README.md.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include "app_json.h"
#include "forest.h"
#include "log.h"

/* ---- Flow ID equivalence ------------------------------------------------ */

static bool is_ip_literal(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* DNS names compare without case and without a final dot. */
static bool same_dns_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && !strncasecmp(a, b, la);
}

static bool has_alias(const struct forest *f, const char *addr, const char *name)
{
	for (size_t i = 0; f && i < f->n_aliases; i++)
		if (!strcmp(f->aliases[i].addr, addr) && same_dns_name(f->aliases[i].name, name))
			return true;
	return false;
}

/* Scores: 0 no match; 2 exact; 1 tolerated.  Summed over the fields, so
 * an exact Flow ID always outranks a tolerated one. */
static int host_score(const struct forest *f, const char *ours, const char *theirs)
{
	bool ip_o, ip_t;

	if (!strcasecmp(ours, theirs))
		return 2;
	ip_o = is_ip_literal(ours);
	ip_t = is_ip_literal(theirs);
	if (ip_o != ip_t && has_alias(f, ip_o ? ours : theirs, ip_o ? theirs : ours))
		return 1;	/* an address one side could not name */
	return 0;
}

static int port_score(int ours, int theirs)
{
	if (ours == theirs)
		return 2;
	return ours == FLOWID_PORT_ANY || theirs == FLOWID_PORT_ANY ? 1 : 0;
}

/* A URI, where a final '*' on either side makes a prefix. */
static int uri_score(const char *ours, const char *theirs)
{
	size_t lo = strlen(ours), lt = strlen(theirs);

	if (!strcmp(ours, theirs))
		return 2;
	if (lt && theirs[lt - 1] == '*' && !strncmp(ours, theirs, lt - 1))
		return 1;
	if (lo && ours[lo - 1] == '*' && !strncmp(ours, theirs, lo - 1))
		return 1;
	return 0;
}

static int dns_type_score(const char *a, const char *b)
{
	int na = dns_type_number(a), nb = dns_type_number(b);

	return (na >= 0 && na == nb) || !strcasecmp(a, b) ? 2 : 0;
}

/* A field the dataset's policy leaves out ("") matches anything, as a
 * tolerance; else fn decides. */
#define FIELD_SCORE(theirs, fn) (!(theirs)[0] ? 1 : (fn))

static int min_score(int a, int b)
{
	return a < b ? a : b;
}

static int app_score(const struct flowid *o, const struct flowid *t)
{
	int name, kind;

	if (o->app_kind != t->app_kind)
		return 0;
	switch (o->app_kind) {
	case IOTPROF_APP_DNS:
		name = FIELD_SCORE(t->app_a, same_dns_name(o->app_a, t->app_a) ? 2 : 0);
		return min_score(name, FIELD_SCORE(t->app_b, dns_type_score(o->app_b, t->app_b)));
	case IOTPROF_APP_HTTP:
		kind = FIELD_SCORE(t->app_a, strcasecmp(o->app_a, t->app_a) ? 0 : 2);
		return min_score(kind, FIELD_SCORE(t->app_b, uri_score(o->app_b, t->app_b)));
	case IOTPROF_APP_COAP:
		/* the dataset's CoAP policies carry no message type */
		kind = o->app_a[0] && t->app_a[0] ? (strcasecmp(o->app_a, t->app_a) ? 0 : 2) : 1;
		name = FIELD_SCORE(t->app_b, strcmp(o->app_b, t->app_b) ? 0 : 2);
		return min_score(min_score(kind, name), uri_score(o->app_c, t->app_c));
	default:
		return 2;
	}
}

/* One orientation: ours' source against `tsrc`. */
static int oriented_score(const struct forest *f, const struct flowid *o, const struct flowid *t, bool swapped)
{
	const char *tsrc = swapped ? t->dst : t->src, *tdst = swapped ? t->src : t->dst;
	int tsport = swapped ? t->dport : t->sport, tdport = swapped ? t->sport : t->dport;
	int hs = host_score(f, o->src, tsrc), hd = host_score(f, o->dst, tdst);
	int ps = port_score(o->sport, tsport), pd = port_score(o->dport, tdport);
	int a = app_score(o, t);

	/* One endpoint at least must be the same host: two guessed names
	 * would pair unrelated flows. */
	if (!hs || !hd || (hs < 2 && hd < 2) || !ps || !pd || !a)
		return 0;
	return hs + hd + ps + pd + a + (swapped ? 0 : 1);
}

static int match_score(const struct forest *f, const struct flowid *ours, const struct flowid *theirs)
{
	int a, b;

	if (strcasecmp(ours->proto, theirs->proto))
		return 0;
	a = oriented_score(f, ours, theirs, false);
	b = oriented_score(f, ours, theirs, true);
	return a > b ? a : b;
}

bool forest_flowid_matches(const struct forest *f, const struct flowid *ours, const struct flowid *theirs)
{
	return match_score(f, ours, theirs) > 0;
}

int forest_add_alias(struct forest *f, const char *addr, const char *name)
{
	struct forest_alias *v;

	if (!is_ip_literal(addr) || flowid_address_is_local(addr) || is_ip_literal(name) || !name[0] ||
	    strlen(name) >= sizeof(v->name))
		return -EINVAL;
	if (has_alias(f, addr, name))
		return 0;
	v = realloc(f->aliases, (f->n_aliases + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	f->aliases = v;
	v = &f->aliases[f->n_aliases++];
	snprintf(v->addr, sizeof(v->addr), "%s", addr);
	snprintf(v->name, sizeof(v->name), "%s", name);
	return 0;
}

/* The dataset against itself: policies are bidirectional, so a flow and
 * its reverse are one. */
static bool same_policy(const struct flowid *a, const struct flowid *b)
{
	struct flowid r = *b;

	if (flowid_equal(a, b))
		return true;
	snprintf(r.src, sizeof(r.src), "%s", b->dst);
	snprintf(r.dst, sizeof(r.dst), "%s", b->src);
	r.sport = b->dport;
	r.dport = b->sport;
	return flowid_equal(a, &r);
}

/* The best total score of a perfect pairing of ours[i..n) with the unused
 * theirs, or 0.  Sets are a tree depth long: backtracking is cheap. */
static int best_pairing(const struct forest *f, const struct flowid *ours, const struct flowid *theirs,
			size_t n, size_t i, bool *used)
{
	int best = 0;

	if (i == n)
		return 1;
	for (size_t j = 0; j < n; j++) {
		int s, rest;

		if (used[j] || !(s = match_score(f, &ours[i], &theirs[j])))
			continue;
		used[j] = true;
		rest = best_pairing(f, ours, theirs, n, i + 1, used);
		used[j] = false;
		if (rest && s + rest > best)
			best = s + rest;
	}
	return best;
}

const struct forest_node *forest_find(const struct forest *f, const struct flowid *blocked, size_t n)
{
	const struct forest_node *best = NULL;
	int best_score = 0, tie = -1;
	bool *used = calloc(n ? n : 1, sizeof(*used));

	if (!used)
		return NULL;
	for (size_t k = 0; k < f->n; k++) {
		const struct forest_node *node = &f->v[k];
		int s;

		if (!node->dir[0] || !node->comparable || node->n_blocked != n)
			continue;
		s = best_pairing(f, blocked, node->blocked, n, 0, used);
		if (s > best_score) {
			best = node;
			best_score = s;
			tie = -1;
		} else if (s && s == best_score) {
			tie = (int)k;
		}
	}
	free(used);
	if (best && tie >= 0) {
		pr_warn("%s: %s and %s match the same blocked set equally well", f->event_dir, best->dir,
			f->v[tie].dir);
		return NULL;
	}
	return best;
}

/* ---- policies ------------------------------------------------------------ */

/* Policies come from other software and other versions of it: anything
 * this file cannot map is said in *why (no message is printed), and the
 * caller decides what it means. */
#define WHY(...) (snprintf(why, why_len, __VA_ARGS__), -EINVAL)

static int policy_port(struct json_object *l4, const char *key, int *port, char *why, size_t why_len)
{
	struct json_object *v;

	*port = FLOWID_PORT_ANY;
	if (!json_object_object_get_ex(l4, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
	    json_object_get_int64(v) > 65535)
		return WHY("\"%s\" is not a port number", key);
	*port = (int)json_object_get_int64(v);
	return 0;
}

/* A string member, or a number written as text (a DNS qtype may be 1);
 * absent or null: "" when optional. */
static int policy_text(struct json_object *o, const char *key, char *buf, size_t len, bool optional, char *why,
		       size_t why_len)
{
	struct json_object *v;
	const char *s;

	buf[0] = 0;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return optional ? 0 : WHY("lacks \"%s\"", key);
	if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int))
		return WHY("\"%s\" is neither a string nor a number", key);
	s = json_object_get_string(v);
	if (strlen(s) >= len)
		return WHY("\"%s\" is longer than %zu bytes", key, len - 1);
	snprintf(buf, len, "%s", s);
	return 0;
}

/* The authors' application layers: {"domain-name", "qtype"} (either may be
 * absent: mDNS announcements carry no question), {"method", "uri"},
 * CoAP's {"type"?, "code", "uri"} with a method name as its code.  An
 * absent field is "" and matches anything (forest_flowid_matches). */
static int policy_app(const char *proto, struct json_object *v, struct flowid *out, char *why, size_t why_len)
{
	static const char *const coap_methods[] = { "GET", "POST", "PUT", "DELETE", "FETCH", "PATCH", "iPATCH" };
	char tbuf[12];

	if (!strcmp(proto, "dns")) {
		out->app_kind = IOTPROF_APP_DNS;
		if (policy_text(v, "domain-name", out->app_a, sizeof(out->app_a), true, why, why_len) ||
		    policy_text(v, "qtype", out->app_b, sizeof(out->app_b), true, why, why_len))
			return -EINVAL;
		if (out->app_b[0] && dns_type_number(out->app_b) >= 0)	/* "1" -> "A", as ours print it */
			snprintf(out->app_b, sizeof(out->app_b), "%s",
				 dns_type_name(dns_type_number(out->app_b), tbuf));
		return 0;
	}
	if (!strcmp(proto, "http")) {
		out->app_kind = IOTPROF_APP_HTTP;
		return policy_text(v, "method", out->app_a, sizeof(out->app_a), true, why, why_len) ?:
		       policy_text(v, "uri", out->app_b, sizeof(out->app_b), true, why, why_len);
	}
	out->app_kind = IOTPROF_APP_COAP;
	if (policy_text(v, "type", out->app_a, sizeof(out->app_a), true, why, why_len) ||
	    policy_text(v, "code", out->app_b, sizeof(out->app_b), true, why, why_len) ||
	    policy_text(v, "uri", out->app_c, sizeof(out->app_c), true, why, why_len))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(coap_methods) / sizeof(coap_methods[0]); i++)
		if (!strcasecmp(out->app_b, coap_methods[i]))
			snprintf(out->app_b, sizeof(out->app_b), "0.%02zu", i + 1);
	if (!out->app_c[0])
		snprintf(out->app_c, sizeof(out->app_c), "/");	/* as ours print no Uri-Path */
	return 0;
}

int forest_policy_to_flowid(struct json_object *policy, const char *device_addr, struct flowid *out, char *why,
			    size_t why_len)
{
	static const char *const l4s[] = { "tcp", "udp", "icmp", "icmpv6" };
	struct json_object *protos, *ip = NULL;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->sport = out->dport = FLOWID_PORT_ANY;
	if (!json_object_is_type(policy, json_type_object) ||
	    !json_object_object_get_ex(policy, "protocols", &protos) ||
	    !json_object_is_type(protos, json_type_object))
		return WHY("not an object with a \"protocols\" object");
	json_object_object_foreach(protos, key, val) {
		bool l4 = false;

		if (!json_object_is_type(val, json_type_object))
			return WHY("\"%s\" is not an object", key);
		for (size_t i = 0; i < sizeof(l4s) / sizeof(l4s[0]); i++)
			l4 |= !strcmp(key, l4s[i]);
		if (!strcmp(key, "ipv4") || !strcmp(key, "ipv6")) {
			ip = val;
		} else if (l4) {
			if (out->proto[0])
				return WHY("two transport protocols (%s, %s)", out->proto, key);
			snprintf(out->proto, sizeof(out->proto), "%s", key);
			err = policy_port(val, "src-port", &out->sport, why, why_len) ?:
			      policy_port(val, "dst-port", &out->dport, why, why_len);
		} else if (!strcmp(key, "dns") || !strcmp(key, "mdns") || !strcmp(key, "http") ||
			   !strcmp(key, "coap")) {
			if (out->app_kind)
				return WHY("two application protocols");
			err = policy_app(!strcmp(key, "mdns") ? "dns" : key, val, out, why, why_len);
		} else {
			return WHY("protocol \"%.40s\" has no Flow ID counterpart (known: ipv4, ipv6, tcp, udp, "
				   "icmp, icmpv6, dns, mdns, http, coap)", key);
		}
		if (err)
			return err;
	}
	if (!ip || !out->proto[0])
		return WHY("no hosts (ipv4 or ipv6) or no transport protocol");
	err = policy_text(ip, "src", out->src, sizeof(out->src), false, why, why_len) ?:
	      policy_text(ip, "dst", out->dst, sizeof(out->dst), false, why, why_len);
	if (!err && !strcmp(out->src, "self"))
		snprintf(out->src, sizeof(out->src), "%s", device_addr);
	if (!err && !strcmp(out->dst, "self"))
		snprintf(out->dst, sizeof(out->dst), "%s", device_addr);
	return err;
}

/* ---- tree.json ----------------------------------------------------------- */

/* The document, or NULL with *err set and the reason told (file:line for
 * a syntax error). */
static struct json_object *read_json(const char *path, int *err)
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL;
	char *buf = NULL;
	long len;
	FILE *fp = fopen(path, "r");

	*err = -EINVAL;
	if (!fp) {
		*err = -errno;
		pr_warn("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(fp, 0, SEEK_END) || (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) ||
	    !(buf = malloc(len + 1)) || fread(buf, 1, len, fp) != (size_t)len) {
		*err = -(errno ?: EIO);
		pr_warn("%s: cannot read: %s", path, strerror(-*err));
		goto out;
	}
	buf[len] = 0;
	tok = json_tokener_new();
	if (!tok) {
		*err = -ENOMEM;
		goto out;
	}
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    strspn(buf + json_tokener_get_parse_end(tok), " \t\r\n") <
		    (size_t)len - json_tokener_get_parse_end(tok)) {
		size_t end = json_tokener_get_parse_end(tok), line = 1;
		enum json_tokener_error e = json_tokener_get_error(tok);

		for (size_t i = 0; i < end && i < (size_t)len; i++)
			line += buf[i] == '\n';
		if (o && e == json_tokener_success)
			pr_warn("%s:%zu: not JSON: text after the end of the document", path, line);
		else
			pr_warn("%s:%zu: not JSON: %s", path, line,
				e == json_tokener_continue ? "unexpected end of file" : json_tokener_error_desc(e));
		json_object_put(o);
		o = NULL;
	}
out:
	if (tok)
		json_tokener_free(tok);
	free(buf);
	fclose(fp);
	return o;
}

static int add_node(struct forest *f, size_t *cap, const char *path, const char *key, struct json_object *o,
		    int parent, int depth)
{
	struct json_object *data, *pol, *children = NULL, *last;
	struct forest_node *node;
	char where[PATH_MAX + 600];
	int idx, err;

	snprintf(where, sizeof(where), "%s: node \"%s\"", path, key);
	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "data", &data) ||
	    !json_object_is_type(data, json_type_array) || json_object_array_length(data) != 2 ||
	    !json_object_is_type(json_object_array_get_idx(data, 0), json_type_int) ||
	    !json_object_is_type((pol = json_object_array_get_idx(data, 1)), json_type_array)) {
		pr_warn("%s: expected {\"data\": [depth, [policy, ...]], \"children\": [...]}", where);
		return -EINVAL;
	}
	if (json_object_get_int(json_object_array_get_idx(data, 0)) != depth ||
	    json_object_array_length(pol) != (size_t)depth) {
		pr_warn("%s: depth %d with %zu policies, but it sits at depth %d", where,
			json_object_get_int(json_object_array_get_idx(data, 0)), json_object_array_length(pol),
			depth);
		return -EINVAL;
	}
	if (strlen(key) >= sizeof(node->key)) {
		pr_warn("%s: key longer than %zu bytes", where, sizeof(node->key) - 1);
		return -EINVAL;
	}
	if (f->n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 64;
		struct forest_node *v = realloc(f->v, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->v = v;
		*cap = ncap;
	}
	idx = (int)f->n++;
	node = &f->v[idx];
	memset(node, 0, sizeof(*node));
	snprintf(node->key, sizeof(node->key), "%s", key);
	node->depth = depth;
	node->parent = parent;
	node->last = json_object_object_get_ex(o, "last", &last) && json_object_get_boolean(last);
	if (depth && !(node->blocked = calloc(depth, sizeof(*node->blocked))))
		return -ENOMEM;
	node->comparable = true;
	for (int i = 0; i < depth; i++) {
		struct json_object *p = json_object_array_get_idx(pol, i);
		char why[200];

		/* A policy this file cannot map makes its node (and every node
		 * below, which blocks it too) not comparable; the event still
		 * replays.  Said once, where the policy is the node's own. */
		if (forest_policy_to_flowid(p, f->device, &node->blocked[i], why, sizeof(why))) {
			if (i == depth - 1)
				pr_warn("warning: %s, policy %d: %s; the node is not comparable: %s", where, i, why,
					json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN));
			node->comparable = false;
		}
		node->n_blocked++;
	}
	json_object_object_get_ex(o, "children", &children);
	if (children && !json_object_is_type(children, json_type_array)) {
		pr_warn("%s: \"children\" must be an array", where);
		return -EINVAL;
	}
	for (size_t i = 0; children && i < json_object_array_length(children); i++) {
		struct json_object *c = json_object_array_get_idx(children, i);

		if (!json_object_is_type(c, json_type_object) || json_object_object_length(c) != 1) {
			pr_warn("%s: child %zu must be {\"<key>\": {...}}", where, i);
			return -EINVAL;
		}
		json_object_object_foreach(c, ckey, cval) {
			err = add_node(f, cap, path, ckey, cval, idx, depth + 1);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Each node's children (the last policy of each) minus its blocked path. */
static int fill_children(struct forest *f)
{
	for (size_t i = 1; i < f->n; i++) {
		struct forest_node *p = &f->v[f->v[i].parent];
		const struct flowid *own = &f->v[i].blocked[f->v[i].n_blocked - 1];
		bool blocked = false;

		if (!f->v[i].comparable) {
			p->incomparable_children++;
			continue;
		}
		for (size_t j = 0; j < p->n_blocked && !blocked; j++)
			blocked = same_policy(own, &p->blocked[j]);
		if (!blocked && flowid_set_add(&p->children, own))
			return -ENOMEM;
	}
	return 0;
}

/* ---- node directories ---------------------------------------------------- */

/* "{depth}_{middle}_{ts}": the middle (a Flow ID text) is returned in mid. */
static bool parse_node_name(const char *name, int *depth, char *mid, size_t len, long long *ts)
{
	const char *first = strchr(name, '_'), *lastu = strrchr(name, '_');
	char *end;

	if (!first || lastu <= first + 1 || !isdigit((unsigned char)name[0]) ||
	    !isdigit((unsigned char)lastu[1]))
		return false;
	*depth = (int)strtol(name, &end, 10);
	if (end != first)
		return false;
	*ts = strtoll(lastu + 1, &end, 10);
	if (*end || (size_t)(lastu - first - 1) >= len)
		return false;
	memcpy(mid, first + 1, lastu - first - 1);
	mid[lastu - first - 1] = 0;
	return true;
}

/* After the hosts: "{L4}[_src_P|_dst_P]...[_{app}]". */
struct name_tail {
	char l4[16];
	struct { char side; int port; } ports[8];
	size_t n_ports;
	const char *app;
};

static bool parse_tail(const char *s, struct name_tail *t)
{
	size_t n = strcspn(s, "_");

	memset(t, 0, sizeof(*t));
	if (!n || n >= sizeof(t->l4))
		return false;
	memcpy(t->l4, s, n);
	s += n;
	while ((!strncmp(s, "_src_", 5) || !strncmp(s, "_dst_", 5)) && isdigit((unsigned char)s[5]) &&
	       t->n_ports < sizeof(t->ports) / sizeof(t->ports[0])) {
		char *end;

		t->ports[t->n_ports].side = s[1];
		t->ports[t->n_ports++].port = (int)strtol(s + 5, &end, 10);
		s = end;
	}
	t->app = *s == '_' ? s + 1 : s;
	return true;
}

/* Does the directory's Flow ID text name the same flow as the key's, whose
 * hosts are those of its policy?  2: same hosts; 1: an IP where the key
 * has a name (the IP in alias_ip, the name in *alias_name); 0: no.  The
 * directory may add ports the key lacks. */
static int name_matches(const char *dmid, const char *kmid, const struct flowid *own, char alias_ip[64],
			const char **alias_name)
{
	size_t ls = strlen(own->src), ld = strlen(own->dst);
	const char *dt = NULL, *kt;
	struct name_tail dtail, ktail;
	char ip[64];
	int score = 2;

	if (strncmp(kmid, own->src, ls) || kmid[ls] != '-' || strncmp(kmid + ls + 1, own->dst, ld) ||
	    kmid[ls + 1 + ld] != '_')
		return 0;	/* a key that does not start with its policy's hosts */
	kt = kmid + ls + 1 + ld + 1;
	if (!strncmp(dmid, own->src, ls) && dmid[ls] == '-') {
		const char *rest = dmid + ls + 1;
		size_t n = strcspn(rest, "_");

		if (!strncmp(rest, own->dst, ld) && rest[ld] == '_') {
			dt = rest + ld + 1;
		} else if (n < sizeof(ip) && !is_ip_literal(own->dst)) {
			memcpy(ip, rest, n);
			ip[n] = 0;
			dt = is_ip_literal(ip) && !flowid_address_is_local(ip) ? rest + n + 1 : NULL;
			*alias_name = own->dst;
			score = 1;
		}
	}
	if (!dt && !is_ip_literal(own->src)) {
		size_t n = strcspn(dmid, "-");

		if (n < sizeof(ip) && !strncmp(dmid + n + 1, own->dst, ld) && dmid[n + 1 + ld] == '_') {
			memcpy(ip, dmid, n);
			ip[n] = 0;
			dt = is_ip_literal(ip) && !flowid_address_is_local(ip) ? dmid + n + 1 + ld + 1 : NULL;
			*alias_name = own->src;
			score = 1;
		}
	}
	if (!dt || !parse_tail(dt, &dtail) || !parse_tail(kt, &ktail) || strcmp(dtail.l4, ktail.l4) ||
	    strcmp(dtail.app, ktail.app))
		return 0;
	for (size_t i = 0; i < ktail.n_ports; i++) {
		bool found = false;

		for (size_t j = 0; j < dtail.n_ports && !found; j++)
			found = dtail.ports[j].side == ktail.ports[i].side &&
				dtail.ports[j].port == ktail.ports[i].port;
		if (!found)
			return 0;
	}
	if (score == 1)
		snprintf(alias_ip, 64, "%s", ip);
	return score;
}

static int list_traces(struct forest_node *node)
{
	char tdir[PATH_MAX + 8];
	struct dirent **names = NULL;
	int n, err = 0;

	snprintf(tdir, sizeof(tdir), "%s/traces", node->dir);
	n = scandir(tdir, &names, NULL, alphasort);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(names[i]->d_name);
		char **v;

		if (!err && l > 5 && !strcmp(names[i]->d_name + l - 5, ".pcap")) {
			v = realloc(node->traces, (node->n_traces + 1) * sizeof(*v));
			if (!v || asprintf(&v[node->n_traces], "%s/%s", tdir, names[i]->d_name) < 0)
				err = -ENOMEM;
			if (v)
				node->traces = v;
			if (!err)
				node->n_traces++;
		}
		free(names[i]);
	}
	free(names);
	return err;
}

static bool is_dir(const char *parent, const char *name)
{
	char p[PATH_MAX * 2];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", parent, name);
	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* The best fuzzy candidate among the nodes whose exact flag is `among`:
 * same depth and ts, Flow ID text matching.  -1: none; -2: two equally
 * good. */
static int fuzzy_node(const struct forest *f, int depth, long long ts, const char *dmid, const bool *exact,
		      bool among)
{
	char kmid[sizeof(f->v[0].key)], ip[64];
	int kdepth, found = -1, best = 0, ties = 0;
	const char *name;
	long long kts;

	for (size_t i = 1; i < f->n; i++) {
		int s;

		if (exact[i] != among || f->v[i].depth != depth ||
		    !parse_node_name(f->v[i].key, &kdepth, kmid, sizeof(kmid), &kts) || kts != ts)
			continue;
		s = name_matches(dmid, kmid, &f->v[i].blocked[f->v[i].n_blocked - 1], ip, &name);
		if (s > best) {
			best = s;
			found = (int)i;
			ties = 0;
		} else if (s && s == best) {
			ties++;
		}
	}
	return ties ? -2 : found;
}

/* The tree node a directory stands for: its exact key, else the one node
 * of its depth and ts whose Flow ID text matches, leaving out nodes a
 * directory names exactly unless no other fits (two directories for one
 * node: the caller says so).  -1: none; -2: two equally good. */
static int node_of_dir(const struct forest *f, const char *name, const bool *exact)
{
	char dmid[PATH_MAX];
	long long ts;
	int depth, k;

	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].key, name))
			return (int)i;
	if (!parse_node_name(name, &depth, dmid, sizeof(dmid), &ts))
		return -1;
	k = fuzzy_node(f, depth, ts, dmid, exact, false);
	return k == -1 ? fuzzy_node(f, depth, ts, dmid, exact, true) : k;
}

/* A directory that gives an address where its key has a name says what
 * the authors' resolver knew: keep it for forest_flowid_matches. */
static int learn_alias(struct forest *f, const char *dir, const struct forest_node *node)
{
	char dmid[PATH_MAX], kmid[sizeof(node->key)], ip[64];
	const char *name = NULL;
	long long ts;
	int depth;

	if (!parse_node_name(dir, &depth, dmid, sizeof(dmid), &ts) ||
	    !parse_node_name(node->key, &depth, kmid, sizeof(kmid), &ts) ||
	    name_matches(dmid, kmid, &node->blocked[node->n_blocked - 1], ip, &name) != 1)
		return 0;
	return forest_add_alias(f, ip, name) == -ENOMEM ? -ENOMEM : 0;
}

static int add_unmatched(struct forest *f, const char *name)
{
	char **v = realloc(f->unmatched, (f->n_unmatched + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	f->unmatched = v;
	if (!(v[f->n_unmatched] = strdup(name)))
		return -ENOMEM;
	f->n_unmatched++;
	return 0;
}

static int map_dirs(struct forest *f, const char *tree_path)
{
	struct dirent **names = NULL;
	bool *exact = calloc(f->n, sizeof(*exact));
	int n, err = 0;

	if (!exact)
		return -ENOMEM;
	n = scandir(f->event_dir, &names, NULL, alphasort);
	if (n < 0) {
		err = -errno;
		pr_warn("%s: %s", f->event_dir, strerror(errno));
		goto out;
	}
	/* Exact keys first, so a fuzzy match never takes a node its own
	 * directory names exactly. */
	for (int pass = 0; pass < 2 && !err; pass++) {
		for (int i = 0; i < n && !err; i++) {
			const char *d = names[i]->d_name;
			char mid[PATH_MAX];
			long long ts;
			int depth, k;

			if (d[0] == '.' || !is_dir(f->event_dir, d))
				continue;
			k = node_of_dir(f, d, exact);
			if (pass == 0 && (k < 0 || strcmp(f->v[k].key, d)))
				continue;
			if (pass == 1 && k >= 0 && !strcmp(f->v[k].key, d))
				continue;
			if (k == -2) {
				pr_warn("%s/%s: matches several nodes of %s equally well", f->event_dir, d, tree_path);
				err = -EINVAL;
			} else if (k >= 0 && f->v[k].dir[0]) {
				pr_warn("%s/%s: its node \"%s\" already has the directory %s", f->event_dir, d,
					f->v[k].key, f->v[k].dir);
				err = -EINVAL;
			} else if (k >= 0) {
				exact[k] = pass == 0;
				if ((size_t)snprintf(f->v[k].dir, sizeof(f->v[k].dir), "%s/%s", f->event_dir, d) >=
				    sizeof(f->v[k].dir))
					err = -ENAMETOOLONG;
				else
					err = list_traces(&f->v[k]) ?: learn_alias(f, d, &f->v[k]);
				if (err)
					pr_warn("%s/traces: %s", f->v[k].dir, strerror(-err));
			} else if (!parse_node_name(d, &depth, mid, sizeof(mid), &ts)) {
				pr_warn("%s/%s: not a node directory (expected 0_root or {depth}_{flowid}_{ts})",
					f->event_dir, d);
				err = -EINVAL;
			} else {
				pr_warn("warning: %s/%s: matches no node of %s (no node of depth %d and ts %lld "
					"has these endpoints); ignored", f->event_dir, d, tree_path, depth, ts);
				err = add_unmatched(f, d);
			}
		}
	}
out:
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(exact);
	return err;
}

int forest_open(const char *event_dir, const char *device_addr, struct forest *f)
{
	char path[PATH_MAX + 16];
	struct json_object *root = NULL, *r0;
	size_t cap = 0;
	int err;

	memset(f, 0, sizeof(*f));
	if (strlen(event_dir) >= sizeof(f->event_dir) - 300 || strlen(device_addr) >= sizeof(f->device)) {
		pr_warn("%s: path or device address too long", event_dir);
		return -ENAMETOOLONG;
	}
	snprintf(f->event_dir, sizeof(f->event_dir), "%s", event_dir);
	snprintf(f->device, sizeof(f->device), "%s", device_addr);
	snprintf(path, sizeof(path), "%s/tree.json", event_dir);
	root = read_json(path, &err);
	if (!root)
		goto fail;
	if (!json_object_is_type(root, json_type_object) || !json_object_object_get_ex(root, "0_root", &r0)) {
		pr_warn("%s: expected {\"0_root\": {...}}", path);
		err = -EINVAL;
		goto fail;
	}
	err = add_node(f, &cap, path, "0_root", r0, -1, 0) ?: fill_children(f) ?: map_dirs(f, path);
	if (err)
		goto fail;
	if (!f->v[0].dir[0]) {
		pr_warn("%s: no 0_root directory", event_dir);
		err = -ENOENT;
		goto fail;
	}
	json_object_put(root);
	return 0;
fail:
	json_object_put(root);
	forest_close(f);
	return err;
}

void forest_close(struct forest *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].blocked);
		for (size_t j = 0; j < f->v[i].n_traces; j++)
			free(f->v[i].traces[j]);
		free(f->v[i].traces);
		flowid_set_free(&f->v[i].children);
	}
	free(f->v);
	for (size_t i = 0; i < f->n_unmatched; i++)
		free(f->unmatched[i]);
	free(f->unmatched);
	free(f->aliases);
	memset(f, 0, sizeof(*f));
}

bool forest_is_event_dir(const char *dir)
{
	char p[PATH_MAX + 16];
	struct stat st;

	snprintf(p, sizeof(p), "%s/tree.json", dir);
	if (stat(p, &st) || !S_ISREG(st.st_mode))
		return false;
	snprintf(p, sizeof(p), "%s/0_root", dir);
	return !stat(p, &st) && S_ISDIR(st.st_mode);
}
