// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "events_source.h"
#include "log.h"
#include "offline.h"
#include "pcap_reader.h"
#include "state.h"

void ev_packet_from_kernel(const struct iotprof_event *e, __u32 device, __u64 ts_ns,
			   struct ev_packet *p)
{
	memset(p, 0, sizeof(*p));
	p->ts_ns = ts_ns;
	p->device = device;
	p->len = e->wire_len;
	p->dir = e->dir;
	p->proto = e->proto;
	p->family = e->family;
	p->peer_port = e->peer_port;
	p->device_port = e->device_port;
	memcpy(p->peer, e->peer, 16);
}

struct offline_ctx {
	struct offline_run *run;
	struct ring_buffer *rb;
	size_t n_devices;
	ev_packet_fn fn;
	void *ctx;
};

static int on_record(void *ctx, void *data, size_t size)
{
	const struct iotprof_event *e = data;
	struct offline_ctx *c = ctx;
	struct ev_packet p;

	if (size < sizeof(*e) || e->device >= c->n_devices)
		return 0;	/* not ours: nothing else sets the flag here */
	ev_packet_from_kernel(e, e->device, e->ts_ns, &p);
	return c->fn(c->ctx, &p);
}

static int on_frame(void *ctx, const struct frame *f)
{
	struct offline_ctx *c = ctx;
	int err;

	err = offline_feed_frame(c->run, f->data, f->caplen, f->wire_len, f->ts_ns);
	if (err)
		return err;
	/* The test run submitted its record synchronously: take it now, so
	 * that a capture of any size fits a ring buffer of fixed size. */
	err = ring_buffer__consume(c->rb);
	return err < 0 ? err : 0;
}

/* offline_open watches the devices (entry i has device index i); packet
 * records also need the per-entry flag and the global one. */
static int enable_events(struct offline_run *run, const struct iotprof_watch_key *devices,
			 size_t n)
{
	struct iotprof_config cfg;
	int err;

	for (size_t i = 0; i < n; i++) {
		struct iotprof_watch w = { .device = i, .flags = IOTPROF_WATCH_F_EVENTS };

		if (bpf_map_update_elem(offline_watch_fd(run), &devices[i], &w, BPF_ANY))
			return -errno;
	}
	err = settings_read(offline_settings_fd(run), &cfg);
	if (err)
		return err;
	cfg.flags |= IOTPROF_CFG_EVENTS;
	return settings_write(offline_settings_fd(run), &cfg);
}

int ev_offline_pcap(const char *pcap, const struct iotprof_watch_key *devices, size_t n,
		    ev_packet_fn fn, void *ctx)
{
	struct offline_opts o = { .flows = 4096, .watch = devices, .n_watch = n };
	struct offline_ctx c = { .n_devices = n, .fn = fn, .ctx = ctx };
	__u64 stats[IOTPROF_STAT__MAX];
	int err;

	c.run = offline_open(&o);
	if (!c.run)
		return -EINVAL;
	err = enable_events(c.run, devices, n);
	if (err) {
		pr_warn("offline: cannot turn packet records on: %s", strerror(-err));
		goto out;
	}
	c.rb = ring_buffer__new(offline_events_fd(c.run), on_record, &c, NULL);
	if (!c.rb) {
		err = -errno;
		pr_warn("offline: cannot read the events ring buffer: %s", strerror(-err));
		goto out;
	}
	err = pcap_for_each_frame(pcap, on_frame, &c);
	if (!err && !stats_read(offline_stats_fd(c.run), stats) && stats[IOTPROF_STAT_EVENTS_LOST])
		pr_warn("%s: %llu packet records were lost (ring buffer full)", pcap,
			(unsigned long long)stats[IOTPROF_STAT_EVENTS_LOST]);
out:
	ring_buffer__free(c.rb);
	offline_close(c.run);
	return err;
}
