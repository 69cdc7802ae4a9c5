// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iotprof flows: the flow table, live from the pinned map or offline from
 * a capture run through the same XDP program. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "commands.h"
#include "events_text.h"
#include "flows.h"
#include "flows_follow.h"
#include "log.h"
#include "offline.h"
#include "output.h"
#include "pins.h"

static void usage(FILE *out)
{
	fprintf(out,
"usage: iotprof flows [--json] [--epoch N]            live, from the pinned maps\n"
"       iotprof flows --follow --json [--interval S] [--idle S] [--epoch N]\n"
"       iotprof flows --pcap FILE... [--json] [--watch ADDR[,ADDR]] [--flows N]\n"
"\n"
"Lists one record per bidirectional flow; the source is the initiator and\n"
"packets/bytes are [initiator->responder, responder->initiator].\n"
"--pcap runs the XDP program on every packet of pcap or pcapng files, one\n"
"after the other and gzip-compressed or not (Ethernet, BSD loopback, raw IP,\n"
"Linux cooked), through BPF_PROG_TEST_RUN.  --follow streams the live table's\n"
"changes as JSON Lines: a record is new, learned application data, or ended\n"
"(docs/JSON.md).\n"
"\n"
"  --json        one JSON object per flow per line\n"
"  --follow      live: one JSON line per event until Ctrl-C\n"
"  --interval S  --follow: seconds between polls of the map (default 1)\n"
"  --idle S      --follow: a flow without packets for S seconds has ended\n"
"                (default 30; 0: only TCP FIN or RST, or eviction, end it)\n"
"  --epoch N     only the records of epoch N (one trace of an experiment)\n"
"  --watch LIST  offline: only flows of these hosts (default: all)\n"
"  --flows N     offline: flow table size (default %u)\n",
		IOTPROF_FLOWS_DEFAULT);
}

#define FLOWS_PCAPS_MAX 256

struct flows_args {
	const char *pcaps[FLOWS_PCAPS_MAX];
	int n_pcaps;
	bool json, follow;
	__u64 interval_ns, idle_ns;
	bool has_epoch;
	__u32 epoch;
	__u32 flows;
	struct iotprof_watch_key watch[64];
	size_t n_watch;
};

static int parse_number(const char *opt, const char *text, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(text, &end, 10);
	if (errno || *end || !*text || *out > max) {
		pr_warn("%s: '%s' is not a number up to %lu", opt, text, max);
		return -EINVAL;
	}
	return 0;
}

static int add_pcap(struct flows_args *a, const char *path)
{
	if (a->n_pcaps == FLOWS_PCAPS_MAX) {
		pr_warn("flows: at most %d captures at a time", FLOWS_PCAPS_MAX);
		return -E2BIG;
	}
	a->pcaps[a->n_pcaps++] = path;
	return 0;
}

