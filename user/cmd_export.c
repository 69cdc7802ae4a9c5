// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * iotprof export --mud: a device's profile as an RFC 8520 MUD file, the
 * allow list a MUD manager or firewall enforces.  Each Flow ID of the
 * device gives one ACE in the from-device and one in the to-device ACL of
 * its address family (RFC 8519 ACLs): names are ietf-acldns matches, the
 * LAN's DNS resolver and NTP servers the MUD controller classes
 * (urn:ietf:params:mud:dns, :ntp), other LAN peers the local-networks
 * class, other addresses /32 or /128 networks, named after the address and
 * with a comment (the iotprof-mud extension, yang/) saying why.  Hidden
 * Flow IDs are kept, since the device falls back on them, and their ACEs
 * say "hidden" in their name.
 *
 * iotprof export --ipfix (user/ipfix.c) is the other format.
 *
 * What MUD cannot say is left out: application data (DNS names asked,
 * URIs) has no match, and a Flow ID that does not involve the device
 * (the phone talking to the cloud) is no part of the device's policy.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <json-c/json.h>
#include "flowid.h"
#include "ipfix.h"
#include "log.h"
#include "results.h"

int cmd_export(int argc, char **argv, const char *pin_dir);	/* for commands.h */

#define SYSTEMINFO_MAX	60	/* RFC 8520: systeminfo is 1..60 characters */

struct export_flow {
	struct flowid f;
	bool hidden;
};

struct export_in {
	char device[RESULTS_NAME_MAX];
	char addrs[RESULTS_ADDRS_MAX][RESULTS_NAME_MAX];
	int n_addrs;
	struct export_flow *v;
	size_t n, cap;
};

enum { ACL_V4FR, ACL_V4TO, ACL_V6FR, ACL_V6TO, N_ACL };
static const char *const acl_suffix[N_ACL] = { "v4fr", "v4to", "v6fr", "v6to" };

struct ace {
	char *key;			/* the matches as text: identical ACEs are one */
	struct json_object *matches;
	bool hidden;			/* every Flow ID behind it is hidden */
	size_t flow;			/* the first Flow ID behind it */
	const char *addr;		/* the peer's address when matched by address */
	bool group;			/* ... a multicast or broadcast address */
};

/* What the MUD file says about the device, beyond its flows. */
struct mud_meta {
	const char *url, *mfg_name, *model_name, *documentation;
};

enum controller { CTRL_NONE, CTRL_DNS, CTRL_NTP };
static const char *const controller_urn[] = { NULL, "urn:ietf:params:mud:dns", "urn:ietf:params:mud:ntp" };

#define MUD_EXTENSION "iotprof-mud"	/* yang/iotprof-mud@2026-12-08.yang */

struct acl {
	struct ace *v;
	size_t n, cap;
};

enum peer_kind { PEER_NAME, PEER_LAN, PEER_ADDRESS };

static void usage(FILE *out)
{
	fprintf(out,
"usage: iotprof export --mud [--mud-url URL] [--mfg-name NAME] [--model-name NAME]\n"
"                      [--documentation URL] [--out FILE] (PROFILE.json | CAMPAIGN)\n"
"       iotprof export --ipfix HOST:PORT [--pcap FILE... | --follow] [options]\n"
"\n"
"--mud writes the device's Flow IDs, hidden ones included, as an RFC 8520 MUD\n"
"file (docs/RESULTS.md).  PROFILE.json comes from 'iotprof merge'; a campaign\n"
"directory (or its tree.json) exports that one event.  The LAN's DNS resolver\n"
"and NTP servers become the MUD controller classes; an address without a name\n"
"is matched as it is, with a comment (the iotprof-mud extension).\n"
"  --mud-url URL        the https URL the MUD file will be served from\n"
"  --mfg-name NAME      the manufacturer's name\n"
"  --model-name NAME    the device's model name\n"
"  --documentation URL  where the device's documentation is\n"
"  --out FILE           write it there (default: standard output)\n"
"\n"
"--ipfix sends flow records to an IPFIX collector (RFC 7011) over UDP:\n"
"'iotprof export --ipfix --help' says more (docs/IPFIX.md).\n");
}

