// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include <zlib.h>
#include "addr.h"
#include "app_json.h"
#include "log.h"
#include "names.h"
#include "offline.h"
#include "output.h"
#include "state.h"
#include "trace.h"

int trace_hosts_add(struct trace_hosts *h, const char *addr)
{
	if (h->n == sizeof(h->v) / sizeof(h->v[0]))
		return -E2BIG;
	if (addr_parse_watch(addr, &h->v[h->n]) || h->v[h->n].kind == IOTPROF_WATCH_MAC) {
		pr_warn("'%s' is not an IPv4 or IPv6 address", addr);
		return -EINVAL;
	}
	h->n++;
	return 0;
}

static bool host_is(const struct trace_hosts *h, const __u8 *addr, __u8 family)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].kind == family && !memcmp(h->v[i].addr, addr, family == 4 ? 4 : 16))
			return true;
	return false;
}

static bool concerns(const struct trace_hosts *h, const struct flow_entry *e)
{
	return !h || !h->n || host_is(h, e->key.addr_lo, e->key.family) ||
	       host_is(h, e->key.addr_hi, e->key.family);
}

/* The home's LAN: the /24 (IPv4) or /64 (IPv6) of the trace's hosts.  Its
 * addresses stay addresses in Flow IDs; beyond it, names replace them.
 * (Private ranges are not "local" by themselves: a cloud, a provider's
 * CGNAT or a lab may use them too.) */
static bool in_lan(const struct trace_hosts *h, const __u8 *addr, __u8 family)
{
	for (size_t i = 0; h && i < h->n; i++) {
		if (h->v[i].kind != family)
			continue;
		if (family == 4 ? !memcmp(h->v[i].addr, addr, 3) : !memcmp(h->v[i].addr, addr, 8))
			return true;
	}
	return false;
}

/* Always addresses: loopback, link-local, multicast and broadcast. */
static bool never_named(const __u8 *a, __u8 family)
{
	if (family == 4)
		return a[0] == 127 || (a[0] == 169 && a[1] == 254) || a[0] >= 224;
	return a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
	       !memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16);
}

/* The name for an address: its host name when it lies beyond the LAN and
 * one is known.  Without hosts (n = 0) the private ranges are the LAN. */
static void host_of(const __u8 *addr, __u8 family, __u32 name_id, int strings_fd, const struct trace_hosts *h,
		    char *out, size_t len)
{
	struct iotprof_name_string s = {};
	char a[ADDR_STR_MAX];
	bool local;

	addr_format(addr, family, a);
	local = never_named(addr, family) || (h && h->n ? in_lan(h, addr, family) : flowid_address_is_local(a));
	if (!local && name_id && !bpf_map_lookup_elem(strings_fd, &name_id, &s)) {
		s.name[sizeof(s.name) - 1] = 0;
		snprintf(out, len, "%s", s.name);
	} else {
		snprintf(out, len, "%s", a);
	}
}

#define TCP_SYN 0x02

/* Who the Flow ID names as its source.  The paper's source is the sender
 * of the flow's first packet once the control plane is filtered out: the
 * kernel keeps who sent the first data-plane packet (data_side).  Keeping
 * the control plane, the handshake's client is the source (the kernel's
 * initiator); a TCP record without a handshake began mid-connection (the
 * capture or iotprof started late), where the first packet seen may be
 * the server's: the lower port is then the server's, as service ports
 * are.  *flipped: the source is the record's responder. */
static bool source_is_lo(const struct flow_entry *e, const struct trace_hosts *h, bool *flipped)
{
	bool init_lo = e->val.initiator == IOTPROF_SIDE_LO, lo = init_lo;

	if (!(h && h->keep_control) && (e->val.flags & IOTPROF_FLOW_F_DATA))
		lo = e->val.data_side == IOTPROF_SIDE_LO;
	else if (e->key.proto == 6 && !(e->val.flags & IOTPROF_FLOW_F_HANDSHAKE) &&
		 e->key.port_lo != e->key.port_hi && lo != (e->key.port_hi < e->key.port_lo))
		lo = !lo;
	*flipped = lo != init_lo;
	return lo;
}

/* Both ports in {a, b}: DHCP (67/68) or DHCPv6 (546/547), and relays. */
static bool ports_within(const struct flow_entry *e, __u16 a, __u16 b)
{
	return (e->key.port_lo == a || e->key.port_lo == b) && (e->key.port_hi == a || e->key.port_hi == b);
}

