/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The public "Forest" dataset (../shared/data/forest/README.md) as recorded
 * experiments: one event directory holds tree.json (the authors' blocking
 * tree, each node's blocked path as firewall policies) and one directory per
 * node that was actually run, with the captures of its repetitions.  A
 * replay asks, for each blocked set its own walk reaches, which recorded
 * node blocked the same Flow IDs; forest_find answers.
 *
 * The dataset's Flow IDs come from another implementation, so "the same"
 * is forest_flowid_matches(): exact where both sides define a field, with
 * the few tolerances the data need (documented there).
 */
#ifndef IOTPROF_FOREST_H
#define IOTPROF_FOREST_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include "flowid.h"

struct forest_node {
	char dir[PATH_MAX];		/* node directory, "" if this tree node was never run */
	char key[512];			/* its tree.json key */
	int depth;			/* root 0 */
	struct flowid *blocked;		/* the blocked path, root first; the last is the node's own */
	size_t n_blocked;		/* == depth */
	char **traces;			/* dir/traces/ *.pcap, sorted */
	size_t n_traces;
	struct flowid_set children;	/* its tree.json children's own Flow IDs minus its blocked path */
	int parent;			/* index in forest.v, -1 for the root */
	bool last;			/* tree.json "last": the last node the authors processed */
	/* Every policy of its path maps to a Flow ID.  A node that is not
	 * comparable is never found (forest_find), nor among its parent's
	 * children (counted in incomparable_children). */
	bool comparable;
	size_t incomparable_children;
};

/* An address the dataset's authors knew by a name (their gateway's
 * resolver cache), or one the caller learnt (DNS answers, TLS SNI). */
struct forest_alias {
	char addr[64];
	char name[IOTPROF_NAME_MAX];
};

struct forest {
	struct forest_node *v;		/* depth-first order, v[0] is the root */
	size_t n;
	char device[64];		/* what "self" stands for */
	char event_dir[PATH_MAX];
	/* Well-formed node directories that match no tree.json node: the
	 * dataset has one (TpLinkPlug/toggle, a node tree.json lost).  Each is
	 * warned about when opening; none can be found by forest_find. */
	char **unmatched;
	size_t n_unmatched;
	/* Address = name, as forest_flowid_matches needs them: from every
	 * directory that gives an address where its key has a name, and from
	 * forest_add_alias. */
	struct forest_alias *aliases;
	size_t n_aliases;
};

/* Reads EVENT/tree.json, converts every node's policies to Flow IDs ("self"
 * is device_addr), and maps every node directory to its tree node: by its
 * exact key, else by depth, ts and endpoints (directory names may add
 * ephemeral ports, order ports differently, or give an IP where the key has
 * a name).  A policy it cannot map is a warning naming the node and the
 * policy, and the node is not comparable.  Returns 0, or a negative errno
 * after one message naming the file (and line, for JSON syntax): missing
 * or malformed tree.json, a subdirectory that is not a node name, two
 * nodes one directory could be. */
int forest_open(const char *event_dir, const char *device_addr, struct forest *f);

/* The run node (one with a directory) whose blocked set equals `blocked`
 * as a set, pairing Flow IDs with forest_flowid_matches(); of several, the
 * most exact.  NULL when none (not recorded), or when two recorded nodes
 * match equally well (warned: the replay cannot tell them apart).  The
 * root for n == 0. */
const struct forest_node *forest_find(const struct forest *f, const struct flowid *blocked, size_t n);

void forest_close(struct forest *f);

/* Has DIR/tree.json and DIR/0_root. */
bool forest_is_event_dir(const char *dir);

/* Does our Flow ID (from iotprof's signatures) denote the dataset's one?
 * Exact on every field both define, except:
 *  - direction: either orientation (every dataset policy is bidirectional,
 *    and its own matcher ignores direction; a capture that starts inside a
 *    connection makes the initiator whichever side spoke first);
 *  - hosts: an address on one side matches a name on the other when f
 *    holds that alias, the other endpoint being equal.  The authors named
 *    addresses from their gateway's resolver cache, which the captures do
 *    not hold: 54.228.171.232 is euw1-device-cloudgateway.iot.i.tplinknbu.com
 *    in TapoLight/toggle (its directory name says so), though no DNS answer
 *    in its pcaps does.  Without evidence an address is not a name: in
 *    TpLinkPlug/toggle 79.125.56.92:443 would otherwise pass for
 *    use1-api.tplinkra.com:443, which the captures resolve to others;
 *  - ports: a wildcard on either side matches a fixed port (the two port
 *    rules differ: a persistent connection keeps its ephemeral port in every
 *    trace, which ours keeps and theirs does not, and the reverse);
 *  - HTTP/CoAP URI: theirs may end in '*', a prefix ("/app/request*");
 *  - DNS name and type, protocol and method: case-insensitive, types by
 *    number ("A" == "TYPE1").
 * forest_find prefers exact matches over tolerant ones. */
bool forest_flowid_matches(const struct forest *f, const struct flowid *ours, const struct flowid *theirs);

/* Lets addr (a public IP) match name from now on: the replay adds what the
 * captures it ran resolved (DNS answers, TLS SNI).  -EINVAL for a local
 * or malformed address, or a name that is an address. */
int forest_add_alias(struct forest *f, const char *addr, const char *name);

/* A dataset policy {"protocols":{"ipv4"|"ipv6":{src,dst},"tcp"|"udp"|
 * "icmp"|"icmpv6":{src-port,dst-port},"dns"|"mdns"|"http"|"coap":{...}},
 * "bidirectional":...} as a Flow ID: ports, DNS type, HTTP and CoAP fields
 * and "bidirectional" may be absent.  Returns 0, or -EINVAL with the
 * reason in why (nothing printed). */
struct json_object;
int forest_policy_to_flowid(struct json_object *policy, const char *device_addr, struct flowid *out, char *why,
			    size_t why_len);

#endif