static int add_flow(struct export_in *in, const struct flowid *f, bool hidden)
{
	if (in->n == in->cap) {
		size_t cap = in->cap ? 2 * in->cap : 32;
		struct export_flow *v = realloc(in->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		in->v = v;
		in->cap = cap;
	}
	in->v[in->n].f = *f;
	in->v[in->n++].hidden = hidden;
	return 0;
}

static int input_from_tree(const char *path, struct export_in *in)
{
	struct results_info info;
	struct tree_results r = {};
	struct tree t;
	int err = results_load_tree(path, &t, &info);

	if (err)
		return err;
	memcpy(in->device, info.device_name, sizeof(in->device));
	memcpy(in->addrs, info.device_addrs, sizeof(in->addrs));
	in->n_addrs = info.n_device_addrs;
	err = tree_results(&t, &r);
	for (size_t i = 0; i < r.first_level.n && !err; i++)
		err = add_flow(in, &r.first_level.v[i], false);
	for (size_t i = 0; i < r.hidden.n && !err; i++)
		err = add_flow(in, &r.hidden.v[i], true);
	if (info.stopped_by[0])
		pr_warn("warning: %s: the walk was stopped by %s; hidden Flow IDs may be missing", info.path,
			info.stopped_by);
	tree_results_free(&r);
	tree_free(&t);
	return err;
}

static bool copy_text(struct json_object *v, char *buf, size_t len)
{
	if (!json_object_is_type(v, json_type_string) || (size_t)json_object_get_string_len(v) >= len)
		return false;
	memcpy(buf, json_object_get_string(v), json_object_get_string_len(v) + 1);
	return true;
}

/* The profile of 'iotprof merge': device and flows are what a MUD needs. */
static int input_from_profile(struct json_object *o, const char *path, struct export_in *in)
{
	struct json_object *dev = json_object_object_get(o, "device"), *flows = json_object_object_get(o, "flows");
	struct json_object *addrs = json_object_object_get(dev, "addresses");
	char where[4200];
	int err = 0;

	if (json_object_get_int(json_object_object_get(o, "version")) != 1) {
		pr_warn("%s: \"version\" must be 1", path);
		return -EINVAL;
	}
	if (!json_object_is_type(dev, json_type_object) ||
	    !copy_text(json_object_object_get(dev, "name"), in->device, sizeof(in->device)) ||
	    (addrs && (!json_object_is_type(addrs, json_type_array) ||
		       json_object_array_length(addrs) > RESULTS_ADDRS_MAX))) {
		pr_warn("%s: \"device\" must be {\"name\": text, \"addresses\": [at most %d texts]}", path,
			RESULTS_ADDRS_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; addrs && i < json_object_array_length(addrs); i++) {
		if (!copy_text(json_object_array_get_idx(addrs, i), in->addrs[i], sizeof(in->addrs[i]))) {
			pr_warn("%s: device address %zu is not an address text", path, i);
			return -EINVAL;
		}
		in->n_addrs++;
	}
	if (!json_object_is_type(flows, json_type_array)) {
		pr_warn("%s: \"flows\" must be an array", path);
		return -EINVAL;
	}
	for (size_t i = 0; i < json_object_array_length(flows) && !err; i++) {
		struct json_object *j = json_object_array_get_idx(flows, i), *hidden;
		struct flowid f;

		snprintf(where, sizeof(where), "%s: flows[%zu]", path, i);
		hidden = json_object_object_get(j, "hidden");
		if (!json_object_is_type(j, json_type_object) || !json_object_is_type(hidden, json_type_boolean)) {
			pr_warn("%s: must be {\"flow\": Flow ID, \"events\": [...], \"hidden\": true or false}", where);
			return -EINVAL;
		}
		err = flowid_from_json(json_object_object_get(j, "flow"), &f, where) ?:
		      add_flow(in, &f, json_object_get_boolean(hidden));
	}
	return err;
}

static int load_input(const char *path, struct export_in *in)
{
	struct json_object *o = NULL;
	struct stat st;
	int err;

	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return input_from_tree(path, in);
	err = results_read_json(path, &o);
	if (err)
		return err;
	if (json_object_object_get_ex(o, "nodes", NULL)) {
		err = input_from_tree(path, in);
	} else if (json_object_object_get_ex(o, "flows", NULL)) {
		err = input_from_profile(o, path, in);
	} else {
		pr_warn("%s: neither a profile ('iotprof merge') nor a campaign's tree.json", path);
		err = -EINVAL;
	}
	json_object_put(o);
	return err;
}

static int parse_address(const char *text, unsigned char a[16])
{
	return inet_pton(AF_INET, text, a) == 1 ? AF_INET : inet_pton(AF_INET6, text, a) == 1 ? AF_INET6 : 0;
}

/* The family of host when it is one of the device's addresses, else 0. */
static int device_family(const struct export_in *in, const char *host)
{
	unsigned char a[16], b[16];
	int fa = parse_address(host, a);

	for (int i = 0; fa && i < in->n_addrs; i++)
		if (parse_address(in->addrs[i], b) == fa && !memcmp(a, b, fa == AF_INET ? 4 : 16))
			return fa;
	return 0;
}

/* Private, link-local and unique-local unicast peers are the MUD's local
 * networks; multicast and broadcast stay addresses. */
static enum peer_kind peer_kind(const char *peer, int *family)
{
	unsigned char a[16];

	*family = parse_address(peer, a);
	if (!*family)
		return PEER_NAME;
	if (flowid_address_is_local(peer) && (*family == AF_INET ? a[0] < 224 : a[0] != 0xff))
		return PEER_LAN;
	return PEER_ADDRESS;
}

static int proto_number(const char *proto, int family)
{
	char *end;
	long n;

	if (!strcmp(proto, "tcp"))
		return 6;
	if (!strcmp(proto, "udp"))
		return 17;
	if (!strcmp(proto, "icmp"))
		return family == AF_INET6 ? 58 : 1;
	if (!strcmp(proto, "icmpv6"))
		return 58;
	n = strtol(proto, &end, 10);
	return *proto && !*end && n >= 0 && n <= 255 ? (int)n : -1;
}

static struct json_object *port_match(int port)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "operator", json_object_new_string("eq"));
	json_object_object_add(o, "port", json_object_new_int(port));
	return o;
}