/* The control plane of the paper's section III-B: ICMP and ICMPv6
 * (neighbour discovery included) and every other protocol without ports
 * (IGMP, ...), DHCP and DHCPv6, and TCP records that carried no data-plane
 * packet (handshakes, bare acknowledgements, TLS handshakes without SNI:
 * the kernel's IOTPROF_FLOW_F_DATA).  ARP never makes a record. */
static bool control_plane(const struct flow_entry *e)
{
	switch (e->key.proto) {
	case 6:
		return !(e->val.flags & IOTPROF_FLOW_F_DATA);
	case 17:
		return e->key.family == 4 ? ports_within(e, 67, 68) : ports_within(e, 546, 547);
	default:
		return true;
	}
}

/* An HTTP URI with a query is its path and "*": the query carries
 * per-request values (tokens, sequence numbers), so the Forest authors'
 * extractor keeps the path as a prefix, and so does a deny rule. */
static void http_uri_of(const char *uri, char *out, size_t len)
{
	size_t path = strcspn(uri, "?");

	if (!uri[path])
		snprintf(out, len, "%s", uri);
	else
		snprintf(out, len, "%.*s*", (int)(path < len - 2 ? path : len - 2), uri);
}

/* The port rule compares traces, repetitions of the event; a port that
 * recurs because one socket outlived them is one observation, not a fixed
 * port.  So, on the client's side (the TCP handshake's client, else the
 * end of the higher port as servers listen on low ones; for UDP the sender
 * of the first packet):
 *  - a TCP connection open before the trace began (no SYN in it) gives no
 *    evidence for its client's port;
 *  - a port in the ephemeral range is a socket's (h->client_port_lo-hi).
 * fwd: the Flow ID's source is the key's lo end. */
static void client_port_rules(const struct flow_entry *e, const struct trace_hosts *h, bool fwd, struct flowid *f)
{
	bool client_lo, no_evidence;
	int *port;

	if (e->key.proto == 6) {
		if (e->val.flags & IOTPROF_FLOW_F_HANDSHAKE || e->key.port_lo == e->key.port_hi)
			client_lo = e->val.initiator == IOTPROF_SIDE_LO;
		else
			client_lo = e->key.port_lo > e->key.port_hi;
		no_evidence = !((e->val.tcp_flags[0] | e->val.tcp_flags[1]) & TCP_SYN);
	} else if (e->key.proto == 17) {
		client_lo = e->val.initiator == IOTPROF_SIDE_LO;
		no_evidence = false;
	} else {
		return;
	}
	port = client_lo == fwd ? &f->sport : &f->dport;
	if (no_evidence || (h && h->client_port_hi && *port >= h->client_port_lo && *port <= h->client_port_hi))
		*port = FLOWID_PORT_ANY;
}

static void flowid_of_entry(const struct flow_entry *e, int strings_fd, const struct trace_hosts *h,
			    struct flowid *f)
{
	static const char *const coap_types[] = { "CON", "NON", "ACK", "RST" };
	bool flipped, fwd = source_is_lo(e, h, &flipped);
	const struct iotprof_app *a = &e->val.app;
	char pbuf[8], tbuf[12];

	memset(f, 0, sizeof(*f));
	f->sport = f->dport = FLOWID_PORT_ANY;
	host_of(fwd ? e->key.addr_lo : e->key.addr_hi, e->key.family, e->val.name_id[flipped], strings_fd, h,
		f->src, sizeof(f->src));
	host_of(fwd ? e->key.addr_hi : e->key.addr_lo, e->key.family, e->val.name_id[!flipped], strings_fd, h,
		f->dst, sizeof(f->dst));
	snprintf(f->proto, sizeof(f->proto), "%s", proto_name(e->key.proto, pbuf));
	if (e->key.proto == 6 || e->key.proto == 17) {
		f->sport = fwd ? e->key.port_lo : e->key.port_hi;
		f->dport = fwd ? e->key.port_hi : e->key.port_lo;
	}
	client_port_rules(e, h, fwd, f);
	switch (a->kind) {
	case IOTPROF_APP_DNS:
		f->app_kind = a->kind;
		snprintf(f->app_a, sizeof(f->app_a), "%s", a->dns.qname);
		snprintf(f->app_b, sizeof(f->app_b), "%s", dns_type_name(a->dns.qtype, tbuf));
		break;
	case IOTPROF_APP_HTTP:
		f->app_kind = a->kind;
		snprintf(f->app_a, sizeof(f->app_a), "%s", a->http.method);
		http_uri_of(a->http.uri, f->app_b, sizeof(f->app_b));
		break;
	case IOTPROF_APP_COAP:
		f->app_kind = a->kind;
		snprintf(f->app_a, sizeof(f->app_a), "%s", coap_types[a->coap.type & 3]);
		snprintf(f->app_b, sizeof(f->app_b), "%u.%02u", a->coap.code >> 5, a->coap.code & 31);
		snprintf(f->app_c, sizeof(f->app_c), "%s", a->coap.uri[0] ? a->coap.uri : "/");
		break;
	default:	/* TLS names the server; it is no match field */
		break;
	}
}

