// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iotprof export --ipfix: flow records to an IPFIX collector, from the live
 * maps (once, or continuously with --follow) or from captures. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "addr.h"
#include "events_text.h"
#include "flows_follow.h"
#include "ipfix.h"
#include "log.h"
#include "offline.h"
#include "output.h"
#include "pins.h"

#define PCAPS_MAX 256

static void usage(FILE *out)
{
	fprintf(out,
"usage: iotprof export --ipfix HOST:PORT [--pen N] [--domain N] [--epoch N]\n"
"                      [--follow [--interval S] [--idle S]]\n"
"       iotprof export --ipfix HOST:PORT --pcap FILE... [--watch LIST] [--flows N]\n"
"\n"
"Sends flow records to an IPFIX collector (RFC 7011) over UDP: one record per\n"
"direction of each flow, with addresses, ports, protocol, counters, times,\n"
"TCP flags and the end reason as standard IEs, and the application data and\n"
"host names as enterprise-specific ones (templates: docs/IPFIX.md).  Without\n"
"--pcap it reads the live maps: every record once, or with --follow each\n"
"flow when it ends (and those still live at Ctrl-C).  With --pcap, the\n"
"captures go through the XDP program first, as 'iotprof flows --pcap' does.\n"
"\n"
"  --ipfix HOST:PORT  the collector (port 4739 when not given; [IPv6]:PORT)\n"
"  --pen N            the enterprise number of our IEs (default %u, RFC 5612's\n"
"                     for documentation: use your own)\n"
"  --domain N         the observation domain ID (default 1)\n"
"  --epoch N          only the records of epoch N\n"
"  --follow           live: export each flow when it ends, until Ctrl-C\n"
"  --interval S       --follow: seconds between polls of the map (default 1)\n"
"  --idle S           --follow: a flow without packets for S seconds has ended\n"
"                     (default 30; 0: only TCP FIN or RST, or eviction)\n"
"  --pcap FILE...     offline: pcap or pcapng files, gzip-compressed or not\n"
"  --watch LIST       offline: only flows of these hosts\n"
"  --flows N          offline: flow table size (default %u)\n", IPFIX_PEN_DEFAULT,
		IOTPROF_FLOWS_DEFAULT);
}

struct ipfix_args {
	struct ipfix_opts x;
	char target[300];
	const char *pcaps[PCAPS_MAX];
	int n_pcaps;
	bool follow, has_epoch;
	__u32 epoch, flows;
	__u64 interval_ns, idle_ns;
	struct iotprof_watch_key watch[64];
	size_t n_watch;
};

