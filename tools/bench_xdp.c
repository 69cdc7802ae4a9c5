// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-packet cost of the XDP program, measured by the kernel itself:
 * BPF_PROG_TEST_RUN with a large repeat count reports the mean run time.
 * The floor is an XDP program that only returns XDP_PASS, run the same way,
 * so the ratio removes the test harness's own cost per run.
 * Prints Markdown table rows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "offline.h"
#include "appbuild.h"
#include "progs.h"
#include "xdp_pass.skel.h"

#define ROUNDS 5	/* the median of 5 runs damps a noisy neighbour */

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static long ns_per_packet(int prog_fd, const struct pkt_buf *p, __u32 repeat)
{
	__u32 d[ROUNDS];

	for (int i = 0; i < ROUNDS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->b, .data_size_in = p->len,
			    .repeat = repeat);

		if (bpf_prog_test_run_opts(prog_fd, &opts))
			return -errno;
		d[i] = opts.duration;
	}
	qsort(d, ROUNDS, sizeof(d[0]), cmp_u32);
	return d[ROUNDS / 2];
}

static void tcp4_data(struct pkt_buf *p)
{
	p->len = 0;
	pb_eth(p, 0x0800);
	pb_ipv4(p, "10.0.0.2", "10.0.0.1", 6, 1, 0, 0);
	pb_tcp(p, 51515, 443, 0x18);
	pb_put(p, NULL, 512);
	pb_finish(p);
}

static void udp4(struct pkt_buf *p)
{
	p->len = 0;
	pb_eth(p, 0x0800);
	pb_ipv4(p, "10.0.0.2", "10.0.0.1", 17, 1, 0, 0);
	pb_udp(p, 40000, 123, 48);
	pb_put(p, NULL, 48);
	pb_finish(p);
}

static void tcp6_data(struct pkt_buf *p)
{
	p->len = 0;
	pb_eth(p, 0x86DD);
	pb_ipv6(p, "2001:db8::2", "2001:db8::1", 6);
	pb_tcp(p, 51515, 443, 0x18);
	pb_put(p, NULL, 512);
	pb_finish(p);
}

/* What the verifier did with each program, and how long the load took. */
static int verifier_report(void)
{
	struct iotprof_bpf *skel = progs_open(NULL, 0);
	struct bpf_program *prog;
	struct timespec t0, t1;
	double ms;

	if (!skel)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (progs_load(skel)) {
		iotprof_bpf__destroy(skel);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("| program | verified instructions | JIT image bytes |\n|---|---:|---:|\n");
	bpf_object__for_each_program(prog, skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			continue;
		printf("| %s | %u | %u |\n", bpf_program__name(prog), info.verified_insns,
		       info.jited_prog_len);
	}
	printf("\nLoading the object (both programs, maps created) took %.0f ms.\n\n", ms);
	iotprof_bpf__destroy(skel);
	return 0;
}

static void dns_query(struct pkt_buf *p)
{
	static struct pkt_buf msg;

	ab_dns_query(&msg, 0x1234, "use1-api.tplinkra.com", 1);
	ab_wrap(p, 17, "192.168.1.135", 40000, "192.168.1.1", 53, msg.b, msg.len);
}

/* A response carrying 8 A answers, the most the record keeps. */
static void dns_response8(struct pkt_buf *p)
{
	static struct pkt_buf msg;

	msg.len = 0;
	ab_dns_hdr(&msg, 0x1234, AB_DNS_QR | AB_DNS_RD | AB_DNS_RA, 1, 8, 0, 0);
	ab_dns_question(&msg, "use1-api.tplinkra.com", 1);
	for (int i = 0; i < 8; i++) {
		char a[16];

		snprintf(a, sizeof(a), "52.3.101.%d", 160 + i);
		ab_dns_addr_rr(&msg, 12, a);
	}
	ab_wrap(p, 17, "192.168.1.1", 53, "192.168.1.135", 40000, msg.b, msg.len);
}

/* A ClientHello of about 512 bytes: SNI after a padding extension. */
static void tls_hello(struct pkt_buf *p)
{
	static const uint16_t versions[] = { 0x0a0a, 0x0304, 0x0303 };
	static struct pkt_buf msg;
	struct ab_hello h = { .sni = "use1-api.tplinkra.com", .sid_len = 32,
			      .versions = versions, .n_versions = 3, .pad_before = 300 };

	ab_tls_client_hello(&msg, &h);
	ab_wrap(p, 6, "192.168.1.135", 43234, "52.3.101.168", 443, msg.b, msg.len);
}

static void http_get(struct pkt_buf *p)
{
	static const char req[] = "GET /api/v1/device/state?id=8006 HTTP/1.1\r\n"
				  "Host: api.vendor.example\r\nUser-Agent: iot/1.0\r\n"
				  "Accept: */*\r\n\r\n";

	ab_wrap(p, 6, "192.168.1.135", 43235, "52.3.101.169", 80, req, sizeof(req) - 1);
}

static void coap_get(struct pkt_buf *p)
{
	static const uint8_t token[4] = { 1, 2, 3, 4 };
	static struct pkt_buf msg;
	uint32_t last = 0;

	ab_coap_hdr(&msg, AB_COAP_CON, AB_COAP_GET, 0x4242, token, sizeof(token));
	ab_coap_str(&msg, &last, 3, "hub.local");
	ab_coap_str(&msg, &last, 11, "lights");
	ab_coap_str(&msg, &last, 11, "kitchen");
	ab_wrap(p, 17, "192.168.1.20", 40001, "192.168.1.40", 5683, msg.b, msg.len);
}

int main(int argc, char **argv)
{
	__u32 repeat = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	struct offline_opts o = {};
	struct offline_run *r;
	struct xdp_pass_bpf *floor_skel;
	const struct { const char *name; void (*build)(struct pkt_buf *); } cases[] = {
		{ "TCP/IPv4 data (512 B)", tcp4_data },
		{ "UDP/IPv4 (NTP-sized)", udp4 },
		{ "TCP/IPv6 data (512 B)", tcp6_data },
		{ "DNS query", dns_query },
		{ "DNS response, 8 answers", dns_response8 },
		{ "TLS ClientHello (~512 B)", tls_hello },
		{ "HTTP GET request", http_get },
		{ "CoAP GET request", coap_get },
	};
	static struct pkt_buf p;

	log_hook_libraries();
	if (argc > 2 && !strcmp(argv[2], "--verifier"))
		return verifier_report() ? 1 : 0;
	r = offline_open(&o);
	floor_skel = xdp_pass_bpf__open_and_load();
	if (!r || !floor_skel) {
		fprintf(stderr, "bench: cannot load the programs (root needed)\n");
		return 1;
	}
	printf("| packet | iotprof ns/pkt | XDP_PASS floor ns/pkt | ratio |\n");
	printf("|---|---:|---:|---:|\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long ours, base;

		cases[i].build(&p);
		base = ns_per_packet(bpf_program__fd(floor_skel->progs.xdp_pass), &p, repeat);
		ours = ns_per_packet(offline_prog_fd(r), &p, repeat);
		if (ours < 0 || base <= 0) {
			fprintf(stderr, "bench: test run failed: %s\n", strerror((int)-ours));
			return 1;
		}
		printf("| %s | %ld | %ld | %.2f |\n", cases[i].name, ours, base,
		       (double)ours / (double)base);
	}
	xdp_pass_bpf__destroy(floor_skel);
	offline_close(r);
	return 0;
}
