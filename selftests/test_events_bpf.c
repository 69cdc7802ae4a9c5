// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The kernel's packet records (bpf/events.h) through BPF_PROG_TEST_RUN:
 * the real XDP program, fed crafted frames from a pcap file exactly as
 * `iotprof events record --pcap` feeds it, and frame by frame to check
 * what turns records off and what happens when the ring buffer is full.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addr.h"
#include "check.h"
#include "events_source.h"
#include "events_test.h"
#include "log.h"
#include "offline.h"
#include "pktbuild.h"
#include "state.h"

struct check_state check_state = { .suite = "events-bpf" };

#define DEV4 "10.0.0.2"
#define DEV6 "fd00::2"
#define CLOUD4 "203.0.113.5"

struct got {
	struct ev_packet v[64];
	size_t n;
};

static int keep(void *ctx, const struct ev_packet *p)
{
	struct got *g = ctx;

	if (g->n < 64)
		g->v[g->n] = *p;
	g->n++;
	return 0;
}

static void tcp4(struct pkt_buf *p, const char *src, const char *dst, uint16_t sport,
		 uint16_t dport, uint32_t payload)
{
	memset(p, 0, sizeof(*p));
	pb_eth(p, 0x0800);
	pb_ipv4(p, src, dst, 6, 1, 0, 0);
	pb_tcp(p, sport, dport, 0x18);
	pb_put(p, NULL, payload);
	pb_finish(p);
}

/* Frames written to a classic pcap file with times 1700000000.0, .1, ...
 * s; frame i cut to snap[i] bytes when snap[i] is set (its wire length
 * stays).  Written by hand: pcap/pcap.h and linux/bpf.h do not mix. */
static const char *write_pcap(struct pkt_buf *frames, const uint32_t *snap, int n)
{
	const char *path = ev_test_path("events.pcap");
	uint32_t global[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 /* Ethernet */ };
	FILE *f = fopen(path, "wb");

	fwrite(global, 4, 6, f);
	for (int i = 0; i < n; i++) {
		uint32_t cap = snap && snap[i] ? snap[i] : frames[i].len;
		uint32_t rec[4] = { 1700000000 + i / 10, (i % 10) * 100000, cap, frames[i].len };

		fwrite(rec, 4, 4, f);
		fwrite(frames[i].b, 1, cap, f);
	}
	fclose(f);
	return path;
}

static void test_records_from_pcap(void)
{
	static struct pkt_buf f[5];
	struct iotprof_watch_key keys[2];
	uint32_t snap[5] = { 0, 60, 0, 0, 0 };
	struct got g = {};
	const char *pcap;

	addr_parse_watch(DEV4, &keys[0]);
	addr_parse_watch(DEV6, &keys[1]);
	tcp4(&f[0], DEV4, CLOUD4, 50123, 443, 100);		/* out */
	tcp4(&f[1], CLOUD4, DEV4, 443, 50123, 1400);		/* in, captured 60 bytes of it */
	tcp4(&f[2], "10.0.0.9", CLOUD4, 1000, 443, 10);		/* not a device: no record */
	pb_eth(&f[3], 0x86dd);
	pb_ipv6(&f[3], "2001:db8::7", DEV6, 17);
	pb_udp(&f[3], 123, 5000, 48);
	pb_put(&f[3], NULL, 48);
	pb_finish(&f[3]);
	tcp4(&f[4], DEV4, "10.0.0.9", 7, 8, 0);			/* LAN peer: recorded too */
	pcap = write_pcap(f, snap, 5);
	if (!EXPECT_RET(ev_offline_pcap(pcap, keys, 2, keep, &g), 0, "offline run"))
		return;
	if (!EXPECT_EQ(g.n, 4, "records: one per packet of a device"))
		return;
	EXPECT(g.v[0].device == 0 && g.v[0].dir == IOTPROF_EVENT_OUT, "device -> cloud is out");
	EXPECT_EQ(g.v[0].len, 14 + 20 + 20 + 100, "wire length");
	EXPECT(!memcmp(g.v[0].peer, (__u8[]){ 203, 0, 113, 5 }, 4) && g.v[0].family == 4, "peer");
	EXPECT(g.v[0].device_port == 50123 && g.v[0].peer_port == 443 && g.v[0].proto == 6, "ports");
	EXPECT_EQ(g.v[0].ts_ns, 1700000000000000000ull, "capture time");
	EXPECT(g.v[1].dir == IOTPROF_EVENT_IN && g.v[1].device_port == 50123, "cloud -> device is in");
	EXPECT_EQ(g.v[1].len, 14 + 20 + 20 + 1400, "the wire length, not the 60 captured");
	EXPECT_EQ(g.v[1].ts_ns, 1700000000100000000ull, "second frame's time");
	EXPECT(g.v[2].device == 1 && g.v[2].dir == IOTPROF_EVENT_IN && g.v[2].family == 6 &&
	       g.v[2].proto == 17 && g.v[2].peer[0] == 0x20, "IPv6 device, UDP in");
	EXPECT(g.v[3].device == 0 && g.v[3].dir == IOTPROF_EVENT_OUT, "LAN peer");
}

