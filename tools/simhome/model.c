// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The model of an event run.  It follows the spec's semantics (extras, then
 * needs in order, alternatives in order, communications in order, a name
 * resolved through its resolvers in order) and the profiler's view of the
 * packets:
 *
 *  - a flow is recorded when one end is watched (the device or the phone);
 *    its source is the communication's initiator;
 *  - an address outside the LAN is shown as the name the names map holds
 *    for it when the flow begins (DNS answers to watched hosts and TLS SNIs
 *    fill the map, and it persists for the campaign); a TLS connection to a
 *    name shows its SNI;
 *  - only fixed ports are kept: a spec's dport (or the protocol's default)
 *    and a spec's sport; an unspecified source port is ephemeral (null);
 *  - a deny rule made from a Flow ID drops the packets it matches: a rule
 *    without application data matches every packet of its hosts, protocol
 *    and ports (so a TCP connection's SYN), a rule with application data
 *    only the packet that carries it (the DNS query, the HTTP request, the
 *    CoAP request).  A TCP connection whose SYN is dropped carried no data:
 *    it is no Flow ID.  A dropped packet makes its communication fail after
 *    its timeout;
 *  - the signature is the profiler's own port rule and intersection
 *    (flowid_signature with the campaign's well-known ports file: an
 *    initiator's port in its ephemeral range is never kept).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "model.h"
#include "tree.h"

void model_init(struct model *m, const struct home_spec *s, int dev, int ev, int iterations,
		const struct well_known *wk)
{
	memset(m, 0, sizeof(*m));
	m->well_known = wk;
	m->s = s;
	m->dev = dev;
	m->ev = ev;
	m->iterations = iterations > 0 ? iterations : 3;
}

void model_free(struct model *m)
{
	free(m->names);
	m->names = NULL;
	m->n_names = m->cap_names = 0;
}

static const char *learned(const struct model *m, const char *addr)
{
	for (int i = 0; i < m->n_names; i++)
		if (!strcmp(m->names[i].addr, addr))
			return m->names[i].name;
	return NULL;
}

static int learn(struct model *m, const char *addr, const char *name)
{
	for (int i = 0; i < m->n_names; i++)
		if (!strcmp(m->names[i].addr, addr)) {
			snprintf(m->names[i].name, sizeof(m->names[i].name), "%s", name);
			return 0;
		}
	if (m->n_names == m->cap_names) {
		int cap = m->cap_names ? 2 * m->cap_names : 16;
		struct learned_name *v = realloc(m->names, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->names = v;
		m->cap_names = cap;
	}
	snprintf(m->names[m->n_names].addr, SPEC_ADDR_MAX, "%s", addr);
	snprintf(m->names[m->n_names].name, SPEC_NAME_MAX, "%s", name);
	m->n_names++;
	return 0;
}

/* A packet as the deny engine sees it. */
struct packet {
	const char *src, *dst;		/* addresses */
	const char *dst_name;		/* overrides the map (TLS SNI just learned); NULL: the map */
	const char *proto;		/* "tcp" / "udp" */
	int sport, dport;		/* sport -1: ephemeral */
	bool has_app;
	__u8 app_kind;
	const char *app_a, *app_b, *app_c;
};

struct run {
	struct model *m;
	const struct flowid *blocked;
	size_t n_blocked;
	struct flowid_set *flows;	/* NULL: not recorded (noise) */
	double duration;
	int err;
};

static bool is_address(const char *text)
{
	struct in_addr a;

	return inet_pton(AF_INET, text, &a) == 1;
}

/* What a Flow ID shows for an address right now. */
static const char *host_text(const struct model *m, const char *addr)
{
	const char *name;

	if (spec_in_lan(m->s, addr) || spec_is_group(m->s, addr))
		return addr;
	name = learned(m, addr);
	return name ? name : addr;
}

static bool host_matches(const struct model *m, const char *rule, const char *addr, const char *override)
{
	const char *name;

	if (is_address(rule))
		return !strcmp(rule, addr);
	name = override ? override : learned(m, addr);
	return name && !strcasecmp(name, rule);
}

static bool rule_matches(const struct model *m, const struct flowid *b, const struct packet *p)
{
	if (strcmp(b->proto, p->proto) || !host_matches(m, b->src, p->src, NULL) ||
	    !host_matches(m, b->dst, p->dst, p->dst_name))
		return false;
	if (b->sport != FLOWID_PORT_ANY && b->sport != p->sport)
		return false;
	if (b->dport != FLOWID_PORT_ANY && b->dport != p->dport)
		return false;
	if (b->app_kind == IOTPROF_APP_NONE)
		return true;
	if (!p->has_app || b->app_kind != p->app_kind)
		return false;
	if (b->app_kind == IOTPROF_APP_DNS)	/* names ignore case */
		return !strcasecmp(b->app_a, p->app_a) && !strcmp(b->app_b, p->app_b);
	return !strcmp(b->app_a, p->app_a) && !strcmp(b->app_b, p->app_b) &&
	       (b->app_kind != IOTPROF_APP_COAP || !strcmp(b->app_c, p->app_c));
}

static bool dropped(const struct run *r, const struct packet *p)
{
	for (size_t i = 0; i < r->n_blocked; i++)
		if (rule_matches(r->m, &r->blocked[i], p))
			return true;
	return false;
}

static bool watched(const struct model *m, const char *addr)
{
	return !strcmp(addr, m->s->devices[m->dev].ip) || (m->s->phone[0] && !strcmp(addr, m->s->phone));
}

/* Records the flow of packet p (the first packet of its flow). */
static void record(struct run *r, const struct packet *p, const char *dst_text)
{
	struct flowid f = { .sport = p->sport, .dport = p->dport };

	if (!r->flows || (!watched(r->m, p->src) && !watched(r->m, p->dst)))
		return;
	snprintf(f.src, sizeof(f.src), "%s", host_text(r->m, p->src));
	snprintf(f.dst, sizeof(f.dst), "%s", dst_text ? dst_text : host_text(r->m, p->dst));
	snprintf(f.proto, sizeof(f.proto), "%s", p->proto);
	if (p->has_app) {
		f.app_kind = p->app_kind;
		snprintf(f.app_a, sizeof(f.app_a), "%s", p->app_a);
		snprintf(f.app_b, sizeof(f.app_b), "%s", p->app_b);
		snprintf(f.app_c, sizeof(f.app_c), "%s", p->app_c ? p->app_c : "");
	}
	if (!r->err)
		r->err = flowid_set_add(r->flows, &f);
}

/* Does a resolver at addr answer name with an address?  *silent: it does
 * not answer at all (the attempt costs the timeout). */
static const struct name_entry *resolver_answer(const struct model *m, const char *addr, const char *name,
						bool *silent)
{
	*silent = !spec_dns_answers(m->s, addr);
	return *silent ? NULL : spec_name(m->s, name);
}

static void learn_answer(struct run *r, const char *asker, const struct name_entry *e)
{
	if (!watched(r->m, asker))
		return;		/* the kernel learns from the watched hosts' answers only */
	for (int i = 0; i < e->n_addrs && !r->err; i++)
		r->err = learn(r->m, e->addrs[i], e->name);
}

/* Resolves c->to; returns the address, or NULL when no resolver gave one. */
static const char *resolve(struct run *r, const struct comm *c, const char *src)
{
	for (int i = 0; i < c->n_resolvers; i++) {
		const char *raddr = spec_resolver_addr(r->m->s, c->resolvers[i]);
		struct packet q = { .src = src, .dst = raddr, .proto = "udp", .sport = -1, .dport = 53,
				    .has_app = true, .app_kind = IOTPROF_APP_DNS, .app_a = c->to.text,
				    .app_b = "A" };
		const struct name_entry *e;
		bool silent;

		record(r, &q, NULL);
		if (dropped(r, &q)) {
			r->duration += c->timeout;
			continue;
		}
		e = resolver_answer(r->m, raddr, c->to.text, &silent);
		if (silent)
			r->duration += c->timeout;
		if (!e)
			continue;	/* NXDOMAIN or no answer: the next resolver */
		learn_answer(r, src, e);
		return e->addrs[0];
	}
	return NULL;
}

static bool run_comm(struct run *r, const struct comm *c)
{
	const struct home_spec *s = r->m->s;
	const char *src = spec_endpoint_addr(s, r->m->dev, &c->from), *dst;
	struct packet p = { .src = src, .sport = c->sport, .dport = c->dport };
	bool tcp = spec_proto_is_tcp(c->proto);

	dst = c->to.kind == HOST_NAME ? resolve(r, c, src) : spec_endpoint_addr(s, r->m->dev, &c->to);
	if (!dst)
		return false;	/* no connection attempt without an address */
	p.dst = dst;
	p.proto = tcp ? "tcp" : "udp";
	switch (spec_app_parsed(c) ? c->proto : PROTO_UDP) {
	case PROTO_HTTP:
		p.app_kind = IOTPROF_APP_HTTP;
		p.app_a = c->method;
		p.app_b = c->uri;
		break;
	case PROTO_COAP:
		p.app_kind = IOTPROF_APP_COAP;
		p.app_a = c->coap_type;
		p.app_b = c->coap_code;
		p.app_c = c->uri;
		break;
	case PROTO_DNS:
		p.app_kind = IOTPROF_APP_DNS;
		p.app_a = c->qname;
		p.app_b = c->qtype;
		break;
	default:
		break;
	}
	if (tcp) {
		/* the SYN carries no application data */
		bool blocked = dropped(r, &p);
		const char *sni = c->proto == PROTO_TLS && c->to.kind == HOST_NAME ? c->to.text : NULL;

		if (blocked) {
			/* a connection that never carried data is no Flow ID */
			r->duration += c->timeout;
			return false;
		}
		if (sni) {
			/* The ClientHello names the server before the rules see it. */
			if (watched(r->m, src) && !r->err)
				r->err = learn(r->m, dst, sni);
			p.dst_name = spec_in_lan(s, dst) ? NULL : sni;
			blocked = dropped(r, &p);
		}
		p.has_app = p.app_kind != IOTPROF_APP_NONE;
		blocked = blocked || (p.has_app && dropped(r, &p));
		record(r, &p, sni && !spec_in_lan(s, dst) ? sni : NULL);
		if (blocked)
			r->duration += c->timeout;
		return !blocked;
	}
	p.has_app = p.app_kind != IOTPROF_APP_NONE;
	record(r, &p, NULL);
	if (dropped(r, &p)) {
		r->duration += c->timeout;
		return false;
	}
	if (c->proto == PROTO_DNS && !strcmp(c->qtype, "A")) {
		bool silent;
		const struct name_entry *e = resolver_answer(r->m, dst, c->qname, &silent);

		if (e)
			learn_answer(r, src, e);
	}
	return true;
}

static bool run_list(struct run *r, const struct int_list *l, bool stop_at_failure)
{
	for (int i = 0; i < l->n; i++)
		if (!run_comm(r, &r->m->s->comms[l->v[i]]) && stop_at_failure)
			return false;
	return true;
}

int model_run(struct model *m, const struct flowid *blocked, size_t n_blocked,
	      struct flowid_set *flows, bool *success, double *duration)
{
	const struct event *e = &m->s->devices[m->dev].events[m->ev];
	struct run r = { .m = m, .blocked = blocked, .n_blocked = n_blocked, .flows = flows };
	bool ok = true;

	run_list(&r, &e->extras, false);
	for (int n = 0; n < e->n_needs && ok; n++) {
		bool met = false;

		for (int a = 0; a < e->needs[n].n_alts && !met; a++)
			met = run_list(&r, &e->needs[n].alts[a], true);
		ok = met;
	}
	/* Noise is never in every iteration of a node: it is in no signature,
	 * and the model does not record it (nor learn names from it). */
	r.flows = NULL;
	{
		struct model shadow = *m;	/* noise must not teach the model names */
		struct run nr = r;

		shadow.names = NULL;
		shadow.n_names = shadow.cap_names = 0;
		for (int i = 0; i < m->n_names && !nr.err; i++)
			nr.err = learn(&shadow, m->names[i].addr, m->names[i].name);
		nr.m = &shadow;
		run_list(&nr, &e->noise, false);
		r.duration = nr.duration;
		r.err = r.err ?: nr.err;
		model_free(&shadow);
	}
	*success = ok;
	if (duration)
		*duration = r.duration;
	return r.err;
}

int model_experiment(void *ctx, const struct flowid *blocked, size_t n_blocked,
		     struct flowid_set *signature, int *m_plus)
{
	struct model *m = ctx;
	struct flowid_set *traces = calloc(m->iterations, sizeof(*traces));
	int ok = 0, err = 0;

	if (!traces)
		return -ENOMEM;
	m->experiments++;
	for (int i = 0; i < m->iterations && !err; i++) {
		struct flowid_set flows = {};
		bool success;
		double d;

		err = model_run(m, blocked, n_blocked, &flows, &success, &d);
		if (d > m->max_duration)
			m->max_duration = d;
		if (!err && success)
			traces[ok++] = flows;
		else
			flowid_set_free(&flows);
	}
	*m_plus = ok;
	/* DESIGN.md Job 1 step 3: no signature when m+ < m/2 */
	if (!err && 2 * ok < m->iterations)
		err = NODE_FAILED;
	else if (!err)
		err = flowid_signature(traces, ok, m->well_known, signature);
	for (int i = 0; i < ok; i++)
		flowid_set_free(&traces[i]);
	free(traces);
	return err;
}
