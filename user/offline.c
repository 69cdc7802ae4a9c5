// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "offline.h"
#include "pcap_reader.h"
#include "progs.h"

#define ETH_HLEN 14

struct offline_run {
	struct iotprof_bpf *skel;
	int prog_fd;
	__u64 frames;
	__u32 last_verdict;	/* XDP action of the last frame run */
	const char *path;	/* capture being fed, for messages */
};

struct offline_run *offline_open(const struct offline_opts *o)
{
	struct iotprof_config cfg = { .flags = IOTPROF_CFG_WATCH_ALL };
	struct iotprof_watch w = {};
	struct offline_run *r;
	__u32 zero = 0;

	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->skel = progs_open(NULL, o->flows);
	if (!r->skel)
		goto fail;
	/* Offline runs only the XDP program: verifying TC too would double
	 * the start-up time for nothing. */
	bpf_program__set_autoload(r->skel->progs.iotprof_tc_egress, false);
	if (progs_load(r->skel))
		goto fail;
	r->prog_fd = bpf_program__fd(r->skel->progs.iotprof_xdp);

	if (o->watch) {
		cfg.flags = 0;
		for (size_t i = 0; i < o->n_watch; i++) {
			if (o->watch[i].kind == IOTPROF_WATCH_MAC)
				cfg.flags |= IOTPROF_CFG_WATCH_MAC;
			w.device = i;
			if (bpf_map_update_elem(bpf_map__fd(r->skel->maps.watch), &o->watch[i], &w, 0))
				goto fail;
		}
	}
	if (bpf_map_update_elem(bpf_map__fd(r->skel->maps.settings), &zero, &cfg, 0))
		goto fail;
	return r;
fail:
	offline_close(r);
	return NULL;
}

int offline_feed_frame(struct offline_run *r, const void *data, __u32 caplen,
		       __u32 wire_len, __u64 ts_ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = caplen);
	int err;

	r->frames++;
	if (caplen < ETH_HLEN)	/* not even an Ethernet header: nothing to parse */
		return 0;
	r->skel->bss->offline_input.now_ns = ts_ns ? ts_ns : 1;
	r->skel->bss->offline_input.wire_len = wire_len ? wire_len : caplen;
	err = bpf_prog_test_run_opts(r->prog_fd, &opts);
	r->last_verdict = opts.retval;
	if (err) {
		err = -errno;
		pr_warn("%s: packet %llu: BPF_PROG_TEST_RUN failed: %s", r->path ?: "frame",
			(unsigned long long)r->frames, strerror(errno));
	}
	return err;
}

static int feed_one(void *ctx, const struct frame *f)
{
	struct offline_run *r = ctx;

	r->frames = f->number - 1;
	return offline_feed_frame(r, f->data, f->caplen, f->wire_len, f->ts_ns);
}

int offline_feed_pcap(struct offline_run *r, const char *path)
{
	int err;

	r->path = path;
	r->frames = 0;
	err = pcap_for_each_frame(path, feed_one, r);
	r->path = NULL;
	return err;
}

int offline_flows_fd(const struct offline_run *r)
{
	return bpf_map__fd(r->skel->maps.flows);
}

int offline_stats_fd(const struct offline_run *r)
{
	return bpf_map__fd(r->skel->maps.stats);
}

int offline_settings_fd(const struct offline_run *r)
{
	return bpf_map__fd(r->skel->maps.settings);
}

int offline_name_strings_fd(const struct offline_run *r)
{
	return bpf_map__fd(r->skel->maps.name_strings);
}

int offline_names_fd(const struct offline_run *r)
{
	return bpf_map__fd(r->skel->maps.names);
}

__u32 offline_last_verdict(const struct offline_run *r)
{
	return r->last_verdict;
}

int offline_deny_masks_fd(const struct offline_run *r)
{
	return bpf_map__fd(r->skel->maps.deny_masks);
}

int offline_deny_rules_fd(const struct offline_run *r)
{
	return bpf_map__fd(r->skel->maps.deny_rules);
}

int offline_deny_leases_fd(const struct offline_run *r)
{
	return bpf_map__fd(r->skel->maps.deny_leases);
}

int offline_watch_fd(const struct offline_run *r)
{
	return bpf_map__fd(r->skel->maps.watch);
}

int offline_events_fd(const struct offline_run *r)
{
	return bpf_map__fd(r->skel->maps.events);
}

int offline_prog_fd(const struct offline_run *r)
{
	return r->prog_fd;
}

void offline_close(struct offline_run *r)
{
	if (!r)
		return;
	iotprof_bpf__destroy(r->skel);
	free(r);
}