static struct offline_run *open_watching(const char *addr, __u32 flags, bool cfg_events)
{
	struct iotprof_watch_key k;
	struct offline_opts o = { .flows = 256, .watch = &k, .n_watch = 1 };
	struct iotprof_watch w = { .device = 7, .flags = flags };
	struct iotprof_config cfg;
	struct offline_run *r;

	addr_parse_watch(addr, &k);
	r = offline_open(&o);
	if (!r)
		return NULL;
	bpf_map_update_elem(offline_watch_fd(r), &k, &w, BPF_ANY);
	settings_read(offline_settings_fd(r), &cfg);
	cfg.flags = cfg_events ? cfg.flags | IOTPROF_CFG_EVENTS : cfg.flags & ~IOTPROF_CFG_EVENTS;
	settings_write(offline_settings_fd(r), &cfg);
	return r;
}

static int count_record(void *ctx, void *data, size_t size)
{
	const struct iotprof_event *e = data;

	if (size == sizeof(*e) && e->device == 7)
		++*(size_t *)ctx;
	return 0;
}

static size_t records_of(struct offline_run *r, struct pkt_buf *p, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->b, .data_size_in = p->len,
		    .repeat = repeat);
	size_t n = 0;
	struct ring_buffer *rb = ring_buffer__new(offline_events_fd(r), count_record, &n, NULL);

	if (!EXPECT(rb != NULL, "ring buffer"))
		return 0;
	EXPECT_RET(bpf_prog_test_run_opts(offline_prog_fd(r), &opts), 0, "test run");
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return n;
}

static void test_what_turns_records_off(void)
{
	struct pkt_buf p;
	struct offline_run *r;

	tcp4(&p, DEV4, CLOUD4, 1, 443, 10);
	r = open_watching(DEV4, 0, true);
	if (!EXPECT(r != NULL, "offline run"))
		return;
	EXPECT_EQ(records_of(r, &p, 1), 0, "watched without the events flag: none");
	offline_close(r);
	r = open_watching(DEV4, IOTPROF_WATCH_F_EVENTS, false);
	EXPECT_EQ(records_of(r, &p, 1), 0, "entry flag without IOTPROF_CFG_EVENTS: none");
	offline_close(r);
	r = open_watching(DEV4, IOTPROF_WATCH_F_EVENTS, true);
	EXPECT_EQ(records_of(r, &p, 1), 1, "both: one");
	offline_close(r);
	r = open_watching("02:00:00:00:00:0a", IOTPROF_WATCH_F_EVENTS, true);	/* MAC_A: the source */
	if (r) {
		struct iotprof_config cfg;

		settings_read(offline_settings_fd(r), &cfg);
		cfg.flags |= IOTPROF_CFG_WATCH_MAC;
		settings_write(offline_settings_fd(r), &cfg);
		EXPECT_EQ(records_of(r, &p, 1), 1, "a device watched by MAC");
		offline_close(r);
	}
}

static void test_full_ring_counts_losses(void)
{
	__u64 s[IOTPROF_STAT__MAX];
	struct offline_run *r = open_watching(DEV4, IOTPROF_WATCH_F_EVENTS, true);
	size_t cap = IOTPROF_EVENTS_RING_BYTES / (sizeof(struct iotprof_event) + 8);
	struct pkt_buf p;
	size_t got;

	if (!r)
		return;
	tcp4(&p, CLOUD4, DEV4, 443, 1, 10);
	/* One test run repeated: records pile up, nobody reads in between. */
	got = records_of(r, &p, cap + 1000);
	EXPECT_EQ(got, cap, "the ring holds what fits");
	stats_read(offline_stats_fd(r), s);
	EXPECT_EQ(s[IOTPROF_STAT_EVENTS_LOST], 1000, "the rest counted as lost");
	offline_close(r);
}

int main(void)
{
	struct offline_run *probe;

	if (geteuid() != 0) {
		printf("SKIP: events-bpf: needs root for BPF_PROG_TEST_RUN\n");
		return 0;
	}
	log_quiet = true;
	log_hook_libraries();
	probe = offline_open(&(struct offline_opts){ .flows = 64 });
	if (!probe) {
		printf("FAIL: events-bpf load: the XDP program does not load on this kernel\n");
		return 1;
	}
	offline_close(probe);
	RUN(test_records_from_pcap);
	RUN(test_what_turns_records_off);
	RUN(test_full_ring_counts_losses);
	return check_state.cases_failed ? 1 : 0;
}