static int parse_u32(const char *opt, const char *text, unsigned long min, unsigned long max, __u32 *out)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(text, &end, 10);
	if (errno || *end || !*text || n < min || n > max) {
		pr_warn("export: %s: '%s' is not a number from %lu to %lu", opt, text, min, max);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

static int parse_args(int argc, char **argv, struct ipfix_args *a)
{
	static const struct option opts[] = {
		{ "ipfix", required_argument, NULL, 'x' },
		{ "pen", required_argument, NULL, 'P' },
		{ "domain", required_argument, NULL, 'D' },
		{ "epoch", required_argument, NULL, 'e' },
		{ "follow", no_argument, NULL, 'F' },
		{ "interval", required_argument, NULL, 'i' },
		{ "idle", required_argument, NULL, 'I' },
		{ "pcap", required_argument, NULL, 'r' },
		{ "watch", required_argument, NULL, 'w' },
		{ "flows", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'x':
			if (ipfix_parse_target(optarg, a->target, sizeof(a->target), &a->x))
				return -EINVAL;
			break;
		case 'P':
			if (parse_u32("--pen", optarg, 1, UINT32_MAX, &a->x.pen))
				return -EINVAL;
			break;
		case 'D':
			if (parse_u32("--domain", optarg, 0, UINT32_MAX, &a->x.domain))
				return -EINVAL;
			break;
		case 'e':
			if (parse_u32("--epoch", optarg, 0, UINT32_MAX, &a->epoch))
				return -EINVAL;
			a->has_epoch = true;
			break;
		case 'F':
			a->follow = true;
			break;
		case 'i':
		case 'I':
			if (ev_parse_duration_ns(optarg, c == 'i' ? &a->interval_ns : &a->idle_ns) ||
			    (c == 'i' && !a->interval_ns)) {
				pr_warn("export: --%s: '%s' is not a duration in seconds%s",
					c == 'i' ? "interval" : "idle", optarg, c == 'i' ? " above 0" : "");
				return -EINVAL;
			}
			break;
		case 'r':
			if (a->n_pcaps == PCAPS_MAX) {
				pr_warn("export: at most %d captures", PCAPS_MAX);
				return -E2BIG;
			}
			a->pcaps[a->n_pcaps++] = optarg;
			break;
		case 'w':
			if (addr_parse_watch_list("--watch", optarg, a->watch, 64, &a->n_watch, NULL))
				return -EINVAL;
			break;
		case 'f':
			if (parse_u32("--flows", optarg, IOTPROF_FLOWS_MIN, IOTPROF_FLOWS_MAX, &a->flows))
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
	for (; a->n_pcaps && optind < argc && a->n_pcaps < PCAPS_MAX; optind++)
		a->pcaps[a->n_pcaps++] = argv[optind];
	if (optind < argc) {
		pr_warn("export: unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!a->x.host) {
		pr_warn("export: --ipfix needs the collector, HOST:PORT");
		return -EINVAL;
	}
	if (a->follow && a->n_pcaps) {
		pr_warn("export: --follow reads the live maps, not --pcap");
		return -EINVAL;
	}
	return 0;
}

/* Every record of a table, once (a snapshot, or the end of a capture). */
static int send_table(struct ipfix *x, struct flow_table *t, const struct ipfix_args *a)
{
	int err = 0;

	flows_sort(t);
	for (size_t i = 0; i < t->n && !err; i++)
		if (!a->has_epoch || t->v[i].val.epoch == a->epoch)
			err = ipfix_add(x, &t->v[i], NULL, FOLLOW_END_NONE);
	return err ?: ipfix_flush(x, false);
}

static int export_pcaps(struct ipfix_args *a)
{
	struct offline_opts o = { .flows = a->flows, .watch = a->n_watch ? a->watch : NULL,
				  .n_watch = a->n_watch };
	struct offline_run *r;
	struct flow_table t = {};
	struct ipfix *x;
	int err = 0;

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
	for (int i = 0; i < a->n_pcaps && !err; i++)
		err = offline_feed_pcap(r, a->pcaps[i]);
	if (err && err != -EIO)
		goto out;
	a->x.name_strings_fd = offline_name_strings_fd(r);
	x = ipfix_open(&a->x);
	if (!x) {
		err = -EIO;
		goto out;
	}
	err = flows_read_map(offline_flows_fd(r), &t) ?: send_table(x, &t, a) ?: err;
	pr_info("export: %llu IPFIX records of %zu flows sent to %s port %s", (unsigned long long)ipfix_records(x),
		t.n, a->x.host, a->x.port);
	ipfix_close(x);
out:
	flows_free(&t);
	offline_close(r);
	return err;
}

struct follower {
	struct ipfix *x;
	const struct ipfix_args *a;
};

static int on_event(void *ctx, enum follow_event ev, enum follow_end_reason why,
		    const struct flow_entry *e, const struct iotprof_flow *reported)
{
	struct follower *f = ctx;

	if (ev != FOLLOW_END || (f->a->has_epoch && e->val.epoch != f->a->epoch))
		return 0;
	return ipfix_add(f->x, e, reported, why);
}

static int export_live(struct ipfix_args *a, const char *pin_dir)
{
	static volatile sig_atomic_t stop;
	struct follower fw = { .a = a };
	struct follow *f = NULL;
	int fd, err = 0;

	a->x.clock_offset_ns = clock_monotonic_to_unix_offset();
	fd = pins_open_map(pin_dir, IOTPROF_MAP_FLOWS, true);
	if (fd < 0)
		return fd;
	a->x.name_strings_fd = pins_open_map(pin_dir, IOTPROF_MAP_NAME_STRINGS, false);
	fw.x = ipfix_open(&a->x);
	if (!fw.x) {
		err = -EIO;
		goto out;
	}
	if (!a->follow) {
		struct flow_table t = {};

		err = flows_read_map(fd, &t) ?: send_table(fw.x, &t, a);
		pr_info("export: %llu IPFIX records of %zu flows sent", (unsigned long long)ipfix_records(fw.x), t.n);
		flows_free(&t);
		goto out;
	}
	f = follow_new(a->idle_ns);
	if (!f) {
		err = -ENOMEM;
		goto out;
	}
	follow_catch_signals(&stop);
	while (!stop && !err) {
		struct flow_table t = {};

		err = flows_read_map(fd, &t) ?: follow_update(f, &t, follow_now_ns(), on_event, &fw) ?:
		      ipfix_flush(fw.x, false);
		flows_free(&t);
		if (!err && !stop) {
			struct timespec ts = { .tv_sec = a->interval_ns / 1000000000ull,
					       .tv_nsec = a->interval_ns % 1000000000ull };

			nanosleep(&ts, NULL);
		}
	}
	/* One more look, and what is still live is sent as it is now: nothing
	 * is lost at exit. */
	if (!err) {
		struct flow_table t = {};

		err = flows_read_map(fd, &t) ?: follow_update(f, &t, follow_now_ns(), on_event, &fw) ?:
		      follow_finish(f, on_event, &fw) ?: ipfix_flush(fw.x, false);
		flows_free(&t);
	}
	pr_info("export: %llu IPFIX records sent", (unsigned long long)ipfix_records(fw.x));
out:
	follow_free(f);
	ipfix_close(fw.x);
	if (a->x.name_strings_fd >= 0)
		close(a->x.name_strings_fd);
	close(fd);
	return err;
}

int ipfix_cmd(int argc, char **argv, const char *pin_dir)
{
	struct ipfix_args a = { .x = { .pen = IPFIX_PEN_DEFAULT, .domain = 1, .name_strings_fd = -1 },
				.interval_ns = 1000000000ull, .idle_ns = 30000000000ull };
	int err;

	for (int i = 1; i < argc; i++) {	/* also right after --ipfix, which takes a value */
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	}
	if (parse_args(argc, argv, &a))
		return 2;
	err = a.n_pcaps ? export_pcaps(&a) : export_live(&a, pin_dir);
	return err ? 1 : 0;
}
