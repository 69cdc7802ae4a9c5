/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The home spec (docs/SIMHOME.md, issue 6): the LAN, the phone, the cloud's
 * names and resolvers, and each device's events as communications.  Read
 * with libyaml; every error names file:line:column and the key, unknown keys
 * are refused.  The simulators and `simhome expect` read the same struct, so
 * they can never disagree about what a spec says.
 */
#ifndef SIMHOME_SPEC_H
#define SIMHOME_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>

#define SPEC_ADDR_MAX	48
#define SPEC_NAME_MAX	256
#define SPEC_ID_MAX	64
#define SPEC_URI_MAX	256
#define SPEC_RESOLVERS_MAX 8
#define SPEC_TIMEOUT_DEFAULT 0.5	/* seconds: in namespaces an answer takes < 1 ms */

enum host_kind { HOST_DEVICE = 1, HOST_PHONE, HOST_GATEWAY, HOST_NAME, HOST_ADDR };

enum comm_proto { PROTO_TCP = 1, PROTO_UDP, PROTO_TLS, PROTO_HTTP, PROTO_COAP, PROTO_DNS };

struct endpoint {
	enum host_kind kind;
	char text[SPEC_NAME_MAX];	/* the name (lower case) or the address literal */
};

/* One communication, wherever it appears (needs, extras, noise). */
struct comm {
	int id;				/* index in spec->comms */
	int device;			/* the device whose event holds it */
	int line, col;			/* where it is written (1-based) */
	struct endpoint from, to;
	enum comm_proto proto;
	int sport;			/* -1: ephemeral */
	int dport;
	char resolvers[SPEC_RESOLVERS_MAX][SPEC_ADDR_MAX];	/* "gateway" or addresses */
	int n_resolvers;
	double timeout;			/* seconds */
	char method[16];		/* http */
	char uri[SPEC_URI_MAX];		/* http, coap */
	char coap_type[4];		/* CON NON ACK RST */
	char coap_code[8];		/* "0.01" */
	char qname[SPEC_NAME_MAX];	/* dns */
	char qtype[12];			/* dns: "A", "AAAA", ... */
	double probability;		/* noise only */
};

struct int_list {
	int *v;
	int n;
};

struct need {
	struct int_list *alts;		/* each a list of comm ids, in order */
	int n_alts;
};

struct event {
	char name[SPEC_ID_MAX];
	bool boot;			/* triggered by restarting the device process */
	struct need *needs;
	int n_needs;
	struct int_list extras, noise;	/* comm ids */
	struct int_list *sizes;		/* signed payload lengths per exchange */
	int n_sizes;
	int padding;			/* each sized payload gets 0..padding random bytes more */
	int line, col;
};

struct device {
	char name[SPEC_ID_MAX];
	char ip[SPEC_ADDR_MAX];
	struct event *events;
	int n_events;
};

struct name_entry {
	char name[SPEC_NAME_MAX];
	char addrs[8][SPEC_ADDR_MAX];
	int n_addrs;
};

struct home_spec {
	char path[4096];
	char lan[SPEC_ADDR_MAX];		/* "10.77.0.0/24" */
	struct in_addr lan_net;
	int lan_prefix;
	char gateway[SPEC_ADDR_MAX];		/* the LAN's .1 */
	char phone[SPEC_ADDR_MAX];		/* "" when the home has none */
	char cloud_net[SPEC_ADDR_MAX];
	double timeout;				/* home.timeout or SPEC_TIMEOUT_DEFAULT */
	struct name_entry *names;
	int n_names;
	char (*resolvers)[SPEC_ADDR_MAX];
	int n_resolvers;
	struct device *devices;
	int n_devices;
	struct comm *comms;
	int n_comms;
};

/* Reads and checks a spec.  Returns 0, or -EINVAL having printed every
 * problem as "path:line:col: key: what is wrong". */
int spec_load(const char *path, struct home_spec *s);
void spec_free(struct home_spec *s);

int spec_device(const struct home_spec *s, const char *name);
int spec_event(const struct device *d, const char *name);
const struct name_entry *spec_name(const struct home_spec *s, const char *name);

/* Which host an address belongs to. */
enum addr_owner { OWNER_NONE = 0, OWNER_GATEWAY, OWNER_PHONE, OWNER_DEVICE, OWNER_CLOUD };
enum addr_owner spec_owner(const struct home_spec *s, const char *addr, int *device);

bool spec_in_lan(const struct home_spec *s, const char *addr);
bool spec_is_group(const struct home_spec *s, const char *addr);	/* multicast or broadcast */
bool spec_is_cloud_resolver(const struct home_spec *s, const char *addr);
/* Answers DNS queries: the gateway, home.cloud.resolvers and the
 * destinations of dns communications.  Other resolvers stay silent. */
bool spec_dns_answers(const struct home_spec *s, const char *addr);

/* The address of an endpoint for a communication of device `dev`.  A name
 * gives its first address (for a source; a destination name is resolved
 * by DNS instead).  "" when there is none. */
const char *spec_endpoint_addr(const struct home_spec *s, int dev, const struct endpoint *e);
/* The address of a resolver entry ("gateway" or an address). */
const char *spec_resolver_addr(const struct home_spec *s, const char *r);

/* Every non-LAN address the spec uses: they live in the cloud namespace. */
int spec_cloud_addrs(const struct home_spec *s, char (**out)[SPEC_ADDR_MAX], int *n);

bool spec_proto_is_tcp(enum comm_proto p);
/* Does the profiler see the communication's application data?  HTTP on
 * any port; CoAP on UDP 5683 and DNS on 53 and 5353 only (bpf/app.h). */
bool spec_app_parsed(const struct comm *c);
/* Would the kernel parse a datagram on these ports as DNS or CoAP?  Plain
 * UDP there goes empty, so that it carries no application data. */
bool spec_port_parsed(int sport, int dport);
const char *spec_proto_name(enum comm_proto p);

#endif
