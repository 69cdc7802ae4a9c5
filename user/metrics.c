// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "addr.h"
#include "deny.h"
#include "flows.h"
#include "metrics.h"
#include "pins.h"
#include "state.h"
#include "version.h"

void metrics_label_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)in; *p && o + 5 < len; p++) {
		if (*p == '\\' || *p == '"')
			o += snprintf(out + o, len - o, "\\%c", *p);
		else if (*p == '\n')
			o += snprintf(out + o, len - o, "\\n");
		else if (*p < 0x20 || *p >= 0x7f)
			o += snprintf(out + o, len - o, "\\\\x%02x", *p);
		else
			out[o++] = *p;
	}
	out[o] = 0;
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(FILE *out, const char *name, const char *labels, __u64 v)
{
	fprintf(out, "%s%s%s%s %" PRIu64 "\n", name, labels ? "{" : "", labels ?: "", labels ? "}" : "",
		(uint64_t)v);
}

/* What each kernel counter means, in the order of IOTPROF_STAT_NAMES. */
static const char *const stat_help[IOTPROF_STAT__MAX] = {
	"Packets the kernel programs saw.",
	"Packets counted to a flow record.",
	"IP packets of hosts that are not watched.",
	"Packets that are not IP (ARP, LLDP, ...).",
	"Packets whose headers were cut short: nothing recorded.",
	"Packets with impossible header values.",
	"IP fragments seen.",
	"Later fragments that came before their first.",
	"Flow records created.",
	"Flow records that could not be inserted.",
	"Forwarded packets the TC egress program skipped (counted at XDP).",
	"Packets whose application data was parsed.",
	"Packets that looked like an application protocol and were not valid.",
	"Application values cut at their maximum.",
	"Address to host name links written.",
	"Packets dropped by deny rules.",
	"Matches of deny rules whose lease had run out (passed).",
	"Packet records the events ring buffer could not take.",
};

static void kernel_counters(FILE *out, const __u64 s[IOTPROF_STAT__MAX], __u64 live, __u32 capacity)
{
	static const char *const names[] = IOTPROF_STAT_NAMES;
	char name[96];

	for (int i = 0; i < IOTPROF_STAT__MAX; i++) {
		snprintf(name, sizeof(name), "iotprof_%s_total", names[i]);
		family(out, name, "counter", stat_help[i]);
		sample(out, name, NULL, s[i]);
	}
	family(out, "iotprof_flows", "gauge", "Flow records in the table.");
	sample(out, "iotprof_flows", NULL, live);
	family(out, "iotprof_flows_capacity", "gauge", "Size of the flow table.");
	sample(out, "iotprof_flows_capacity", NULL, capacity);
	family(out, "iotprof_flows_evicted_total", "counter",
	       "Flow records created that are gone from the table (LRU eviction).");
	sample(out, "iotprof_flows_evicted_total", NULL, stats_flows_evicted(s, live));
}

struct host_sum {
	struct iotprof_watch_key key;
	__u64 packets[2], bytes[2], flows;	/* [0] sent by the host, [1] received */
};

/* Packets and bytes of the records in the table, per direction and per
 * watched host (a host's records: it is one of the two ends). */