static int parse_args(int argc, char **argv, struct flows_args *a)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "epoch", required_argument, NULL, 'e' },
		{ "pcap", required_argument, NULL, 'r' },
		{ "watch", required_argument, NULL, 'w' },
		{ "flows", required_argument, NULL, 'f' },
		{ "follow", no_argument, NULL, 'F' },
		{ "interval", required_argument, NULL, 'i' },
		{ "idle", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	unsigned long n;
	int c;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			a->json = true;
			break;
		case 'e':
			if (parse_number("--epoch", optarg, UINT32_MAX, &n))
				return -EINVAL;
			a->epoch = n;
			a->has_epoch = true;
			break;
		case 'r':
			if (add_pcap(a, optarg))
				return -EINVAL;
			break;
		case 'F':
			a->follow = true;
			break;
		case 'i':
		case 'I':
			if (ev_parse_duration_ns(optarg, c == 'i' ? &a->interval_ns : &a->idle_ns) ||
			    (c == 'i' && !a->interval_ns)) {
				pr_warn("--%s: '%s' is not a duration in seconds%s", c == 'i' ? "interval" : "idle",
					optarg, c == 'i' ? " above 0" : "");
				return -EINVAL;
			}
			break;
		case 'f':
			if (parse_number("--flows", optarg, IOTPROF_FLOWS_MAX, &n) || n < IOTPROF_FLOWS_MIN)
				return -EINVAL;
			a->flows = n;
			break;
		case 'w':
			if (addr_parse_watch_list("--watch", optarg, a->watch, 64, &a->n_watch, NULL))
				return -EINVAL;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	/* --pcap a.pcap b.pcap.gz: the shell's globs give several. */
	for (; a->n_pcaps && optind < argc; optind++)
		if (add_pcap(a, argv[optind]))
			return -EINVAL;
	if (optind < argc) {
		pr_warn("flows: unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (a->follow && (!a->json || a->n_pcaps)) {
		pr_warn("flows: --follow %s", a->n_pcaps ? "reads the live maps, not --pcap" :
			"needs --json: the stream is for programs (docs/JSON.md)");
		return -EINVAL;
	}
	return 0;
}

static void print_flows(const struct flows_args *a, struct flow_table *t,
			const struct output_ctx *ctx)
{
	if (a->has_epoch)
		flows_keep_epoch(t, a->epoch);
	flows_sort(t);
	if (a->json)
		output_flows_json(stdout, t, ctx);
	else
		output_flows_table(stdout, t, ctx);
}

static int show_offline(const struct flows_args *a)
{
	struct offline_opts o = { .flows = a->flows,
				  .watch = a->n_watch ? a->watch : NULL, .n_watch = a->n_watch };
	struct offline_run *r;
	struct flow_table t = {};
	struct output_ctx ctx = { .name_strings_fd = -1 };
	int err = 0, read_err;

	/* A file that cannot be opened is refused before any output. */
	for (int i = 0; i < a->n_pcaps; i++) {
		if (access(a->pcaps[i], R_OK)) {
			err = -errno;
			pr_warn("%s: %s", a->pcaps[i], strerror(-err));
			return err;
		}
	}
	r = offline_open(&o);
	if (!r)
		return -EINVAL;
	/* A bad file still yields the flows of the packets before the bad one;
	 * the files after it are not read. */
	for (int i = 0; i < a->n_pcaps && !err; i++) {
		err = offline_feed_pcap(r, a->pcaps[i]);
		if (err && err != -EIO && i == 0) {	/* nothing was read: no empty table */
			offline_close(r);
			return err;
		}
	}
	read_err = flows_read_map(offline_flows_fd(r), &t);
	ctx.name_strings_fd = offline_name_strings_fd(r);
	print_flows(a, &t, &ctx);
	flows_free(&t);
	offline_close(r);
	return err ?: read_err;
}

static int show_live(const struct flows_args *a, const char *pin_dir)
{
	struct output_ctx ctx = { .clock_offset_ns = clock_monotonic_to_unix_offset() };
	struct flow_table t = {};
	int fd, err;

	fd = pins_open_map(pin_dir, IOTPROF_MAP_FLOWS, true);
	if (fd < 0)
		return fd;
	err = flows_read_map(fd, &t);
	close(fd);
	if (err) {
		pr_warn("reading the flow table failed: %s", strerror(-err));
		flows_free(&t);
		return err;
	}
	ctx.name_strings_fd = pins_open_map(pin_dir, IOTPROF_MAP_NAME_STRINGS, false);
	print_flows(a, &t, &ctx);
	if (ctx.name_strings_fd >= 0)
		close(ctx.name_strings_fd);
	flows_free(&t);
	return 0;
}

int cmd_flows(int argc, char **argv, const char *pin_dir)
{
	struct flows_args a = { .interval_ns = 1000000000ull, .idle_ns = 30000000000ull };

	if (parse_args(argc, argv, &a))
		return 2;
	if (a.follow) {
		struct flows_follow_opts o = { .pin_dir = pin_dir, .interval_ns = a.interval_ns,
					       .idle_ns = a.idle_ns, .has_epoch = a.has_epoch,
					       .epoch = a.epoch };

		return flows_follow(stdout, &o) ? 1 : 0;
	}
	return (a.n_pcaps ? show_offline(&a) : show_live(&a, pin_dir)) ? 1 : 0;
}
