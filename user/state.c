// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addr.h"
#include "state.h"

int settings_read(int fd, struct iotprof_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(fd, &zero, cfg) ? -errno : 0;
}

int settings_write(int fd, const struct iotprof_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(fd, &zero, cfg, BPF_ANY) ? -errno : 0;
}

static int watch_has_mac(int watch_fd)
{
	struct iotprof_watch_key k, next;
	void *prev = NULL;

	while (bpf_map_get_next_key(watch_fd, prev, &next) == 0) {
		if (next.kind == IOTPROF_WATCH_MAC)
			return 1;
		k = next;
		prev = &k;
	}
	return 0;
}

static int sync_mac_flag(int watch_fd, int settings_fd)
{
	struct iotprof_config cfg;
	int err = settings_read(settings_fd, &cfg);

	if (err)
		return err;
	if (watch_has_mac(watch_fd))
		cfg.flags |= IOTPROF_CFG_WATCH_MAC;
	else
		cfg.flags &= ~IOTPROF_CFG_WATCH_MAC;
	return settings_write(settings_fd, &cfg);
}

int watch_add(int watch_fd, int settings_fd, const struct iotprof_watch_key *k)
{
	struct iotprof_watch w = {};

	if (bpf_map_update_elem(watch_fd, k, &w, BPF_ANY))
		return -errno;
	return sync_mac_flag(watch_fd, settings_fd);
}

int watch_del(int watch_fd, int settings_fd, const struct iotprof_watch_key *k)
{
	if (bpf_map_delete_elem(watch_fd, k))
		return -errno;
	return sync_mac_flag(watch_fd, settings_fd);
}

void watch_print(FILE *out, int watch_fd, const struct iotprof_config *cfg)
{
	struct iotprof_watch_key k, next;
	char buf[ADDR_STR_MAX];
	void *prev = NULL;
	int n = 0;

	if (cfg->flags & IOTPROF_CFG_WATCH_ALL)
		fprintf(out, "watching: all hosts\n");
	while (bpf_map_get_next_key(watch_fd, prev, &next) == 0) {
		fprintf(out, "watching: %s\n", addr_format_watch(&next, buf));
		n++;
		k = next;
		prev = &k;
	}
	if (!n && !(cfg->flags & IOTPROF_CFG_WATCH_ALL))
		fprintf(out, "watching: nothing (add hosts with 'iotprof watch add ADDR', or 'iotprof watch all')\n");
}

int stats_read(int fd, __u64 out[IOTPROF_STAT__MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *percpu;

	if (ncpu <= 0)
		return -EINVAL;
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (__u32 i = 0; i < IOTPROF_STAT__MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, percpu))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[i] += percpu[c];
	}
	free(percpu);
	return 0;
}

void stats_print(FILE *out, const __u64 s[IOTPROF_STAT__MAX], __u64 live_flows,
		 __u32 flows_capacity)
{
	static const char *const names[] = IOTPROF_STAT_NAMES;

	for (int i = 0; i < IOTPROF_STAT__MAX; i++)
		fprintf(out, "%-26s %" PRIu64 "\n", names[i], (uint64_t)s[i]);
	fprintf(out, "%-26s %" PRIu64 " of %u\n", "flows_live", (uint64_t)live_flows, flows_capacity);
	fprintf(out, "%-26s %" PRIu64 "\n", "flows_evicted",
		(uint64_t)stats_flows_evicted(s, live_flows));
}

__u64 stats_flows_evicted(const __u64 s[IOTPROF_STAT__MAX], __u64 live_flows)
{
	__u64 created = s[IOTPROF_STAT_FLOW_CREATED];

	/* What was created and is gone was evicted. */
	return created > live_flows ? created - live_flows : 0;
}

struct json_object *stats_json(const __u64 s[IOTPROF_STAT__MAX], __u64 live_flows,
			       __u32 flows_capacity)
{
	static const char *const names[] = IOTPROF_STAT_NAMES;
	struct json_object *o = json_object_new_object(), *c = json_object_new_object();

	json_object_object_add(o, "v", json_object_new_int(1));
	for (int i = 0; i < IOTPROF_STAT__MAX; i++)
		json_object_object_add(c, names[i], json_object_new_int64((int64_t)s[i]));
	json_object_object_add(o, "counters", c);
	json_object_object_add(o, "flows_live", json_object_new_int64((int64_t)live_flows));
	json_object_object_add(o, "flows_capacity", json_object_new_int64(flows_capacity));
	json_object_object_add(o, "flows_evicted",
			       json_object_new_int64((int64_t)stats_flows_evicted(s, live_flows)));
	return o;
}
