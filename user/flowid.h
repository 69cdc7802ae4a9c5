/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Flow IDs (DESIGN.md, Job 1 step 2): what a trace's flow records mean to
 * the profiling method.  The initiator is the source; a non-local address
 * is replaced by its host name when one is known; a port is kept when it is
 * well known, or when the same flow shows the same port in every trace,
 * and is otherwise a wildcard; the application data are the DNS name and
 * type, the HTTP method and URI, the CoAP type, code and path.
 *
 * Pure functions on plain data: no maps, no kernel.
 */
#ifndef IOTPROF_FLOWID_H
#define IOTPROF_FLOWID_H

#include <stdbool.h>
#include <stdio.h>
#include "iotprof_abi.h"

#define FLOWID_PORT_ANY (-1)

struct flowid {
	char src[IOTPROF_NAME_MAX];	/* host name, or address literal */
	char dst[IOTPROF_NAME_MAX];
	char proto[8];			/* "tcp", "udp", "icmp", ... */
	int  sport, dport;		/* FLOWID_PORT_ANY: wildcard */
	__u8 app_kind;			/* IOTPROF_APP_DNS, _HTTP, _COAP or NONE */
	char app_a[IOTPROF_NAME_MAX];	/* DNS name, HTTP method, CoAP type */
	char app_b[IOTPROF_URI_MAX];	/* DNS type, HTTP URI, CoAP code */
	char app_c[IOTPROF_URI_MAX];	/* CoAP path */
};

/* One trace: its flows before the port rule (both ports as seen). */
struct flowid_set {
	struct flowid *v;
	size_t n, cap;
	/* A hash index over v (open addressing, index + 1 per slot), kept by
	 * flowid_set_add: membership is O(1), so a signature over thousands of
	 * records per trace stays linear.  Rebuilt when n says v changed. */
	unsigned *slot;
	size_t slots, indexed;
};

/* The well-known ports (configs/well-known-ports): port and, optionally,
 * protocol. */
struct well_known {
	struct { int port; char proto[8]; } v[256];
	size_t n;
	int eph_lo, eph_hi;	/* "ephemeral LOW-HIGH": a client's ports there are never kept; 0 = none */
};

int well_known_load(const char *path, struct well_known *wk);
bool well_known_has(const struct well_known *wk, const char *proto, int port);

/* Adds a flow to a trace's set (duplicates are kept once). */
int flowid_set_add(struct flowid_set *s, const struct flowid *f);
bool flowid_set_has(const struct flowid_set *s, const struct flowid *f);
void flowid_set_free(struct flowid_set *s);

/* The event signature: the port rule across the traces, then the
 * intersection of their Flow ID sets.  Flows are bidirectional: a Flow ID
 * matches its reverse, and each end keeps its port where that end shows
 * it in every trace.  A member is written as the first trace saw it.
 * Returns 0 and fills *out. */
int flowid_signature(const struct flowid_set *traces, size_t n_traces,
		     const struct well_known *wk, struct flowid_set *out);

/* True for addresses that stay addresses in Flow IDs: private, loopback,
 * link-local, unique-local and multicast. */
bool flowid_address_is_local(const char *text);

/* Equal as written, or with the two ends (host and port) swapped: a Flow
 * ID stands for a bidirectional flow. */
bool flowid_equal(const struct flowid *a, const struct flowid *b);
/* Does a deny rule made of b match every packet of f?  The same hosts and
 * protocol (either way round), b's ports wildcards or f's, and b's
 * application data none (the whole connection) or f's. */
bool flowid_covers(const struct flowid *b, const struct flowid *f);
/* Writes f with its ends in a fixed order (the lower host first). */
void flowid_canonical(struct flowid *f);
/* The set holds exactly the n distinct Flow IDs of v, in any order. */
bool flowid_set_same(const struct flowid_set *s, const struct flowid *v, size_t n);

/* The Flow ID JSON schema, used everywhere (tree, signatures, deny input):
 * {"src","dst","proto","sport","dport","app"}, null ports are wildcards,
 * app null or {"dns":{qname,qtype}} / {"http":{method,uri}} /
 * {"coap":{type,code,uri}}.  from_json refuses unknown members, naming
 * `where`. */
struct json_object;
struct json_object *flowid_to_json(const struct flowid *f);
struct json_object *flowid_set_to_json(const struct flowid_set *s);
int flowid_from_json(struct json_object *o, struct flowid *f, const char *where);
/* A JSON list of Flow IDs added to s; errors name where[i]. */
int flowid_set_from_json(struct json_object *a, struct flowid_set *s, const char *where);

/* One Flow ID object per line: {"src","dst","proto","sport","dport","app"}. */
void flowid_print_json(FILE *out, const struct flowid_set *s);

/* For people: one line per Flow ID, "*" for a wildcard port. */
void flowid_print_table(FILE *out, const struct flowid_set *s, int n_traces);

#endif
