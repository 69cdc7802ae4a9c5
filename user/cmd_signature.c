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

/* The name for an address: its host name when it is not local and one is
 * known. */
static void host_of(const __u8 *addr, __u8 family, __u32 name_id, int strings_fd, char *out, size_t len)
{
	struct iotprof_name_string s = {};
	char a[ADDR_STR_MAX];

	addr_format(addr, family, a);
	if (!flowid_address_is_local(a) && name_id && !bpf_map_lookup_elem(strings_fd, &name_id, &s)) {
		s.name[sizeof(s.name) - 1] = 0;
		snprintf(out, len, "%s", s.name);
	} else {
		snprintf(out, len, "%s", a);
	}
}

static int flowids_of_trace(const struct flow_table *t, int strings_fd, struct flowid_set *out)
{
	static const char *const coap_types[] = { "CON", "NON", "ACK", "RST" };

	for (size_t i = 0; i < t->n; i++) {
		const struct flow_entry *e = &t->v[i];
		bool fwd = e->val.initiator == IOTPROF_SIDE_LO;
		const struct iotprof_app *a = &e->val.app;
		struct flowid f = { .sport = FLOWID_PORT_ANY, .dport = FLOWID_PORT_ANY };
		char pbuf[8], tbuf[12];

		host_of(fwd ? e->key.addr_lo : e->key.addr_hi, e->key.family, e->val.name_id[0], strings_fd,
			f.src, sizeof(f.src));
		host_of(fwd ? e->key.addr_hi : e->key.addr_lo, e->key.family, e->val.name_id[1], strings_fd,
			f.dst, sizeof(f.dst));
		snprintf(f.proto, sizeof(f.proto), "%s", proto_name(e->key.proto, pbuf));
		if (e->key.proto == 6 || e->key.proto == 17) {
			f.sport = fwd ? e->key.port_lo : e->key.port_hi;
			f.dport = fwd ? e->key.port_hi : e->key.port_lo;
		}
		switch (a->kind) {
		case IOTPROF_APP_DNS:
			f.app_kind = a->kind;
			snprintf(f.app_a, sizeof(f.app_a), "%s", a->dns.qname);
			snprintf(f.app_b, sizeof(f.app_b), "%s", dns_type_name(a->dns.qtype, tbuf));
			break;
		case IOTPROF_APP_HTTP:
			f.app_kind = a->kind;
			snprintf(f.app_a, sizeof(f.app_a), "%s", a->http.method);
			snprintf(f.app_b, sizeof(f.app_b), "%s", a->http.uri);
			break;
		case IOTPROF_APP_COAP:
			f.app_kind = a->kind;
			snprintf(f.app_a, sizeof(f.app_a), "%s", coap_types[a->coap.type & 3]);
			snprintf(f.app_b, sizeof(f.app_b), "%u.%02u", a->coap.code >> 5, a->coap.code & 31);
			snprintf(f.app_c, sizeof(f.app_c), "%s", a->coap.uri[0] ? a->coap.uri : "/");
			break;
		default:	/* TLS names the server; it is no match field */
			break;
		}
		if (flowid_set_add(out, &f))
			return -ENOMEM;
	}
	return 0;
}

static int trace_flowids(const char *pcap, const struct iotprof_watch_key *dev, const char *dns_cache,
			 struct flowid_set *out)
{
	struct offline_opts o = { .watch = dev, .n_watch = 1 };
	struct offline_run *r = offline_open(&o);
	struct flow_table t = {};
	int err;

	if (!r)
		return -EINVAL;
	if (dns_cache) {
		struct names_import_result res;

		err = names_import(dns_cache, offline_names_fd(r), offline_name_strings_fd(r), &res);
		if (err)
			goto out;
	}
	err = offline_feed_pcap(r, pcap);
	if (!err)
		err = flows_read_map(offline_flows_fd(r), &t);
	flows_sort(&t);		/* the first packet's order: stable output */
	if (!err)
		err = flowids_of_trace(&t, offline_name_strings_fd(r), out);
out:
	flows_free(&t);
	offline_close(r);
	return err;
}

static const char *default_well_known(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = 0;
	snprintf(buf, len, "%s/../configs/well-known-ports", dirname(exe));
	return access(buf, R_OK) ? NULL : buf;
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
	struct iotprof_watch_key dev;
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
	if (addr_parse_watch(device, &dev) || dev.kind == IOTPROF_WATCH_MAC) {
		pr_warn("signature: --device '%s' is not an IPv4 or IPv6 address", device);
		return 2;
	}
	if (!wk_path && !(wk_path = default_well_known(wk_buf, sizeof(wk_buf))))
		pr_warn("warning: no well-known ports list found; give --well-known FILE");
	if (wk_path && well_known_load(wk_path, &wk))
		return 1;

	traces = calloc(n, sizeof(*traces));
	if (!traces)
		return 1;
	for (int i = 0; i < n && !err; i++)
		err = trace_flowids(argv[optind + i], &dev, dns_cache, &traces[i]);
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
