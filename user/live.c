// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live trace source: experiments on the real network through the maps
 * iotprof-load pinned.  Per experiment the blocked Flow IDs become deny
 * rules with a lease, renewed while the experiment runs and removed when
 * it ends, so a controller that dies fails open.  Per iteration: a new
 * epoch, the trigger, the capture time, the snapshot of that epoch's
 * records, the verification.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "campaign.h"
#include "capture.h"
#include "deny.h"
#include "flows.h"
#include "interact.h"
#include "log.h"
#include "names.h"
#include "pins.h"
#include "state.h"
#include "verify.h"

struct live {
	struct deny_maps dm;
	int flows_fd, settings_fd, strings_fd, names_fd, watch_fd;
	struct iotprof_watch_key added[16];	/* watched by us: unwatched at the end */
	size_t n_added;
	__u32 rules[64];			/* the experiment's deny rules */
	size_t n_rules;
	__u64 lease_ns;
	double last_renew;
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct live *L(struct campaign *c)
{
	return *campaign_source_data(c);
}

static void remove_rules(struct live *l)
{
	for (size_t i = 0; i < l->n_rules; i++) {
		int err = deny_del(&l->dm, l->rules[i]);

		if (err && err != -ENOENT)
			pr_warn("removing deny rule %u failed: %s (its lease ends it)", l->rules[i], strerror(-err));
	}
	l->n_rules = 0;
}

static void live_keepalive(struct campaign *c)
{
	struct live *l = L(c);

	/* A third of the lease: two renewals may fail before the rule lapses. */
	if (mono_s() - l->last_renew < l->lease_ns / 3e9)
		return;
	for (size_t i = 0; i < l->n_rules; i++)
		if (deny_renew(&l->dm, l->rules[i], l->lease_ns, getpid()))
			pr_warn("deny rule %u vanished (removed by someone else?)", l->rules[i]);
	l->last_renew = mono_s();
}

static int live_begin(struct campaign *c, const struct flowid *blocked, size_t n)
{
	struct live *l = L(c);

	if (n > sizeof(l->rules) / sizeof(l->rules[0])) {
		pr_warn("%zu Flow IDs to block: more than %zu", n, sizeof(l->rules) / sizeof(l->rules[0]));
		return -E2BIG;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = flowid_to_json(&blocked[i]);
		struct deny_spec s = {};
		char where[64];
		int id;

		snprintf(where, sizeof(where), "blocked Flow ID %zu", i + 1);
		id = deny_spec_from_flow_json(&s, json_object_to_json_string(o), where);
		json_object_put(o);
		if (!id) {
			s.lease_ns = l->lease_ns;
			id = deny_add(&l->dm, &s);
		}
		if (id < 0) {
			remove_rules(l);
			return id;
		}
		l->rules[l->n_rules++] = id;
		deny_renew(&l->dm, id, l->lease_ns, getpid());	/* owned by us */
	}
	l->last_renew = mono_s();
	return 0;
}

/* save-pcap: a libpcap capture on the experiment's interfaces for the
 * capture time, filtered to the trace's hosts, writing beside the
 * snapshot.  It runs in a child process and is capturing before the
 * trigger.  A capture is a record for people; the Flow IDs come from the
 * maps. */
static pid_t pcap_start(const struct experiment *e, const char *snapshot)
{
	struct capture_opts o = {};
	char path[PATH_MAX + 16], filter[1024] = "";
	int len = 0;
	pid_t pid;

	if (!e->save_pcap || !e->n_interfaces)
		return 0;
	snprintf(path, sizeof(path), "%.*s.pcap", (int)(strlen(snapshot) - strlen(".json.gz")), snapshot);
	for (int i = 0; i < e->n_device_addrs; i++)
		len += snprintf(filter + len, sizeof(filter) - len, "%shost %s", i ? " or " : "", e->device_addrs[i]);
	if (e->phone[0])
		snprintf(filter + len, sizeof(filter) - len, " or host %s", e->phone);
	for (int i = 0; i < e->n_interfaces && i < CAPTURE_IFACES_MAX; i++)
		o.ifaces[o.n_ifaces++] = e->interfaces[i];
	o.filter = filter;
	o.path = path;
	pid = capture_spawn(&o);
	if (pid < 0)
		pr_warn("save-pcap: no capture for this trace (above)");
	return pid > 0 ? pid : 0;
}

static void pcap_stop(pid_t pid)
{
	if (capture_stop(pid))
		pr_warn("save-pcap: the capture of this trace ended with an error (above)");
}

/* The trigger log beside the campaign ("TIME EVENT DEVICE", docs/EVENTS.md):
 * the labels with which `iotprof events train --triggers` pairs the
 * packet sequences of the same run. */
static void trigger_log(struct campaign *c, const struct experiment *e)
{
	char path[PATH_MAX + 32];
	struct timespec ts;
	FILE *f;

	snprintf(path, sizeof(path), "%s/triggers.log", campaign_dir(c));
	clock_gettime(CLOCK_REALTIME, &ts);
	f = fopen(path, "a");
	if (!f) {
		pr_warn("%s: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "%lld.%06ld %s %s\n", (long long)ts.tv_sec, ts.tv_nsec / 1000, e->event, e->device_addrs[0]);
	fclose(f);
}

static int next_epoch(struct live *l, __u32 *epoch)
{
	struct iotprof_config cfg;
	int err = settings_read(l->settings_fd, &cfg);

	if (err)
		return err;
	cfg.epoch++;
	*epoch = cfg.epoch;
	return settings_write(l->settings_fd, &cfg);
}

static int live_iteration(struct campaign *c, int k, const char *snapshot, struct trace_meta *meta,
			  struct flowid_set *ids)
{
	const struct experiment *e = campaign_experiment(c);
	struct live *l = L(c);
	struct flow_table t = {};
	char why[512] = "";
	pid_t capture;
	double t0;
	int err;

	(void)k;
	err = next_epoch(l, &meta->epoch);
	if (err) {
		pr_warn("cannot start a new epoch: %s", strerror(-err));
		return err;
	}
	capture = pcap_start(e, snapshot);
	trigger_log(c, e);
	t0 = mono_s();
	err = interaction_run(&e->interaction, why, sizeof(why));
	if (err)	/* the device may still act; the verification decides */
		pr_warn("iteration %d: the interaction failed: %s", k, why[0] ? why : strerror(-err));
	if (!campaign_sleep(c, e->capture_s - (mono_s() - t0))) {
		pcap_stop(capture);
		return -EINTR;
	}
	pcap_stop(capture);
	err = flows_read_map(l->flows_fd, &t);
	if (err) {
		pr_warn("reading the flow table failed: %s", strerror(-err));
		return err;
	}
	flows_keep_epoch(&t, meta->epoch);
	flows_sort(&t);

	meta->success = true;
	meta->score = 1;
	if (e->verify.kind != VERIFY_NONE) {
		bool ok = false;
		double score = 0;

		why[0] = 0;
		err = verify_run(&e->verify, &ok, &score, why, sizeof(why));
		if (err)
			pr_warn("iteration %d: the verification could not run: %s", k, why[0] ? why : strerror(-err));
		else if (!ok && why[0])
			pr_info("iteration %d: not verified: %s", k, why);
		meta->success = !err && ok;
		meta->score = score;
	}
	err = trace_write(snapshot, meta, &t, l->strings_fd, campaign_hosts(c));
	if (!err)
		err = trace_flowids(&t, l->strings_fd, campaign_hosts(c), ids);
	flows_free(&t);
	return err;
}

static void live_end(struct campaign *c)
{
	remove_rules(L(c));
}

static void live_close(struct campaign *c)
{
	struct live *l = L(c);

	if (!l)
		return;
	remove_rules(l);
	for (size_t i = 0; i < l->n_added; i++)
		watch_del(l->watch_fd, l->settings_fd, &l->added[i]);
	deny_maps_close(&l->dm);
	for (int *fd = &l->flows_fd; fd <= &l->watch_fd; fd++)
		if (*fd >= 0)
			close(*fd);
	free(l);
	*campaign_source_data(c) = NULL;
}

static const struct trace_source live_ops = {
	.name = "live",
	.begin = live_begin,
	.iteration = live_iteration,
	.keepalive = live_keepalive,
	.end = live_end,
	.close = live_close,
};

int live_source_open(struct campaign *c, const struct trace_source **ops)
{
	const struct experiment *e = campaign_experiment(c);
	const struct trace_hosts *h = campaign_hosts(c);
	const char *dir = e->pin_dir[0] ? e->pin_dir : IOTPROF_PIN_DIR_DEFAULT;
	struct live *l = calloc(1, sizeof(*l));
	int err = 0;

	if (!l)
		return -ENOMEM;
	*campaign_source_data(c) = l;
	*ops = &live_ops;
	l->flows_fd = l->settings_fd = l->strings_fd = l->names_fd = l->watch_fd = -1;
	l->lease_ns = (__u64)(e->lease_s * 1e9);
	if ((l->flows_fd = pins_open_map(dir, IOTPROF_MAP_FLOWS, true)) < 0 ||
	    (l->settings_fd = pins_open_map(dir, IOTPROF_MAP_SETTINGS, true)) < 0 ||
	    (l->strings_fd = pins_open_map(dir, IOTPROF_MAP_NAME_STRINGS, true)) < 0 ||
	    (l->names_fd = pins_open_map(dir, IOTPROF_MAP_NAMES, true)) < 0 ||
	    (l->watch_fd = pins_open_map(dir, IOTPROF_MAP_WATCH, true)) < 0 ||
	    deny_maps_open(dir, &l->dm)) {
		err = -ENOENT;
		goto fail;
	}
	if (e->dns_cache[0]) {
		struct names_import_result res;

		err = names_import(e->dns_cache, l->names_fd, l->strings_fd, &res);
		if (err)
			goto fail;
	}
	for (size_t i = 0; i < h->n; i++) {
		struct iotprof_watch w;

		if (!bpf_map_lookup_elem(l->watch_fd, &h->v[i], &w))
			continue;	/* watched already: not ours to unwatch */
		err = watch_add(l->watch_fd, l->settings_fd, &h->v[i]);
		if (err) {
			pr_warn("cannot watch the device: %s", strerror(-err));
			goto fail;
		}
		l->added[l->n_added++] = h->v[i];
	}
	return 0;
fail:
	live_close(c);
	return err ?: -EINVAL;
}
