// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Job 2's costs, printed as Markdown for docs/BENCHMARKS.md:
 * - training: N synthetic sequences (seeded; 8 events of 5-40 packets,
 *   each packet's length jittered, 20 % of them "other" noise), the split,
 *   k from 1 to 10 scored on the held-out 20 %, per method: seconds and
 *   peak memory (each method in a child of its own, so the peak is its own);
 * - classification: sequences per second with every sample a neighbour
 *   candidate (what detection does);
 * - the kernel: XDP cost per packet without and with a packet record
 *   (BPF_PROG_TEST_RUN, the ring buffer drained between runs).
 *
 * usage: bench_events [N] [--no-kernel]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addr.h"
#include "events_train.h"
#include "log.h"
#include "offline.h"
#include "pktbuild.h"
#include "state.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Event e's sequence: a fixed template of lengths and directions, with
 * a jitter of up to 2 bytes per packet and, one time in five, one packet
 * more or less (retransmissions, a coalesced ACK). */
static void make_sequence(__u64 *rng, int e, __s32 *x, __u32 *n)
{
	/* Events 0-7 follow their template; 8 and 9 ("other": heartbeats,
	 * logs) are random each time. */
	__u64 t = e < 8 ? 0x9e3779b97f4a7c15ull * (e + 1) : ev_rand_next(rng);
	__u32 len = e < 8 ? 5 + (__u32)e * 5 : 5 + (__u32)(ev_rand_next(rng) % 36);

	if (ev_rand_next(rng) % 5 == 0)
		len += ev_rand_next(rng) % 2 ? 1 : -1;
	for (__u32 i = 0; i < len; i++) {
		__u32 l = 54 + ev_rand_next(&t) % 1400 + ev_rand_next(rng) % 3;

		x[i] = ev_rand_next(&t) % 2 ? (__s32)l : -(__s32)l;
	}
	*n = len;
}

static void build(struct ev_dataset *ds, size_t n, __u64 seed)
{
	static const char *const labels[] = { "on", "off", "dim", "bright", "lock", "unlock",
					      "motion", "open", "other" };
	__s32 x[128];
	__u64 rng = seed;

	for (size_t i = 0; i < n; i++) {
		int e = ev_rand_next(&rng) % 10;	/* 8 events; 8 and 9 are noise */
		__u32 len;

		make_sequence(&rng, e, x, &len);
		ev_dataset_add(ds, x, len, labels[e > 8 ? 8 : e], "bench", i);
	}
}

static long peak_kib_of_child(void (*fn)(size_t, enum ev_method), size_t n, enum ev_method m)
{
	struct rusage ru;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		fn(n, m);
		fflush(stdout);
		_exit(0);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
		return -1;
	return ru.ru_maxrss;
}

static void train_row(size_t n, enum ev_method m)
{
	struct ev_dataset ds = {};
	struct ev_kscan scan;
	double t0, t1;

	build(&ds, n, 1);
	t0 = now_s();
	ev_dataset_split(&ds, 1);
	ev_scan_k(&ds, m, EV_K_MAX, &scan);
	t1 = now_s();
	printf("| %s | %zu | %.3f | %.3f | %u |", ev_method_name(m), n, t1 - t0,
	       ev_kscan_accuracy(&scan, scan.best_k), scan.best_k);
	ev_dataset_free(&ds);
}

static void classify_row(size_t n, enum ev_method m)
{
	struct ev_dataset ds = {}, q = {};
	struct ev_model model;
	size_t classified = 0;
	double t0, t1;

	build(&ds, n, 1);
	build(&q, n, 2);
	ev_model_build(&model, &ds, m, true);
	t0 = now_s();
	for (size_t i = 0; i < q.n; i++)
		classified += ev_model_predict(&model, q.v[i].x, q.v[i].n, 3) >= 0;
	t1 = now_s();
	printf("| %s | %zu | %zu | %.0f |\n", ev_method_name(m), n, classified, q.n / (t1 - t0));
	ev_model_free(&model);
	ev_dataset_free(&ds);
	ev_dataset_free(&q);
}

static int drain(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

/* Median of 5 runs of `repeat` test runs, draining the ring after each. */
static long ns_per_packet(struct offline_run *r, struct ring_buffer *rb, struct pkt_buf *p)
{
	long d[5], t;

	for (int i = 0; i < 5; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->b, .data_size_in = p->len,
			    .repeat = 10000);

		if (bpf_prog_test_run_opts(offline_prog_fd(r), &opts))
			return -errno;
		ring_buffer__consume(rb);
		d[i] = opts.duration;
	}
	for (int i = 0; i < 5; i++)	/* five values: sorting by hand is enough */
		for (int j = i + 1; j < 5; j++)
			if (d[j] < d[i])
				t = d[i], d[i] = d[j], d[j] = t;
	return d[2];
}

static void tcp_packet(struct pkt_buf *p, const char *src)
{
	p->len = 0;
	pb_eth(p, 0x0800);
	pb_ipv4(p, src, "203.0.113.5", 6, 1, 0, 0);
	pb_tcp(p, 51515, 443, 0x18);
	pb_put(p, NULL, 512);
	pb_finish(p);
}

static void kernel_rows(void)
{
	struct iotprof_watch_key k;
	struct offline_opts o = { .flows = 1024, .watch = &k, .n_watch = 1 };
	struct iotprof_watch w = { .device = 0, .flags = IOTPROF_WATCH_F_EVENTS };
	struct iotprof_config cfg;
	struct offline_run *r;
	struct ring_buffer *rb;
	static struct pkt_buf device, other;

	addr_parse_watch("10.0.0.2", &k);
	r = offline_open(&o);
	if (!r) {
		printf("(the XDP program did not load: kernel rows not measured)\n");
		return;
	}
	rb = ring_buffer__new(offline_events_fd(r), drain, NULL, NULL);
	tcp_packet(&device, "10.0.0.2");
	tcp_packet(&other, "10.0.0.3");
	printf("| TCP/IPv4 packet, 512 B | ns/pkt |\n|---|---:|\n");
	printf("| not watched | %ld |\n", ns_per_packet(r, rb, &other));
	printf("| watched, no device fingerprinted | %ld |\n", ns_per_packet(r, rb, &device));
	settings_read(offline_settings_fd(r), &cfg);
	cfg.flags |= IOTPROF_CFG_EVENTS;	/* another device is fingerprinted */
	settings_write(offline_settings_fd(r), &cfg);
	printf("| watched, another device fingerprinted | %ld |\n", ns_per_packet(r, rb, &device));
	bpf_map_update_elem(offline_watch_fd(r), &k, &w, BPF_ANY);
	printf("| fingerprinted: one ring-buffer record | %ld |\n", ns_per_packet(r, rb, &device));
	ring_buffer__free(rb);
	offline_close(r);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 && argv[1][0] != '-' ? strtoul(argv[1], NULL, 10) : 10000;
	bool kernel = !(argc > 2 && !strcmp(argv[2], "--no-kernel")) &&
		      !(argc > 1 && !strcmp(argv[1], "--no-kernel"));

	log_quiet = true;
	log_hook_libraries();
	printf("| method | sequences | training s (split, k = 1-10) | held-out accuracy | k | peak memory |\n"
	       "|---|---:|---:|---:|---:|---:|\n");
	for (enum ev_method m = 0; m < EV_METHOD__N; m++) {
		long kib;

		fflush(stdout);
		kib = peak_kib_of_child(train_row, n, m);
		printf(" %.1f MiB |\n", kib / 1024.0);
	}
	printf("\n| method | signature samples | classified | sequences/s |\n|---|---:|---:|---:|\n");
	for (enum ev_method m = 0; m < EV_METHOD__N; m++)
		classify_row(n, m);
	if (kernel && geteuid() == 0) {
		printf("\n");
		kernel_rows();
	}
	return 0;
}