/* The LAN's resolver and NTP servers are the network's to choose: a MUD
 * manager puts its own in their place (RFC 8520 section 8).  An NTP server
 * known only by an address is one too; a named one stays a name. */
static enum controller controller_of(const struct flowid *f, bool device_is_src, enum peer_kind kind,
				     int proto)
{
	int peer_port = device_is_src ? f->dport : f->sport;

	if (kind == PEER_NAME)
		return CTRL_NONE;
	if (kind == PEER_LAN && peer_port == 53 && (proto == 17 || proto == 6))
		return CTRL_DNS;
	if (peer_port == 123 && proto == 17 && (kind == PEER_LAN || kind == PEER_ADDRESS))
		return CTRL_NTP;
	return CTRL_NONE;
}

/* The matches of one direction of a Flow ID: from_device for the packets
 * the device sends, else the packets it receives. */
static struct json_object *ace_matches(const struct flowid *f, bool from_device, bool device_is_src,
				       int family, enum peer_kind kind, const char *peer, int proto,
				       enum controller ctrl)
{
	struct json_object *m = json_object_new_object(), *l3 = json_object_new_object(), *l4;
	int dev_port = device_is_src ? f->sport : f->dport, peer_port = device_is_src ? f->dport : f->sport;
	int src_port = from_device ? dev_port : peer_port, dst_port = from_device ? peer_port : dev_port;
	const char *v = family == AF_INET ? "ipv4" : "ipv6";
	char key[64], net[IOTPROF_NAME_MAX + 8];