static void flow_sums(FILE *out, const struct flow_table *t, struct host_sum *h, size_t n_hosts)
{
	__u64 packets[2] = {}, bytes[2] = {};
	char labels[128], addr[ADDR_STR_MAX];

	for (size_t i = 0; i < t->n; i++) {
		const struct flow_entry *e = &t->v[i];
		bool lo_first = e->val.initiator == IOTPROF_SIDE_LO;

		for (int d = 0; d < 2; d++) {
			packets[d] += e->val.packets[d];
			bytes[d] += e->val.bytes[d];
		}
		for (size_t k = 0; k < n_hosts; k++) {
			size_t len = h[k].key.kind == IOTPROF_WATCH_IPV4 ? 4 : 16;
			bool lo = !memcmp(e->key.addr_lo, h[k].key.addr, len);
			bool hi = !memcmp(e->key.addr_hi, h[k].key.addr, len);
			int as_initiator;

			if (h[k].key.kind == IOTPROF_WATCH_MAC || e->key.family != h[k].key.kind || (!lo && !hi))
				continue;
			/* [0] of the record is what its initiator sent. */
			as_initiator = (lo && lo_first) || (hi && !lo_first);
			h[k].packets[0] += e->val.packets[as_initiator ? 0 : 1];
			h[k].packets[1] += e->val.packets[as_initiator ? 1 : 0];
			h[k].bytes[0] += e->val.bytes[as_initiator ? 0 : 1];
			h[k].bytes[1] += e->val.bytes[as_initiator ? 1 : 0];
			h[k].flows++;
		}
	}
	family(out, "iotprof_table_packets", "gauge",
	       "Packets of the records in the table, by direction (forward: the initiator's).");
	sample(out, "iotprof_table_packets", "direction=\"forward\"", packets[0]);
	sample(out, "iotprof_table_packets", "direction=\"reverse\"", packets[1]);
	family(out, "iotprof_table_bytes", "gauge", "Frame bytes of the records in the table, by direction.");
	sample(out, "iotprof_table_bytes", "direction=\"forward\"", bytes[0]);
	sample(out, "iotprof_table_bytes", "direction=\"reverse\"", bytes[1]);
	if (!n_hosts)
		return;
	family(out, "iotprof_host_packets", "gauge", "Packets of a watched host's records in the table.");
	for (size_t k = 0; k < n_hosts; k++) {
		if (h[k].key.kind == IOTPROF_WATCH_MAC)
			continue;
		addr_format_watch(&h[k].key, addr);
		snprintf(labels, sizeof(labels), "host=\"%s\",direction=\"sent\"", addr);
		sample(out, "iotprof_host_packets", labels, h[k].packets[0]);
		snprintf(labels, sizeof(labels), "host=\"%s\",direction=\"received\"", addr);
		sample(out, "iotprof_host_packets", labels, h[k].packets[1]);
	}
	family(out, "iotprof_host_bytes", "gauge", "Frame bytes of a watched host's records in the table.");
	for (size_t k = 0; k < n_hosts; k++) {
		if (h[k].key.kind == IOTPROF_WATCH_MAC)
			continue;
		addr_format_watch(&h[k].key, addr);
		snprintf(labels, sizeof(labels), "host=\"%s\",direction=\"sent\"", addr);
		sample(out, "iotprof_host_bytes", labels, h[k].bytes[0]);
		snprintf(labels, sizeof(labels), "host=\"%s\",direction=\"received\"", addr);
		sample(out, "iotprof_host_bytes", labels, h[k].bytes[1]);
	}
	family(out, "iotprof_host_flows", "gauge", "Records in the table that a watched host is an end of.");
	for (size_t k = 0; k < n_hosts; k++) {
		if (h[k].key.kind == IOTPROF_WATCH_MAC)
			continue;
		addr_format_watch(&h[k].key, addr);
		snprintf(labels, sizeof(labels), "host=\"%s\"", addr);
		sample(out, "iotprof_host_flows", labels, h[k].flows);
	}
}

static size_t watched_hosts(int watch_fd, struct host_sum **out)
{
	struct iotprof_watch_key k, next;
	struct host_sum *h = NULL;
	void *prev = NULL;
	size_t n = 0;

	while (bpf_map_get_next_key(watch_fd, prev, &next) == 0 && n < IOTPROF_WATCH_ENTRIES) {
		struct host_sum *grown = realloc(h, (n + 1) * sizeof(*h));

		if (!grown)
			break;
		h = grown;
		memset(&h[n], 0, sizeof(h[n]));
		h[n++].key = next;
		k = next;
		prev = &k;
	}
	*out = h;
	return n;
}

/* The deny rules' counters, read from `deny list --json`'s lines: one
 * reader of the rules. */
static void deny_counters(FILE *out, const char *pin_dir)
{
	struct deny_maps dm;
	char *text = NULL, *line, *save = NULL, labels[48];
	size_t len = 0;
	FILE *m;
	struct json_object *rules[3] = { json_object_new_array(), json_object_new_array(),
					  json_object_new_array() };
	static const char *const names[] = { "iotprof_deny_rule_packets_total",
					     "iotprof_deny_rule_bytes_total", "iotprof_deny_rule_lease_seconds" };
	static const char *const types[] = { "counter", "counter", "gauge" };
	static const char *const help[] = { "Packets a deny rule dropped.", "Frame bytes a deny rule dropped.",
					    "Seconds left of a deny rule's lease (0: expired; none: no lease)." };

	if (deny_maps_open(pin_dir, &dm))
		goto out;
	m = open_memstream(&text, &len);
	if (m) {
		deny_print(m, &dm, true);
		fclose(m);
	}
	deny_maps_close(&dm);
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line);

		if (o)
			json_object_array_add(rules[0], o);
	}
	for (int k = 0; k < 3; k++) {
		family(out, names[k], types[k], help[k]);
		for (size_t i = 0; i < json_object_array_length(rules[0]); i++) {
			struct json_object *r = json_object_array_get_idx(rules[0], i);
			struct json_object *v = json_object_object_get(r, k == 0 ? "packets" : k == 1 ? "bytes" :
								       "lease_s");

			if (!v)
				continue;	/* a rule without a lease */
			snprintf(labels, sizeof(labels), "rule=\"%" PRId64 "\"",
				 json_object_get_int64(json_object_object_get(r, "id")));
			sample(out, names[k], labels, (__u64)json_object_get_int64(v));
		}
	}
out:
	free(text);
	for (int k = 0; k < 3; k++)
		json_object_put(rules[k]);
}

