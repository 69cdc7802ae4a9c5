// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iotprof events train and iotprof events report. */
#include <errno.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "events_cmd.h"
#include "events_iotevents.h"
#include "events_pair.h"
#include "events_report.h"
#include "events_seq.h"
#include "events_text.h"
#include "log.h"

struct train_args {
	const char *iotevents[EV_MAX_FILES], *records[EV_MAX_FILES], *triggers[EV_MAX_FILES];
	size_t n_iotevents, n_records, n_triggers;
	const char *out;
	__u64 seed, gap_ns, pair_ns;
	enum ev_method method;
	unsigned kmax;
	bool quiet;
};

#define TRAIN_USAGE "usage: iotprof events train (--iotevents FILE... | --records FILE... --triggers LOG...)\n" \
		    "       --out SIGNATURE [--seed N] [--method paper|pad|nearest] [--gap S] [--pair-window S] [--kmax N] [--quiet]"

static int add_file(const char **list, size_t *n, const char *path)
{
	if (*n == EV_MAX_FILES) {
		pr_warn("events train: more than %d files", EV_MAX_FILES);
		return -E2BIG;
	}
	list[(*n)++] = path;
	return 0;
}

static int parse_train(int argc, char **argv, struct train_args *a)
{
	static const struct option opts[] = {
		{ "iotevents", required_argument, NULL, 'i' },
		{ "records", required_argument, NULL, 'r' },
		{ "triggers", required_argument, NULL, 'g' },
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "method", required_argument, NULL, 'm' },
		{ "gap", required_argument, NULL, 'a' },
		{ "pair-window", required_argument, NULL, 'b' },
		{ "kmax", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int opt, last = 0, err = 0;
	__u64 v;

	optind = 1;
	/* "-": plain arguments come back in order as 1, so that
	 * "--iotevents A B C" lists three files. */
	while (!err && (opt = getopt_long(argc, argv, "-hq", opts, NULL)) != -1) {
		if (opt == 1)
			opt = last;
		switch (opt) {
		case 'i': err = add_file(a->iotevents, &a->n_iotevents, optarg); break;
		case 'r': err = add_file(a->records, &a->n_records, optarg); break;
		case 'g': err = add_file(a->triggers, &a->n_triggers, optarg); break;
		case 'o': a->out = optarg; break;
		case 'q': a->quiet = true; break;
		case 's':
			if (ev_parse_u64(optarg, UINT64_MAX, &a->seed)) {
				pr_warn("--seed: '%s' is not a whole number", optarg);
				err = -EINVAL;
			}
			break;
		case 'm':
			if (ev_method_parse(optarg, &a->method)) {
				pr_warn("--method: '%s' is not paper, pad or nearest", optarg);
				err = -EINVAL;
			}
			break;
		case 'a': err = ev_parse_duration_opt("--gap", optarg, &a->gap_ns); break;
		case 'b': err = ev_parse_duration_opt("--pair-window", optarg, &a->pair_ns); break;
		case 'k':
			if (ev_parse_u64(optarg, EV_K_MAX, &v) || !v) {
				pr_warn("--kmax: '%s' is not a number from 1 to %d", optarg, EV_K_MAX);
				err = -EINVAL;
			}
			a->kmax = v;
			break;
		case 'h':
			printf("%s\n", TRAIN_USAGE);
			exit(0);
		default:
			if (opt == 0 || opt == 1)
				pr_warn("events train: '%s' follows no file option", optarg);
			return -EINVAL;
		}
		last = opt == 'i' || opt == 'r' || opt == 'g' ? opt : 0;
	}
	if (err)
		return err;
	if (!a->out || (!a->n_iotevents == !a->n_records) || (a->n_records && !a->n_triggers)) {
		pr_warn("%s", TRAIN_USAGE);
		return -EINVAL;
	}
	return 0;
}

static int load_records(const struct train_args *a, struct ev_dataset *ds)
{
	struct ev_packets p = {};
	struct ev_triggers t = {};
	struct ev_pair_stats st;
	int err = 0;

	for (size_t i = 0; i < a->n_records && !err; i++)
		err = ev_record_read(a->records[i], &p);
	for (size_t i = 0; i < a->n_triggers && !err; i++)
		err = ev_triggers_read(a->triggers[i], &t);
	if (!err)
		err = ev_pair_records(&p, &t, a->gap_ns, a->pair_ns, ds, &st);
	if (!err && !a->quiet)
		printf("%zu packets, %zu sequences, %zu paired with one of %zu triggers (%zu triggers paired with none)\n",
		       p.n, st.sequences, st.paired, t.n, st.triggers_unpaired);
	ev_packets_free(&p);
	ev_triggers_free(&t);
	return err;
}

int ev_cmd_train(int argc, char **argv)
{
	struct train_args a = { .gap_ns = EV_GAP_DEFAULT_NS, .pair_ns = EV_PAIR_DEFAULT_NS,
				.method = EV_METHOD_DEFAULT, .seed = 1, .kmax = EV_K_MAX };
	struct ev_signature sig = {};
	struct ev_kscan scan;
	int err = 0;

	if (parse_train(argc, argv, &a))
		return 2;
	for (size_t i = 0; i < a.n_iotevents && err >= 0; i++)
		err = ev_iotevents_read(a.iotevents[i], &sig.ds);
	if (err >= 0 && a.n_records)
		err = load_records(&a, &sig.ds);
	if (err < 0)
		goto out;
	ev_dataset_split(&sig.ds, a.seed);
	err = ev_dataset_check(&sig.ds, a.out);
	if (!err)
		err = ev_scan_k(&sig.ds, a.method, a.kmax, &scan);
	if (err)
		goto out;
	sig.method = a.method;
	sig.k = scan.best_k;
	sig.seed = a.seed;
	sig.gap_ns = a.gap_ns;
	sig.pair_ns = a.n_records ? a.pair_ns : 0;
	sig.kmax = scan.kmax;
	for (unsigned k = 1; k <= scan.kmax; k++)
		sig.kscan[k] = ev_kscan_accuracy(&scan, k);
	if (!a.quiet) {
		printf("%zu sequences, %zu labels, method %s, seed %llu\n", sig.ds.n, sig.ds.labels.n,
		       ev_method_name(a.method), (unsigned long long)a.seed);
		ev_kscan_print(stdout, &scan);
	}
	err = ev_sig_write(a.out, &sig);
	if (!err && !a.quiet)
		printf("signature written to %s (k = %u, accuracy %.4f)\n", a.out, sig.k,
		       ev_kscan_accuracy(&scan, sig.k));
out:
	ev_sig_free(&sig);
	return err < 0 ? 1 : 0;
}

int ev_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "predictions", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	bool json = false, predictions = false;
	struct ev_signature sig;
	struct ev_report r;
	int opt, err, *pred;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'j')
			json = true;
		else if (opt == 'p')
			predictions = true;
		else {
			printf("usage: iotprof events report SIGNATURE [--json] [--predictions]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1) {
		pr_warn("usage: iotprof events report SIGNATURE [--json] [--predictions]");
		return 2;
	}
	if (ev_sig_read(argv[optind], &sig))
		return 1;
	pred = malloc((sig.ds.n ? sig.ds.n : 1) * sizeof(*pred));
	err = pred ? ev_predict_held_out(&sig.ds, sig.method, sig.k, pred) : -ENOMEM;
	if (!err)
		err = ev_report_compute(&sig.ds, pred, &r);
	if (!err) {
		if (json)
			err = ev_report_json(stdout, &sig, &r, pred, predictions);
		else
			ev_report_print(stdout, &sig, &r);
		ev_report_free(&r);
	}
	if (err)
		pr_warn("events report: %s", strerror(-err));
	free(pred);
	ev_sig_free(&sig);
	return err ? 1 : 0;
}
