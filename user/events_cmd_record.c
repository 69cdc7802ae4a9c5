// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iotprof events record, and what the events subcommands share. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "addr.h"
#include "events_cmd.h"
#include "events_source.h"
#include "events_text.h"
#include "log.h"

volatile sig_atomic_t ev_stop;

static void on_stop(int sig)
{
	(void)sig;
	ev_stop = 1;
}

void ev_catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	/* No SA_RESTART: the ring buffer's epoll_wait returns EINTR at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int ev_parse_devices(char *list, struct iotprof_watch_key *keys, char names[][48], size_t *n)
{
	size_t first = *n;
	int err;

	err = addr_parse_watch_list("--device", list, keys, EV_MAX_DEVICES, n, NULL);
	if (err)
		return err;
	for (size_t i = first; i < *n; i++) {
		char buf[ADDR_STR_MAX];

		snprintf(names[i], 48, "%s", addr_format_watch(&keys[i], buf));
	}
	return 0;
}

int ev_parse_duration_opt(const char *opt, const char *text, __u64 *ns)
{
	if (ev_parse_duration_ns(text, ns)) {
		pr_warn("%s: '%s' is not a duration (seconds, or with s, ms, us)", opt, text);
		return -EINVAL;
	}
	return 0;
}

struct record_ctx {
	FILE *out;
	char (*names)[48];
	size_t written;
	int err;
};

static int write_packet(void *ctx, const struct ev_packet *p)
{
	struct record_ctx *c = ctx;

	if (ev_record_write(c->out, p, c->names[p->device])) {
		c->err = -EIO;
		return -EIO;
	}
	c->written++;
	return 0;
}

static int record_live(const char *pin_dir, const struct iotprof_watch_key *keys, size_t n,
		       __u64 duration_ns, struct record_ctx *c)
{
	__u64 end = duration_ns ? ev_live_now_ns() + duration_ns : 0;
	struct ev_live *l;
	int err = 0;

	ev_catch_stop_signals();
	l = ev_live_open(pin_dir, keys, n, write_packet, c);
	if (!l)
		return -EINVAL;
	pr_info("recording packets of %zu device(s); Ctrl-C ends", n);
	while (!ev_stop && (!end || ev_live_now_ns() < end)) {
		err = ev_live_poll(l, 200);
		if (err == -EINTR)
			err = 0;
		if (err < 0)
			break;
		err = 0;
		fflush(c->out);
	}
	ev_live_close(l);
	return err < 0 ? err : c->err;
}

int ev_cmd_record(int argc, char **argv, const char *pin_dir)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "pcap", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct iotprof_watch_key keys[EV_MAX_DEVICES];
	char names[EV_MAX_DEVICES][48];
	const char *out = NULL, *pcap = NULL;
	struct record_ctx c = { .names = names };
	__u64 duration = 0;
	size_t n = 0;
	int opt, err;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (ev_parse_devices(optarg, keys, names, &n))
				return 2;
			break;
		case 'o': out = optarg; break;
		case 'r': pcap = optarg; break;
		case 't':
			if (ev_parse_duration_opt("--duration", optarg, &duration))
				return 2;
			break;
		case 'h':
			printf("usage: iotprof events record --device ADDR[,ADDR] --out FILE [--pcap FILE] [--duration S]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!n || !out || optind < argc) {
		pr_warn("usage: iotprof events record --device ADDR[,ADDR] --out FILE [--pcap FILE] [--duration S]");
		return 2;
	}
	c.out = strcmp(out, "-") ? fopen(out, "w") : stdout;
	if (!c.out) {
		pr_warn("%s: %s", out, strerror(errno));
		return 1;
	}
	err = ev_record_write_header(c.out);
	if (!err)
		err = pcap ? ev_offline_pcap(pcap, keys, n, write_packet, &c)
			   : record_live(pin_dir, keys, n, duration, &c);
	if (c.out != stdout && fclose(c.out) && !err)
		err = -errno;
	if (err) {
		pr_warn("events record: %s", strerror(-err));
		return 1;
	}
	pr_info("%zu packet records written to %s", c.written, out);
	return 0;
}