	if (ctrl) {
		struct json_object *mud = json_object_new_object();

		json_object_object_add(mud, "controller", json_object_new_string(controller_urn[ctrl]));
		json_object_object_add(m, "ietf-mud:mud", mud);
	} else if (kind == PEER_LAN) {
		struct json_object *mud = json_object_new_object(), *empty = json_object_new_array();

		json_object_array_add(empty, NULL);	/* a YANG "empty" leaf in JSON: [null] */
		json_object_object_add(mud, "local-networks", empty);
		json_object_object_add(m, "ietf-mud:mud", mud);
	}
	json_object_object_add(l3, "protocol", json_object_new_int(proto));
	if (ctrl) {
		/* the class says which addresses */
	} else if (kind == PEER_NAME) {
		json_object_object_add(l3, from_device ? "ietf-acldns:dst-dnsname" : "ietf-acldns:src-dnsname",
				       json_object_new_string(peer));
	} else if (kind == PEER_ADDRESS) {
		snprintf(key, sizeof(key), "%s-%s-network", from_device ? "destination" : "source", v);
		snprintf(net, sizeof(net), "%s/%d", peer, family == AF_INET ? 32 : 128);
		json_object_object_add(l3, key, json_object_new_string(net));
	}
	json_object_object_add(m, v, l3);
	if (proto != 6 && proto != 17)
		return m;
	l4 = json_object_new_object();
	if (proto == 6)
		json_object_object_add(l4, "ietf-mud:direction-initiated",
				       json_object_new_string(device_is_src ? "from-device" : "to-device"));
	if (src_port != FLOWID_PORT_ANY)
		json_object_object_add(l4, "source-port", port_match(src_port));
	if (dst_port != FLOWID_PORT_ANY)
		json_object_object_add(l4, "destination-port", port_match(dst_port));
	if (json_object_object_length(l4))
		json_object_object_add(m, proto == 6 ? "tcp" : "udp", l4);
	else
		json_object_put(l4);
	return m;
}

/* Takes matches; an ACE with the same matches absorbs it.  addr: the
 * peer's address when it is matched by address (it names the ACE). */
