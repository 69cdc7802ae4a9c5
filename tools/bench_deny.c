// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-packet cost of the deny engine: N rules spread over M masks, and a
 * packet that matches none (every mask in use is looked up: the worst
 * case), measured with BPF_PROG_TEST_RUN next to an XDP_PASS program.
 * Rules are installed through the same code as `iotprof deny add`.
 * Prints Markdown table rows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "deny.h"
#include "log.h"
#include "offline.h"
#include "pktbuild.h"
#include "xdp_pass.skel.h"

static long ns_per_packet(int prog_fd, const struct pkt_buf *p, __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->b, .data_size_in = p->len, .repeat = repeat);

	return bpf_prog_test_run_opts(prog_fd, &opts) ? -errno : (long)opts.duration;
}

/* Rule i: source and destination (i << 15)/prefix, prefix 32 - (i % masks):
 * a symmetric shape (both directions share its mask), distinct under
 * every prefix used, and never the packet's 255.255.255.1. */
static int install(struct deny_maps *dm, unsigned int n, unsigned int masks)
{
	for (unsigned int i = 0; i < n; i++) {
		struct deny_spec s = { .lease_ns = 3600ull * 1000000000ull };
		char text[40];
		__u32 a = (i + 1) << 15;

		snprintf(text, sizeof(text), "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
			 a & 255, 32 - i % masks);
		if (deny_spec_host(&s, true, text) || deny_spec_host(&s, false, text) ||
		    deny_add(dm, &s) < 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const unsigned int rule_counts[] = { 0, 10, 1000, 100000 };
	static const unsigned int mask_counts[] = { 1, 4, 16 };
	__u32 repeat = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	struct xdp_pass_bpf *floor_skel;
	struct pkt_buf p = {};
	long base;

	log_hook_libraries();
	floor_skel = xdp_pass_bpf__open_and_load();
	if (!floor_skel)
		return 1;
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, "10.0.0.2", "255.255.255.1", 6, 1, 0, 0);
	pb_tcp(&p, 51515, 443, 0x18);
	pb_put(&p, NULL, 512);
	pb_finish(&p);
	base = ns_per_packet(bpf_program__fd(floor_skel->progs.xdp_pass), &p, repeat);

	printf("| rules | masks | iotprof ns/pkt | XDP_PASS floor ns/pkt | ratio |\n");
	printf("|---:|---:|---:|---:|---:|\n");
	for (size_t r = 0; r < sizeof(rule_counts) / sizeof(rule_counts[0]); r++) {
		for (size_t m = 0; m < sizeof(mask_counts) / sizeof(mask_counts[0]); m++) {
			struct offline_opts o = {};
			struct offline_run *run;
			struct deny_maps dm;
			long ours;

			if (rule_counts[r] == 0 && m > 0)
				break;	/* no rule: no mask either */
			run = offline_open(&o);
			if (!run)
				return 1;
			dm = (struct deny_maps){ .masks_fd = offline_deny_masks_fd(run),
						 .rules_fd = offline_deny_rules_fd(run),
						 .leases_fd = offline_deny_leases_fd(run), .lock_fd = -1,
						 .settings_fd = offline_settings_fd(run),
						 .strings_fd = offline_name_strings_fd(run) };
			if (install(&dm, rule_counts[r], mask_counts[m])) {
				fprintf(stderr, "bench_deny: installing rules failed\n");
				return 1;
			}
			ours = ns_per_packet(offline_prog_fd(run), &p, repeat);
			printf("| %u | %u | %ld | %ld | %.2f |\n", rule_counts[r],
			       rule_counts[r] ? mask_counts[m] : 0, ours, base, (double)ours / base);
			offline_close(run);
		}
	}
	xdp_pass_bpf__destroy(floor_skel);
	return 0;
}
