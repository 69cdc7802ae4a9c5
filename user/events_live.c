// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Live packet records: the pinned "events" ring buffer of a loaded
 * iotprof.  Packet records are turned on per device for as long as we
 * read them and put back as they were afterwards: a kernel left emitting
 * records nobody reads would only fill the ring and count losses.  The
 * ring buffer has one reader: two record or detect runs at once take
 * each other's records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addr.h"
#include "events_source.h"
#include "log.h"
#include "pins.h"
#include "state.h"

struct saved_entry {
	struct iotprof_watch_key key;
	struct iotprof_watch old;
	bool existed;
};

struct ev_live {
	int watch_fd, settings_fd, stats_fd, events_fd;
	struct ring_buffer *rb;
	struct saved_entry *saved;
	size_t n;
	__u32 device_base;	/* entry i gets device index device_base + i */
	__s64 mono_to_unix;	/* bpf_ktime_get_ns() + this = Unix ns */
	__u64 lost_at_open;
	ev_packet_fn fn;
	void *ctx;
};

__u64 ev_live_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static __s64 mono_to_unix_offset(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return (__s64)(r.tv_sec - m.tv_sec) * 1000000000ll + (r.tv_nsec - m.tv_nsec);
}

static __u64 lost_now(struct ev_live *l)
{
	__u64 s[IOTPROF_STAT__MAX];

	return stats_read(l->stats_fd, s) ? 0 : s[IOTPROF_STAT_EVENTS_LOST];
}

static int on_record(void *ctx, void *data, size_t size)
{
	const struct iotprof_event *e = data;
	struct ev_live *l = ctx;
	struct ev_packet p;
	__u32 i = e->device - l->device_base;

	if (size < sizeof(*e) || e->device < l->device_base || i >= l->n)
		return 0;	/* another reader's device */
	ev_packet_from_kernel(e, i, (__u64)((__s64)e->ts_ns + l->mono_to_unix), &p);
	return l->fn(l->ctx, &p);
}

/* IOTPROF_CFG_EVENTS stays true to the watch map: set while an entry asks
 * for records. */
static int sync_events_flag(struct ev_live *l)
{
	struct iotprof_watch_key k, next;
	struct iotprof_config cfg;
	struct iotprof_watch w;
	void *prev = NULL;
	bool any = false;
	int err;

	while (!any && bpf_map_get_next_key(l->watch_fd, prev, &next) == 0) {
		if (!bpf_map_lookup_elem(l->watch_fd, &next, &w) && (w.flags & IOTPROF_WATCH_F_EVENTS))
			any = true;
		k = next;
		prev = &k;
	}
	err = settings_read(l->settings_fd, &cfg);
	if (err)
		return err;
	cfg.flags = any ? cfg.flags | IOTPROF_CFG_EVENTS : cfg.flags & ~IOTPROF_CFG_EVENTS;
	return settings_write(l->settings_fd, &cfg);
}

static int enable_device(struct ev_live *l, size_t i, const struct iotprof_watch_key *key)
{
	struct saved_entry *s = &l->saved[i];
	struct iotprof_watch w;
	int err;

	s->key = *key;
	s->existed = bpf_map_lookup_elem(l->watch_fd, key, &s->old) == 0;
	if (!s->existed) {
		err = watch_add(l->watch_fd, l->settings_fd, key);	/* keeps the MAC flag right */
		if (err)
			return err;
	}
	w = s->existed ? s->old : (struct iotprof_watch){ 0 };
	w.device = l->device_base + i;
	w.flags |= IOTPROF_WATCH_F_EVENTS;
	return bpf_map_update_elem(l->watch_fd, key, &w, BPF_EXIST) ? -errno : 0;
}

static int open_maps(struct ev_live *l, const char *pin_dir)
{
	l->watch_fd = pins_open_map(pin_dir, IOTPROF_MAP_WATCH, true);
	if (l->watch_fd < 0)
		return l->watch_fd;
	l->settings_fd = pins_open_map(pin_dir, IOTPROF_MAP_SETTINGS, true);
	l->stats_fd = pins_open_map(pin_dir, IOTPROF_MAP_STATS, true);
	if (l->settings_fd < 0 || l->stats_fd < 0)
		return -ENOENT;
	l->events_fd = pins_open_map(pin_dir, IOTPROF_MAP_EVENTS, false);
	if (l->events_fd < 0) {
		pr_warn("%s/%s: no packet-record ring buffer: the loaded programs predate it; "
			"run 'iotprof-load --detach' and load them again", pin_dir, IOTPROF_MAP_EVENTS);
		return l->events_fd;
	}
	return 0;
}

struct ev_live *ev_live_open(const char *pin_dir, const struct iotprof_watch_key *devices,
			     size_t n, ev_packet_fn fn, void *ctx)
{
	struct ev_live *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return NULL;
	l->watch_fd = l->settings_fd = l->stats_fd = l->events_fd = -1;
	l->fn = fn;
	l->ctx = ctx;
	/* Indexes no other reader uses, so that records of devices another
	 * run turned on are recognised as not ours. */
	l->device_base = ((__u32)getpid() & 0xffffff) << 8;
	l->saved = calloc(n ? n : 1, sizeof(*l->saved));
	if (!l->saved || n > 256)
		goto fail;
	err = open_maps(l, pin_dir);
	if (err)
		goto fail;
	l->lost_at_open = lost_now(l);
	l->rb = ring_buffer__new(l->events_fd, on_record, l, NULL);
	if (!l->rb) {
		pr_warn("cannot read the events ring buffer: %s", strerror(errno));
		goto fail;
	}
	/* Drain what an earlier run left, before our devices' records come. */
	ring_buffer__consume(l->rb);
	l->mono_to_unix = mono_to_unix_offset();
	for (; l->n < n; l->n++) {
		err = enable_device(l, l->n, &devices[l->n]);
		if (err) {
			char buf[ADDR_STR_MAX];

			pr_warn("cannot turn packet records on for %s: %s",
				addr_format_watch(&devices[l->n], buf), strerror(-err));
			goto fail;
		}
	}
	err = sync_events_flag(l);
	if (err) {
		pr_warn("cannot update the settings: %s", strerror(-err));
		goto fail;
	}
	return l;
fail:
	ev_live_close(l);
	return NULL;
}

int ev_live_poll(struct ev_live *l, int timeout_ms)
{
	return ring_buffer__poll(l->rb, timeout_ms);
}

__u64 ev_live_lost(struct ev_live *l)
{
	return lost_now(l) - l->lost_at_open;
}

void ev_live_close(struct ev_live *l)
{
	__u64 lost;

	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		struct saved_entry *s = &l->saved[i];

		if (s->existed)
			bpf_map_update_elem(l->watch_fd, &s->key, &s->old, BPF_ANY);
		else
			watch_del(l->watch_fd, l->settings_fd, &s->key);
	}
	if (l->n)
		sync_events_flag(l);
	if (l->rb) {
		ring_buffer__consume(l->rb);
		lost = ev_live_lost(l);
		if (lost)
			pr_warn("%llu packet records were lost (the ring buffer was full): "
				"sequences around them are wrong", (unsigned long long)lost);
	}
	ring_buffer__free(l->rb);
	if (l->watch_fd >= 0)
		close(l->watch_fd);
	if (l->settings_fd >= 0)
		close(l->settings_fd);
	if (l->stats_fd >= 0)
		close(l->stats_fd);
	if (l->events_fd >= 0)
		close(l->events_fd);
	free(l->saved);
	free(l);
}
