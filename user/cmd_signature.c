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
"usage: iotprof signature --device ADDR [--dns-cache FILE] [--well-known FILE] [--json]\n"
"                         PCAP...\n"
"\n"
"Prints the Flow IDs every trace shares (one JSON object per line with --json):\n"
"the initiator is the source, non-local addresses become the names DNS answers\n"
"and TLS SNI gave them (and --dns-cache, a hosts file or resolver dump), a port\n"
"is kept when it is well known or the same in every trace.\n"
"  --well-known FILE  the well-known ports (default: configs/well-known-ports)\n");
}

int cmd_signature(int argc, char **argv, const char *pin_dir)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "dns-cache", required_argument, NULL, 'c' },
		{ "well-known", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *device = NULL, *dns_cache = NULL, *wk_path = NULL;
	struct trace_hosts hosts = {};
	struct flowid_set *traces, sig;
	struct well_known wk = {};
	char wk_buf[PATH_MAX];
	bool json = false;
	int c, n, err = 0;

	(void)pin_dir;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': device = optarg; break;
		case 'c': dns_cache = optarg; break;
		case 'w': wk_path = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	n = argc - optind;
	if (!device || n < 1) {
		pr_warn("signature: %s", !device ? "--device is needed" : "no capture given");
		usage(stderr);
		return 2;
	}
	if (trace_hosts_add(&hosts, device))
		return 2;
	if (!wk_path && !(wk_path = shipped_file("configs/well-known-ports", wk_buf, sizeof(wk_buf))))
		pr_warn("warning: no well-known ports list found; give --well-known FILE");
	if (wk_path && well_known_load(wk_path, &wk))
		return 1;

	traces = calloc(n, sizeof(*traces));
	if (!traces)
		return 1;
	for (int i = 0; i < n && !err; i++)
		err = trace_flowids_of_pcap(argv[optind + i], &hosts, dns_cache, &traces[i]);
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