static int acl_add(struct acl *a, struct json_object *matches, bool hidden, size_t flow,
		   const char *addr)
{
	const char *key = json_object_to_json_string_ext(matches, JSON_C_TO_STRING_PLAIN);

	for (size_t i = 0; i < a->n; i++) {
		if (!strcmp(a->v[i].key, key)) {
			a->v[i].hidden &= hidden;
			json_object_put(matches);
			return 0;
		}
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 16;
		struct ace *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			goto nomem;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = (struct ace){ .key = strdup(key), .matches = matches, .hidden = hidden, .flow = flow,
				   .addr = addr };
	if (addr) {
		unsigned char b[16];
		int fam = parse_address(addr, b);

		a->v[a->n].group = fam == AF_INET ? b[0] >= 224 : b[0] == 0xff;
	}
	if (!a->v[a->n].key)
		goto nomem;
	a->n++;
	return 0;
nomem:
	json_object_put(matches);
	return -ENOMEM;
}

static void flow_text(const struct flowid *f, char *buf, size_t len)
{
	char sport[8] = "", dport[8] = ":*";

	if (f->sport != FLOWID_PORT_ANY)
		snprintf(sport, sizeof(sport), ":%d", f->sport);
	if (f->dport != FLOWID_PORT_ANY)
		snprintf(dport, sizeof(dport), ":%d", f->dport);
	snprintf(buf, len, "%s %s%s -> %s%s", f->proto, f->src, sport, f->dst, dport);
}

/* The ACEs of every Flow ID of the device; *left_out counts the others. */
static int build_acls(const struct export_in *in, struct acl acls[N_ACL], size_t *left_out)
{
	char text[2 * IOTPROF_NAME_MAX + 48];
	int err = 0;

	*left_out = 0;
	for (size_t i = 0; i < in->n && !err; i++) {
		const struct flowid *f = &in->v[i].f;
		int src_fam = device_family(in, f->src), dst_fam = device_family(in, f->dst);
		int family, peer_fam, proto, base;
		bool device_is_src = src_fam != 0;
		const char *peer = device_is_src ? f->dst : f->src, *addr;
		enum peer_kind kind;
		enum controller ctrl;

		flow_text(f, text, sizeof(text));
		if (!src_fam == !dst_fam) {
			pr_info("export: left out, not the device's: %s", text);
			(*left_out)++;
			continue;
		}
		family = src_fam ?: dst_fam;
		kind = peer_kind(peer, &peer_fam);
		proto = proto_number(f->proto, family);
		if ((kind != PEER_NAME && peer_fam != family) || proto < 0) {
			pr_warn("warning: export: left out, %s: %s", proto < 0 ? "protocol unknown to MUD" :
				"the peer's address family is not the device's", text);
			(*left_out)++;
			continue;
		}
		base = family == AF_INET ? ACL_V4FR : ACL_V6FR;
		ctrl = controller_of(f, device_is_src, kind, proto);
		addr = kind == PEER_ADDRESS && !ctrl ? peer : NULL;
		err = acl_add(&acls[base], ace_matches(f, true, device_is_src, family, kind, peer, proto, ctrl),
			      in->v[i].hidden, i, addr) ?:
		      acl_add(&acls[base + 1], ace_matches(f, false, device_is_src, family, kind, peer, proto,
							   ctrl), in->v[i].hidden, i, addr);
	}
	return err;
}

/* ACL names: "mud-<device>-v4fr" with the device name made safe. */
static void slug(const char *name, char *buf, size_t len)
{
	size_t n = 0;

	for (; *name && n + 1 < len && n < 40; name++)
		buf[n++] = isalnum((unsigned char)*name) ? tolower((unsigned char)*name) : '-';
	buf[n] = 0;
	if (!n)
		snprintf(buf, len, "device");
}

static struct json_object *policy_json(const struct acl acls[N_ACL], const char *slugged, int first)
{
	struct json_object *p = json_object_new_object(), *lists = json_object_new_object(),
			   *list = json_object_new_array();
	char name[64];

	for (int a = first; a < N_ACL; a += 2) {
		struct json_object *ref = json_object_new_object();

		if (!acls[a].n) {
			json_object_put(ref);
			continue;
		}
		snprintf(name, sizeof(name), "mud-%s-%s", slugged, acl_suffix[a]);
		json_object_object_add(ref, "name", json_object_new_string(name));
		json_object_array_add(list, ref);
	}
	json_object_object_add(lists, "access-list", list);
	json_object_object_add(p, "access-lists", lists);
	return p;
}

static void last_update(char *buf, size_t len)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");	/* reproducible output */
	time_t now = time(NULL);
	struct tm tm;
	char *end;

	if (sde && *sde) {
		long long v = strtoll(sde, &end, 10);

		if (!*end && v >= 0)
			now = (time_t)v;
	}
	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

/* Why an ACE matches an address, for the administrator who reads it. */
static const char *ace_comment(const struct ace *a)
{
	if (a->group)
		return "a multicast or broadcast address";
	if (a->hidden)
		return "hidden Flow ID (used only while the others were blocked) to an address with no DNS "
		       "name or TLS SNI seen: matched by its address, which may change";
	return "no DNS name or TLS SNI was seen for this address: matched by its address, which may change";
}

static bool any_comment(const struct acl acls[N_ACL])
{
	for (int a = 0; a < N_ACL; a++)
		for (size_t i = 0; i < acls[a].n; i++)
			if (acls[a].v[i].addr)
				return true;
	return false;
}

static struct json_object *mud_json(const struct export_in *in, const struct mud_meta *meta,
				    struct acl acls[N_ACL])
{
	struct json_object *doc = json_object_new_object(), *mud = json_object_new_object(),
			   *top = json_object_new_object(), *list = json_object_new_array();
	char slugged[48], when[40], info[SYSTEMINFO_MAX + 256], name[64];
	size_t n;

	slug(in->device, slugged, sizeof(slugged));
	last_update(when, sizeof(when));
	if (meta->model_name && meta->mfg_name)
		n = (size_t)snprintf(info, sizeof(info), "%s %s, as profiled by iotprof", meta->mfg_name,
				     meta->model_name);
	else if (meta->model_name || meta->mfg_name)
		n = (size_t)snprintf(info, sizeof(info), "%s, as profiled by iotprof",
				     meta->model_name ?: meta->mfg_name);
	else
		n = (size_t)snprintf(info, sizeof(info), "%s, as profiled by iotprof", in->device);
	if (n > SYSTEMINFO_MAX) {	/* cut at a character boundary */
		n = SYSTEMINFO_MAX;
		while (n && ((unsigned char)info[n] & 0xC0) == 0x80)
			n--;
		info[n] = 0;
	}
	json_object_object_add(mud, "mud-version", json_object_new_int(1));
	json_object_object_add(mud, "mud-url", json_object_new_string(meta->url));
	json_object_object_add(mud, "last-update", json_object_new_string(when));
	json_object_object_add(mud, "cache-validity", json_object_new_int(48));
	json_object_object_add(mud, "is-supported", json_object_new_boolean(true));
	json_object_object_add(mud, "systeminfo", json_object_new_string(info));
	if (meta->mfg_name)
		json_object_object_add(mud, "mfg-name", json_object_new_string(meta->mfg_name));
	if (meta->model_name)
		json_object_object_add(mud, "model-name", json_object_new_string(meta->model_name));
	if (meta->documentation)
		json_object_object_add(mud, "documentation", json_object_new_string(meta->documentation));
	if (any_comment(acls)) {
		struct json_object *ext = json_object_new_array();

		json_object_array_add(ext, json_object_new_string(MUD_EXTENSION));
		json_object_object_add(mud, "extensions", ext);
	}
	json_object_object_add(mud, "from-device-policy", policy_json(acls, slugged, ACL_V4FR));
	json_object_object_add(mud, "to-device-policy", policy_json(acls, slugged, ACL_V4TO));
	for (int a = 0; a < N_ACL; a++) {
		struct json_object *acl, *aces, *ace_list;

		if (!acls[a].n)
			continue;
		acl = json_object_new_object();
		aces = json_object_new_object();
		ace_list = json_object_new_array();
		snprintf(name, sizeof(name), "mud-%s-%s", slugged, acl_suffix[a]);
		json_object_object_add(acl, "name", json_object_new_string(name));
		json_object_object_add(acl, "type", json_object_new_string(a < ACL_V6FR ? "ipv4-acl-type" :
									       "ipv6-acl-type"));
		for (size_t i = 0; i < acls[a].n; i++) {
			struct json_object *ace = json_object_new_object(), *actions = json_object_new_object();

			const struct ace *e = &acls[a].v[i];

			/* At most 7 + 6 + 39 + 6 characters: within the 64 of a name. */
			snprintf(name, sizeof(name), "%sfl%zu-%s%s%s", e->hidden ? "hidden-" : "", e->flow,
				 e->addr ?: "", e->addr ? "-" : "", a % 2 ? "todev" : "frdev");
			json_object_object_add(ace, "name", json_object_new_string(name));
			json_object_object_add(ace, "matches", json_object_get(e->matches));
			json_object_object_add(actions, "forwarding", json_object_new_string("accept"));
			json_object_object_add(ace, "actions", actions);
			if (e->addr)
				json_object_object_add(ace, MUD_EXTENSION ":comment",
						       json_object_new_string(ace_comment(e)));
			json_object_array_add(ace_list, ace);
		}
		json_object_object_add(aces, "ace", ace_list);
		json_object_object_add(acl, "aces", aces);
		json_object_array_add(list, acl);
	}
	json_object_object_add(top, "acl", list);
	json_object_object_add(doc, "ietf-mud:mud", mud);
	json_object_object_add(doc, "ietf-access-control-list:acls", top);
	return doc;
}

/* Text the MUD file carries as it is: printable, no control characters
 * (UTF-8 beyond ASCII is fine). */
static bool text_ok(const char *opt, const char *v, bool uri)
{
	bool ok = *v;

	for (const unsigned char *p = (const unsigned char *)v; ok && *p; p++)
		ok = *p >= 0x20 && *p != 0x7f && !(uri && (*p == ' ' || *p >= 0x80));
	if (ok && uri)
		ok = !strncmp(v, "https://", 8) || !strncmp(v, "http://", 7);
	if (!ok)
		pr_warn("export: %s: %s", opt, uri ? "must be an http or https URL without blanks" :
			"must be text without control characters");
	return ok;
}

static bool has_option(int argc, char **argv, const char *opt)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], opt) || (!strncmp(argv[i], opt, strlen(opt)) && argv[i][strlen(opt)] == '='))
			return true;
	return false;
}