/* Is the record one of the trace's Flow IDs? */
static bool record_is_flowid(const struct flow_entry *e, const struct trace_hosts *h)
{
	if (!concerns(h, e))
		return false;
	/* A DNS message's further questions have records of their own that
	 * no packet counts to: the Flow ID holds the first question only. */
	if (e->val.app.kind == IOTPROF_APP_DNS && !e->val.packets[0] && !e->val.packets[1])
		return false;
	return (h && h->keep_control) || !control_plane(e);
}

int trace_flowids(const struct flow_table *t, int strings_fd, const struct trace_hosts *h,
		  struct flowid_set *out)
{
	for (size_t i = 0; i < t->n; i++) {
		struct flowid f;

		if (!record_is_flowid(&t->v[i], h))
			continue;
		flowid_of_entry(&t->v[i], strings_fd, h, &f);
		if (flowid_set_add(out, &f))
			return -ENOMEM;
	}
	return 0;
}

int trace_of_pcap(struct offline_run *r, __u32 *epoch, const char *pcap, struct flow_table *t)
{
	struct iotprof_config cfg;
	int err;

	memset(t, 0, sizeof(*t));
	err = settings_read(offline_settings_fd(r), &cfg);
	if (!err) {
		cfg.epoch = ++*epoch;
		err = settings_write(offline_settings_fd(r), &cfg);
	}
	if (!err)
		err = offline_feed_pcap(r, pcap);
	if (!err)
		err = flows_read_map(offline_flows_fd(r), t);
	if (err) {
		flows_free(t);
		return err;
	}
	flows_keep_epoch(t, *epoch);
	flows_sort(t);		/* the first packet's order: stable output */
	return 0;
}

int trace_flowids_of_pcaps(char *const *pcaps, size_t n, const struct trace_hosts *h, const char *dns_cache,
			   struct flowid_set *out)
{
	struct offline_opts o = { .watch = h && h->n ? h->v : NULL, .n_watch = h ? h->n : 0 };
	struct offline_run *r = offline_open(&o);
	__u32 epoch = 0;
	int err = 0;

	if (!r)
		return -EINVAL;
	if (dns_cache) {
		struct names_import_result res;

		err = names_import(dns_cache, offline_names_fd(r), offline_name_strings_fd(r), &res);
	}
	for (size_t i = 0; i < n && !err; i++) {
		struct flow_table t;

		err = trace_of_pcap(r, &epoch, pcaps[i], &t);
		if (!err)
			err = trace_flowids(&t, offline_name_strings_fd(r), h, &out[i]);
		flows_free(&t);
	}
	offline_close(r);
	return err;
}

static struct json_object *pair(__u64 a, __u64 b)
{
	struct json_object *v = json_object_new_array_ext(2);

	json_object_array_add(v, json_object_new_int64((int64_t)a));
	json_object_array_add(v, json_object_new_int64((int64_t)b));
	return v;
}

static struct json_object *record_json(const struct flow_entry *e, int strings_fd, const struct trace_hosts *h)
{
	struct json_object *o = json_object_new_object();
	bool flipped, fwd = source_is_lo(e, h, &flipped);
	char a[ADDR_STR_MAX], b[ADDR_STR_MAX];
	struct flowid f;

	flowid_of_entry(e, strings_fd, h, &f);
	addr_format(fwd ? e->key.addr_lo : e->key.addr_hi, e->key.family, a);
	addr_format(fwd ? e->key.addr_hi : e->key.addr_lo, e->key.family, b);
	json_object_object_add(o, "flow", flowid_to_json(&f));
	/* Control-plane records, further DNS questions: kept, but no Flow ID. */
	json_object_object_add(o, "flowid", json_object_new_boolean(record_is_flowid(e, h)));
	json_object_object_add(o, "addrs", json_object_new_array_ext(2));
	json_object_array_add(json_object_object_get(o, "addrs"), json_object_new_string(a));
	json_object_array_add(json_object_object_get(o, "addrs"), json_object_new_string(b));
	json_object_object_add(o, "packets", pair(e->val.packets[flipped], e->val.packets[!flipped]));
	json_object_object_add(o, "bytes", pair(e->val.bytes[flipped], e->val.bytes[!flipped]));
	json_object_object_add(o, "blocked", json_object_new_int64((int64_t)e->val.blocked));
	json_object_object_add(o, "first_ns", json_object_new_int64((int64_t)e->val.first_ns));
	json_object_object_add(o, "last_ns", json_object_new_int64((int64_t)e->val.last_ns));
	json_object_object_add(o, "app", app_to_json(&e->val.app));
	return o;
}