/* A campaign's progress, from its checkpoint (docs/CAMPAIGN.md). */
static void campaign(FILE *out, const char *dir, bool first)
{
	char path[PATH_MAX], copy[PATH_MAX], name[256], labels[300];
	struct json_object *o, *done, *cur, *traces;
	size_t n_exp[3] = {};
	static const char *const status[3] = { "expanded", "failed", "not-recorded" };

	snprintf(copy, sizeof(copy), "%s", dir);
	metrics_label_escape(basename(copy), name, sizeof(name));
	snprintf(path, sizeof(path), "%s/state.json", dir);
	o = json_object_from_file(path);
	if (first) {
		family(out, "iotprof_campaign_up", "gauge", "1 when the campaign's checkpoint could be read.");
		family(out, "iotprof_campaign_running", "gauge", "1 while the campaign runs (its checkpoint says so).");
		family(out, "iotprof_campaign_experiments", "gauge", "Finished experiments (tree nodes), by status.");
		family(out, "iotprof_campaign_iteration", "gauge",
		       "Iterations done of the experiment in progress.");
		family(out, "iotprof_campaign_wall_seconds", "gauge", "Wall time the campaign has run.");
	}
	snprintf(labels, sizeof(labels), "campaign=\"%s\"", name);
	if (!o || !json_object_object_get_ex(o, "experiments", &done) ||
	    !json_object_is_type(done, json_type_array)) {
		sample(out, "iotprof_campaign_up", labels, 0);
		json_object_put(o);
		return;
	}
	sample(out, "iotprof_campaign_up", labels, 1);
	sample(out, "iotprof_campaign_running", labels,
	       !strcmp(json_object_get_string(json_object_object_get(o, "status")) ?: "", "running"));
	for (size_t i = 0; i < json_object_array_length(done); i++) {
		const char *st = json_object_get_string(json_object_object_get(
			json_object_array_get_idx(done, i), "status")) ?: "";

		for (int s = 0; s < 3; s++)
			n_exp[s] += !strcmp(st, status[s]);
	}
	for (int s = 0; s < 3; s++) {
		snprintf(labels, sizeof(labels), "campaign=\"%s\",status=\"%s\"", name, status[s]);
		sample(out, "iotprof_campaign_experiments", labels, n_exp[s]);
	}
	snprintf(labels, sizeof(labels), "campaign=\"%s\"", name);
	cur = json_object_object_get(o, "current");
	traces = cur ? json_object_object_get(cur, "traces") : NULL;
	sample(out, "iotprof_campaign_iteration", labels,
	       json_object_is_type(traces, json_type_array) ? json_object_array_length(traces) : 0);
	sample(out, "iotprof_campaign_wall_seconds", labels,
	       (__u64)json_object_get_double(json_object_object_get(o, "wall_s")));
	json_object_put(o);
}

int metrics_write(FILE *out, const struct metrics_opts *o)
{
	int sfd = pins_open_map(o->pin_dir, IOTPROF_MAP_STATS, false);
	int ffd = pins_open_map(o->pin_dir, IOTPROF_MAP_FLOWS, false);
	int wfd = pins_open_map(o->pin_dir, IOTPROF_MAP_WATCH, false);
	int cfd = pins_open_map(o->pin_dir, IOTPROF_MAP_SETTINGS, false);
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	__u64 s[IOTPROF_STAT__MAX];
	struct flow_table t = {};
	struct iotprof_config cfg;
	struct host_sum *hosts = NULL;
	size_t n_hosts = 0;
	char labels[64];
	bool up = sfd >= 0 && ffd >= 0 && wfd >= 0 && cfd >= 0 && !stats_read(sfd, s) &&
		  !flows_read_map(ffd, &t) && !bpf_obj_get_info_by_fd(ffd, &info, &info_len) &&
		  !settings_read(cfd, &cfg);

	family(out, "iotprof_build_info", "gauge", "The iotprof that wrote these metrics.");
	snprintf(labels, sizeof(labels), "version=\"%.40s\"", iotprof_version());
	sample(out, "iotprof_build_info", labels, 1);
	family(out, "iotprof_up", "gauge", "1 when iotprof is loaded (its maps are pinned) and could be read.");
	sample(out, "iotprof_up", NULL, up);
	if (up) {
		kernel_counters(out, s, t.n, info.max_entries);
		family(out, "iotprof_epoch", "gauge", "The trace epoch.");
		sample(out, "iotprof_epoch", NULL, cfg.epoch);
		n_hosts = watched_hosts(wfd, &hosts);
		family(out, "iotprof_watched_hosts", "gauge", "Entries of the watch list.");
		sample(out, "iotprof_watched_hosts", NULL, n_hosts);
		family(out, "iotprof_watch_all", "gauge", "1 when every host is watched.");
		sample(out, "iotprof_watch_all", NULL, !!(cfg.flags & IOTPROF_CFG_WATCH_ALL));
		flow_sums(out, &t, hosts, n_hosts);
		deny_counters(out, o->pin_dir);
	}
	for (int i = 0; i < o->n_campaigns; i++)
		campaign(out, o->campaigns[i], i == 0);
	free(hosts);
	flows_free(&t);
	if (sfd >= 0)
		close(sfd);
	if (ffd >= 0)
		close(ffd);
	if (wfd >= 0)
		close(wfd);
	if (cfd >= 0)
		close(cfd);
	return ferror(out) ? -EIO : 0;
}
