// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iotprof events detect: classify sequences live, from a capture, from
 * packet records or from an IoTEvents file. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "events_cmd.h"
#include "events_detect.h"
#include "events_features.h"
#include "events_iotevents.h"
#include "events_source.h"
#include "events_text.h"
#include "log.h"

#define DETECT_USAGE "usage: iotprof events detect --signature SIGNATURE (--pcap FILE --device ADDR | --live --device ADDR |\n" \
		     "       --iotevents FILE | --records FILE) [--privacy YAML] [--all] [--method M] [--k N] [--gap S] [--duration S]\n" \
		     "       [--json]"

struct detect_args {
	const char *signature, *pcap, *iotevents, *records, *privacy;
	bool live, all, has_method, json;
	enum ev_method method;
	unsigned k;
	__u64 gap_ns, duration_ns;
	struct iotprof_watch_key keys[EV_MAX_DEVICES];
	char names[EV_MAX_DEVICES][48];
	size_t n;
};

static int parse_detect(int argc, char **argv, struct detect_args *a)
{
	static const struct option opts[] = {
		{ "signature", required_argument, NULL, 's' },
		{ "pcap", required_argument, NULL, 'r' },
		{ "iotevents", required_argument, NULL, 'i' },
		{ "records", required_argument, NULL, 'c' },
		{ "live", no_argument, NULL, 'l' },
		{ "device", required_argument, NULL, 'd' },
		{ "privacy", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "method", required_argument, NULL, 'm' },
		{ "k", required_argument, NULL, 'k' },
		{ "gap", required_argument, NULL, 'g' },
		{ "duration", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int opt, sources;
	__u64 v;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's': a->signature = optarg; break;
		case 'r': a->pcap = optarg; break;
		case 'i': a->iotevents = optarg; break;
		case 'c': a->records = optarg; break;
		case 'l': a->live = true; break;
		case 'p': a->privacy = optarg; break;
		case 'a': a->all = true; break;
		case 'j': a->json = true; break;
		case 'd':
			if (ev_parse_devices(optarg, a->keys, a->names, &a->n))
				return -EINVAL;
			break;
		case 'm':
			if (ev_method_parse(optarg, &a->method)) {
				pr_warn("--method: '%s' is not paper, pad or nearest", optarg);
				return -EINVAL;
			}
			a->has_method = true;
			break;
		case 'k':
			if (ev_parse_u64(optarg, 1000, &v) || !v) {
				pr_warn("--k: '%s' is not a number from 1 to 1000", optarg);
				return -EINVAL;
			}
			a->k = v;
			break;
		case 'g':
			if (ev_parse_duration_opt("--gap", optarg, &a->gap_ns))
				return -EINVAL;
			break;
		case 't':
			if (ev_parse_duration_opt("--duration", optarg, &a->duration_ns))
				return -EINVAL;
			break;
		case 'h':
			printf("%s\n", DETECT_USAGE);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	sources = !!a->pcap + !!a->iotevents + !!a->records + a->live;
	if (!a->signature || sources != 1 || optind < argc || ((a->pcap || a->live) && !a->n)) {
		pr_warn("%s", DETECT_USAGE);
		return -EINVAL;
	}
	return 0;
}

static int detect_iotevents(struct ev_detector *d, const char *path)
{
	struct ev_dataset ds = {};
	int err = ev_iotevents_read(path, &ds);

	for (size_t i = 0; err >= 0 && i < ds.n; i++) {
		const struct ev_sample *s = &ds.v[i];

		ev_detect(d, ds.devices.v[s->device], s->t_ns, s->x, s->n, ds.labels.v[s->label]);
	}
	ev_dataset_free(&ds);
	return err < 0 ? err : 0;
}

static int detect_records(struct ev_detector *d, const char *path, __u64 gap_ns)
{
	struct ev_packets p = {};
	int err = ev_record_read(path, &p);

	if (!err) {
		d->device_names = p.devices.v;
		err = ev_seq_cut(&p, gap_ns, ev_detect_seq_fn, d);
	}
	ev_packets_free(&p);
	return err;
}

static int push_packet(void *ctx, const struct ev_packet *p)
{
	return ev_seq_push(ctx, p->device, p->ts_ns, ev_feature(p->dir, p->len));
}

static int detect_live(struct ev_sequencer *sq, const char *pin_dir, const struct detect_args *a)
{
	__u64 end = a->duration_ns ? ev_live_now_ns() + a->duration_ns : 0;
	struct ev_live *l;
	int err = 0;

	ev_catch_stop_signals();
	l = ev_live_open(pin_dir, a->keys, a->n, push_packet, sq);
	if (!l)
		return -EINVAL;
	pr_info("detecting events of %zu device(s); Ctrl-C ends", a->n);
	while (!err && !ev_stop && (!end || ev_live_now_ns() < end)) {
		err = ev_live_poll(l, 100);
		if (err == -EINTR || err > 0)
			err = 0;
		/* A device that stays quiet ends its sequence: report it now,
		 * not when the next packet comes. */
		if (!err)
			err = ev_seq_idle(sq, ev_live_now_ns());
	}
	ev_live_close(l);
	return err;
}

int ev_cmd_detect(int argc, char **argv, const char *pin_dir)
{
	struct detect_args a = {};
	struct ev_privacy privacy = {};
	struct ev_signature sig;
	struct ev_detector d;
	struct ev_sequencer sq;
	char *names[EV_MAX_DEVICES];
	int err;

	if (parse_detect(argc, argv, &a))
		return 2;
	if (ev_sig_read(a.signature, &sig))
		return 1;
	if (a.privacy && ev_privacy_read(a.privacy, &privacy)) {
		ev_sig_free(&sig);
		return 1;
	}
	if (!a.gap_ns)
		a.gap_ns = sig.gap_ns;
	err = ev_detector_init(&d, &sig, a.has_method ? a.method : sig.method, a.k, stdout);
	if (err)
		goto out;
	d.privacy = a.privacy ? &privacy : NULL;
	d.all = a.all;
	d.json = a.json;
	for (size_t i = 0; i < a.n; i++)
		names[i] = a.names[i];
	d.device_names = names;
	ev_seq_init(&sq, a.gap_ns, ev_detect_seq_fn, &d);
	if (a.iotevents)
		err = detect_iotevents(&d, a.iotevents);
	else if (a.records)
		err = detect_records(&d, a.records, a.gap_ns);
	else if (a.pcap)
		err = ev_offline_pcap(a.pcap, a.keys, a.n, push_packet, &sq);
	else
		err = detect_live(&sq, pin_dir, &a);
	if (a.pcap || a.live) {
		int ferr = ev_seq_flush(&sq);

		err = err ? err : ferr;
	}
	ev_seq_free(&sq);
	pr_info("%zu sequences, %zu events, %zu alerts", d.sequences, d.events, d.alerts);
	if (d.known)
		pr_info("the file's labels agree with %zu of %zu (%.4f)", d.agreed, d.known,
			(double)d.agreed / d.known);
	ev_detector_free(&d);
out:
	if (err)
		pr_warn("events detect: %s", strerror(-err));
	ev_privacy_free(&privacy);
	ev_sig_free(&sig);
	return err ? 1 : 0;
}
