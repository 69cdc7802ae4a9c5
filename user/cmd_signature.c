// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * iotprof signature: the event signature of recorded traces (DESIGN.md,
 * Job 1 steps 2-3).  Each capture runs through the XDP program on its own
 * maps; its flow records become Flow IDs; the signature is the port rule
 * across the traces and the intersection of their Flow ID sets.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "app_json.h"
#include "commands.h"
#include "flowid.h"
#include "flows.h"
#include "log.h"
#include "names.h"
#include "offline.h"
#include "output.h"
#include "paths.h"
#include "trace.h"

static void usage(FILE *out)
{
	fprintf(out,
"usage: iotprof signature --device ADDR [--device ADDR]... [--phone ADDR]\n"
"                         [--dns-cache FILE] [--well-known FILE]\n"
"                         [--control-plane drop|keep] [--json] PCAP...\n"
"\n"
"Prints the Flow IDs every trace shares (one JSON object per line with --json),\n"
"each capture being one trace of the event, in the order given:\n"
"  - the flows of the devices and of the phone (the host whose app triggers\n"
"    the event) count, as the Forest method profiles both;\n"
"  - control-plane packets (ARP, ICMP, DHCP, TCP handshakes, TLS handshakes\n"
"    but an SNI ClientHello) make no Flow ID;\n"
"  - the source is who sent a flow's first packet; a flow and its reverse are\n"
"    one;\n"
"  - non-local addresses become the names DNS answers and TLS SNI gave them\n"
"    (in this capture or an earlier one), or --dns-cache, a hosts file or a\n"
"    resolver dump;\n"
"  - a port is kept when it is well known or every connection of the flow\n"
"    used it in every trace; a client's port in the ephemeral range (see the\n"
"    well-known ports file), or of a connection open before the trace, never.\n"
"\n"
"  --device ADDR         a device's address (repeatable)\n"
"  --phone ADDR          the triggering host's address\n"
"  --control-plane keep  control-plane packets make Flow IDs too\n"
"  --well-known FILE     the well-known ports (default: configs/well-known-ports)\n");
}

int cmd_signature(int argc, char **argv, const char *pin_dir)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "phone", required_argument, NULL, 'p' },
		{ "dns-cache", required_argument, NULL, 'c' },
		{ "well-known", required_argument, NULL, 'w' },
		{ "control-plane", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *dns_cache = NULL, *wk_path = NULL;
	struct trace_hosts hosts = {};
	struct flowid_set *traces, sig;
	struct well_known wk = {};
	char wk_buf[PATH_MAX];
	bool json = false;
	int c, n, n_dev = 0, err = 0;

	(void)pin_dir;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
		case 'p':
			err = trace_hosts_add(&hosts, optarg);
			if (err == -E2BIG)
				pr_warn("signature: at most %zu --device and --phone addresses",
					sizeof(hosts.v) / sizeof(hosts.v[0]));
			if (err)
				return 2;
			n_dev += c == 'd';
			break;
		case 'c': dns_cache = optarg; break;
		case 'w': wk_path = optarg; break;
		case 'C':
			if (strcmp(optarg, "drop") && strcmp(optarg, "keep")) {
				pr_warn("signature: --control-plane is 'drop' or 'keep', not '%s'", optarg);
				return 2;
			}
			hosts.keep_control = !strcmp(optarg, "keep");
			break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	n = argc - optind;
	if (!n_dev || n < 1) {
		pr_warn("signature: %s", !n_dev ? "--device is needed" : "no capture given");
		usage(stderr);
		return 2;
	}
	if (!wk_path && !(wk_path = shipped_file("configs/well-known-ports", wk_buf, sizeof(wk_buf))))
		pr_warn("warning: no well-known ports list found; give --well-known FILE");
	if (wk_path && well_known_load(wk_path, &wk))
		return 1;
	hosts.client_port_lo = wk.eph_lo;
	hosts.client_port_hi = wk.eph_hi;

	traces = calloc(n, sizeof(*traces));
	if (!traces)
		return 1;
	err = trace_flowids_of_pcaps(argv + optind, n, &hosts, dns_cache, traces);
	if (!err)
		err = flowid_signature(traces, n, &wk, &sig);
	if (!err) {
		if (json)
			flowid_print_json(stdout, &sig);
		else
			flowid_print_table(stdout, &sig, n);
		flowid_set_free(&sig);
	}
	for (int i = 0; i < n; i++)
		flowid_set_free(&traces[i]);
	free(traces);
	return err ? 1 : 0;
}
