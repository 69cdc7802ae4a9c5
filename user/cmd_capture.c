// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iotprof capture: packets of the gateway's interfaces to a pcap file,
 * with libpcap, for people and for `iotprof flows --pcap`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture.h"
#include "commands.h"
#include "conf.h"
#include "events_text.h"
#include "flows_follow.h"
#include "log.h"

static void usage(FILE *out)
{
	fprintf(out,
"usage: iotprof capture -w FILE [-i IFACE]... [-c N] [--duration S] [--snaplen N]\n"
"                       [FILTER...]\n"
"\n"
"Writes the packets of the interfaces to FILE (pcap, nanosecond time stamps;\n"
"'-' is standard output) until Ctrl-C, N packets or S seconds.  Without -i,\n"
"the interfaces of iotprof.conf.  FILTER is a pcap-filter(7) expression, for\n"
"example 'host 192.168.1.135'.  'iotprof flows' reads the file back.\n"
"\n"
"  -w, --write FILE     the capture file\n"
"  -i, --interface IF   capture on IF (repeat for several; 'any' is all)\n"
"  -c, --count N        stop after N packets\n"
"  --duration S         stop after S seconds\n"
"  --snaplen N          bytes kept of each packet (default 262144)\n");
}

static int parse_count(const char *opt, const char *text, unsigned long max, __u64 *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno || *end || !*text || !n || n > max) {
		pr_warn("capture: %s: '%s' is not a number from 1 to %lu", opt, text, max);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

int cmd_capture(int argc, char **argv, const char *pin_dir)
{
	static const struct option opts[] = {
		{ "write", required_argument, NULL, 'w' },
		{ "interface", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static volatile sig_atomic_t stop;
	struct capture_opts o = {};
	struct iotprof_conf conf;
	char *filter = NULL;
	struct capture *c;
	__u64 n, packets = 0;
	int opt, err;

	(void)pin_dir;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "w:i:c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'w':
			o.path = optarg;
			break;
		case 'i':
			if (o.n_ifaces == CAPTURE_IFACES_MAX) {
				pr_warn("capture: at most %d interfaces", CAPTURE_IFACES_MAX);
				return 2;
			}
			o.ifaces[o.n_ifaces++] = optarg;
			break;
		case 'c':
			if (parse_count("--count", optarg, ~0ul, &o.count))
				return 2;
			break;
		case 'd':
			if (ev_parse_duration_ns(optarg, &o.duration_ns) || !o.duration_ns) {
				pr_warn("capture: --duration: '%s' is not a duration in seconds above 0", optarg);
				return 2;
			}
			break;
		case 's':
			if (parse_count("--snaplen", optarg, 262144, &n))
				return 2;
			o.snaplen = n;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!o.path) {
		pr_warn("capture: say where to write: -w FILE");
		usage(stderr);
		return 2;
	}
	if (!o.n_ifaces) {	/* the gateway's configured interfaces */
		const char *path = conf_default_path();

		if (!path || conf_read(path, false, &conf) || !conf.n_interfaces) {
			pr_warn("capture: no -i IFACE, and no interfaces in %s", path ?: "a configuration");
			return 2;
		}
		for (int i = 0; i < conf.n_interfaces && i < CAPTURE_IFACES_MAX; i++)
			o.ifaces[o.n_ifaces++] = conf.interfaces[i];
	}
	for (int i = optind; i < argc; i++) {	/* the filter, as tcpdump takes it */
		char *joined;

		if (asprintf(&joined, "%s%s%s", filter ?: "", filter ? " " : "", argv[i]) < 0)
			return 1;
		free(filter);
		filter = joined;
	}
	o.filter = filter;
	c = capture_open(&o);
	if (!c) {
		free(filter);
		return 1;
	}
	follow_catch_signals(&stop);
	pr_info("capturing on %d interface%s to %s", o.n_ifaces, o.n_ifaces > 1 ? "s" : "", o.path);
	err = capture_loop(c, &stop);
	err = capture_close(c, &packets) ?: err;
	pr_info("%llu packets written to %s", (unsigned long long)packets, o.path);
	free(filter);
	return err ? 1 : 0;
}