int cmd_export(int argc, char **argv, const char *pin_dir)
{
	static const struct option opts[] = {
		{ "mud", no_argument, NULL, 'm' },
		{ "mud-url", required_argument, NULL, 'u' },
		{ "mfg-name", required_argument, NULL, 'M' },
		{ "model-name", required_argument, NULL, 'N' },
		{ "documentation", required_argument, NULL, 'D' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct mud_meta meta = {};
	const char *out = NULL, *url = NULL;
	struct acl acls[N_ACL] = {};
	struct export_in in = {};
	struct json_object *doc = NULL;
	char url_buf[128], slugged[48], *text = NULL;
	size_t left_out = 0, n_aces = 0;
	bool mud = false;
	int c, err;

	if (has_option(argc, argv, "--ipfix"))
		return ipfix_cmd(argc, argv, pin_dir);
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'm': mud = true; break;
		case 'u': url = optarg; break;
		case 'M': meta.mfg_name = optarg; break;
		case 'N': meta.model_name = optarg; break;
		case 'D': meta.documentation = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!mud || argc - optind != 1) {
		pr_warn("export: %s", !mud ? "say which format: --mud or --ipfix" :
			"give one profile ('iotprof merge') or one campaign directory");
		usage(stderr);
		return 2;
	}
	if (url && (strncmp(url, "https://", 8) || !text_ok("--mud-url", url, true))) {
		pr_warn("export: --mud-url must be an https URL (RFC 8520 section 3.4)");
		return 2;
	}
	if ((meta.mfg_name && !text_ok("--mfg-name", meta.mfg_name, false)) ||
	    (meta.model_name && !text_ok("--model-name", meta.model_name, false)) ||
	    (meta.documentation && !text_ok("--documentation", meta.documentation, true)))
		return 2;
	err = load_input(argv[optind], &in);
	if (err)
		goto cleanup;
	if (!in.n_addrs) {
		pr_warn("%s: the device has no address: a MUD file needs to know which end of a Flow ID is the device",
			argv[optind]);
		err = -EINVAL;
		goto cleanup;
	}
	if (!url) {
		slug(in.device, slugged, sizeof(slugged));
		snprintf(url_buf, sizeof(url_buf), "https://mud.invalid/%s.json", slugged);
		url = url_buf;
		pr_warn("warning: export: no --mud-url; the MUD file says %s", url);
	}
	err = build_acls(&in, acls, &left_out);
	if (err)
		goto cleanup;
	meta.url = url;
	doc = mud_json(&in, &meta, acls);
	if (asprintf(&text, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
			JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)) < 0) {
		text = NULL;
		err = -ENOMEM;
		goto cleanup;
	}
	if (out && strcmp(out, "-"))
		err = results_write_file(out, text);
	else if (fputs(text, stdout) < 0 || fflush(stdout))
		err = -EIO;
	for (int a = 0; a < N_ACL; a++)
		n_aces += acls[a].n;
	if (!err && left_out)
		pr_info("export: %zu Flow IDs left out (above)", left_out);
	if (!err)
		pr_info("export: %zu ACEs for %zu Flow IDs of %s", n_aces, in.n - left_out, in.device);
	if (!err && !n_aces)
		pr_warn("warning: export: no Flow ID of the device: this MUD file allows nothing");
cleanup:
	if (err == -ENOMEM)
		pr_warn("export: out of memory");
	for (int a = 0; a < N_ACL; a++) {
		for (size_t i = 0; i < acls[a].n; i++) {
			free(acls[a].v[i].key);
			json_object_put(acls[a].v[i].matches);
		}
		free(acls[a].v);
	}
	json_object_put(doc);
	free(text);
	free(in.v);
	return err ? 1 : 0;
}