int trace_write(const char *path, const struct trace_meta *m, const struct flow_table *t,
		int strings_fd, const struct trace_hosts *h)
{
	struct json_object *o = json_object_new_object(), *flows = json_object_new_array();
	char tmp[4096];
	const char *text;
	gzFile gz;
	int err = 0;

	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "node", json_object_new_int(m->node));
	json_object_object_add(o, "iteration", json_object_new_int(m->iteration));
	json_object_object_add(o, "epoch", json_object_new_int64(m->epoch));
	json_object_object_add(o, "started", json_object_new_double(m->started));
	json_object_object_add(o, "success", json_object_new_boolean(m->success));
	json_object_object_add(o, "score", json_object_new_double(m->score));
	for (size_t i = 0; i < t->n; i++)
		if (concerns(h, &t->v[i]))
			json_object_array_add(flows, record_json(&t->v[i], strings_fd, h));
	json_object_object_add(o, "flows", flows);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	gz = gzopen(tmp, "wb6");
	if (!gz) {
		err = -errno ?: -EIO;
		pr_warn("%s: %s", tmp, strerror(-err));
		goto out;
	}
	if (gzputs(gz, text) < 0 || gzputs(gz, "\n") < 0)
		err = -EIO;
	if (gzclose(gz) != Z_OK)
		err = -EIO;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		pr_warn("%s: writing the snapshot failed: %s", path, strerror(-err));
		unlink(tmp);
	}
out:
	json_object_put(o);
	return err;
}

static char *gz_slurp(const char *path)
{
	gzFile gz = gzopen(path, "rb");
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	int n;

	if (!gz || !buf) {
		if (gz)
			gzclose(gz);
		free(buf);
		return NULL;
	}
	while ((n = gzread(gz, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *more = realloc(buf, cap *= 2);

			if (!more) {
				n = -1;
				break;
			}
			buf = more;
		}
	}
	gzclose(gz);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = 0;
	return buf;
}

int trace_read(const char *path, struct trace_meta *m, struct flowid_set *out)
{
	struct json_object *o, *v, *flows;
	char *text = gz_slurp(path);
	char where[4200];
	int err = 0;

	if (!text) {
		pr_warn("%s: cannot read the snapshot: %s", path, strerror(errno ?: EIO));
		return -EIO;
	}
	o = json_tokener_parse(text);
	free(text);
	if (!o || !json_object_object_get_ex(o, "flows", &flows) ||
	    !json_object_is_type(flows, json_type_array)) {
		pr_warn("%s: not an iotprof snapshot (JSON with a \"flows\" list)", path);
		json_object_put(o);
		return -EINVAL;
	}
	memset(m, 0, sizeof(*m));
	if (json_object_object_get_ex(o, "node", &v))
		m->node = json_object_get_int(v);
	if (json_object_object_get_ex(o, "iteration", &v))
		m->iteration = json_object_get_int(v);
	if (json_object_object_get_ex(o, "epoch", &v))
		m->epoch = (__u32)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "started", &v))
		m->started = json_object_get_double(v);
	if (json_object_object_get_ex(o, "success", &v))
		m->success = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "score", &v))
		m->score = json_object_get_double(v);
	for (size_t i = 0; i < json_object_array_length(flows) && !err; i++) {
		struct json_object *rec = json_object_array_get_idx(flows, i), *fo, *is;
		struct flowid f;

		snprintf(where, sizeof(where), "%s: flow %zu", path, i + 1);
		if (!json_object_object_get_ex(rec, "flow", &fo)) {
			pr_warn("%s: no \"flow\" member", where);
			err = -EINVAL;
			break;
		}
		err = flowid_from_json(fo, &f, where);
		if (json_object_object_get_ex(rec, "flowid", &is) && !json_object_get_boolean(is))
			continue;
		if (!err && flowid_set_add(out, &f))
			err = -ENOMEM;
	}
	json_object_put(o);
	return err;
}
