// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * iotprof run: a campaign from an experiment file, or the rest of a killed
 * one.  iotprof replay: the same campaign against recorded traces.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "campaign.h"
#include "commands.h"
#include "experiment.h"
#include "log.h"

static void run_usage(FILE *out)
{
	fprintf(out,
"usage: iotprof run EXPERIMENT.yaml [--out DIR] [--quiet]\n"
"       iotprof run --resume DIR [--quiet]\n"
"\n"
"Profiles one device event (DESIGN.md, Job 1): performs the interaction\n"
"m times per experiment, blocks what it saw, and walks the breadth-first\n"
"tree of blocking experiments.  The campaign directory (--out, else the\n"
"file's 'output', else ./campaign-DEVICE-EVENT) holds a checkpoint after\n"
"every iteration; Ctrl-C stops cleanly and --resume continues.  Deny rules\n"
"are removed on every exit path, and carry a lease in case of a crash.\n"
"The experiment file is described in docs/EXPERIMENT.md.\n"
"\n"
"  --out DIR     the campaign directory\n"
"  --resume DIR  continue the campaign in DIR\n"
"  --quiet       no progress lines\n"
"\n"
"Exit status: 0 finished, 1 error, 2 usage, 3 interrupted (resumable).\n");
}

int cmd_run(int argc, char **argv, const char *pin_dir)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "resume", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct campaign_opts o = {};
	const char *out = NULL, *resume = NULL;
	struct experiment *e;
	char dir[PATH_MAX];
	int c, rc;

	while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'r': resume = optarg; break;
		case 'q': o.quiet = true; break;
		case 'h': run_usage(stdout); return 0;
		default: run_usage(stderr); return 2;
		}
	}
	if (resume) {
		if (optind != argc || out) {
			pr_warn("run: --resume takes the campaign directory alone");
			return 2;
		}
		return campaign_resume(resume, &o);
	}
	if (optind != argc - 1) {
		pr_warn("run: %s", optind == argc ? "no experiment file given" : "one experiment file at a time");
		run_usage(stderr);
		return 2;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return 1;
	if (experiment_load(argv[optind], e)) {
		free(e);
		return 2;
	}
	if (!e->pin_dir[0])
		snprintf(e->pin_dir, sizeof(e->pin_dir), "%s", pin_dir);
	if (out)
		snprintf(dir, sizeof(dir), "%s", out);
	else if (e->output[0])
		snprintf(dir, sizeof(dir), "%s", e->output);
	else
		snprintf(dir, sizeof(dir), "campaign-%s-%s", e->device_name[0] ? e->device_name : "device",
			 e->event);
	rc = campaign_run(e, dir, &o);
	free(e);
	return rc;
}

static void replay_usage(FILE *out)
{
	fprintf(out,
"usage: iotprof replay EVENT_DIR --device ADDR --out DIR [--phone ADDR]\n"
"                      [--iterations M] [--prune node|none] [--dns-cache FILE]\n"
"                      [--control-plane drop|keep] [--quiet]\n"
"\n"
"Runs the whole campaign against recorded data: for each blocked set the\n"
"tree asks for, the traces recorded for it.  EVENT_DIR is one of our\n"
"campaign directories or an event of the public dataset layout (tree.json\n"
"and node directories of pcaps).  Blocked sets never recorded are reported\n"
"as \"not recorded\".  Writes the same results as a live run.\n"
"\n"
"  --device ADDR     the device's address (repeatable)\n"
"  --phone ADDR      the triggering host's address: its flows count too\n"
"  --iterations M    m (default 20: the dataset's repetitions)\n"
"  --prune MODE      node (default) or none\n"
"  --control-plane keep  control-plane packets (ARP, ICMP, DHCP, TCP and TLS\n"
"                    handshakes) make Flow IDs too; drop (default) as the paper\n");
}

static int write_replay_experiment(const char *dir, const char *source, char *const *devices, int n_dev,
				   const char *phone, int m, const char *prune, const char *control,
				   const char *dns_cache, char *path, size_t len)
{
	char src[PATH_MAX], tmp[PATH_MAX], *event;
	FILE *f;

	if (!realpath(source, src)) {
		pr_warn("%s: %s", source, strerror(errno));
		return -errno;
	}
	snprintf(tmp, sizeof(tmp), "%s", src);
	event = basename(tmp);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		pr_warn("%s: %s", dir, strerror(errno));
		return -errno;
	}
	snprintf(path, len, "%s/experiment.yaml", dir);
	f = fopen(path, "w");
	if (!f) {
		pr_warn("%s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "# Written by 'iotprof replay': the campaign replays recorded traces.\n");
	fprintf(f, "event: \"%s\"\ndevice:\n  name: \"%s\"\n  addresses: [", event, devices[0]);
	for (int i = 0; i < n_dev; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", devices[i]);
	fprintf(f, "]\n");
	if (phone)
		fprintf(f, "phone: \"%s\"\n", phone);
	fprintf(f, "interaction:\n  kind: replay\n  source: \"%s\"\n", src);
	fprintf(f, "iterations: %d\nprune: %s\ncontrol-plane: %s\n", m, prune, control);
	if (dns_cache) {
		char dc[PATH_MAX];

		fprintf(f, "dns-cache: \"%s\"\n", realpath(dns_cache, dc) ? dc : dns_cache);
	}
	return fclose(f) ? -EIO : 0;
}

int cmd_replay(int argc, char **argv, const char *pin_dir)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "phone", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "iterations", required_argument, NULL, 'm' },
		{ "prune", required_argument, NULL, 'P' },
		{ "dns-cache", required_argument, NULL, 'c' },
		{ "control-plane", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *out = NULL, *phone = NULL, *prune = "node", *control = "drop", *dns_cache = NULL;
	char *devices[8], path[PATH_MAX + 32];
	struct campaign_opts o = {};
	struct experiment *e;
	int c, n_dev = 0, m = 20, rc;
	char *end;

	(void)pin_dir;
	while ((c = getopt_long(argc, argv, "d:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (n_dev == 8) {
				pr_warn("replay: at most 8 --device addresses");
				return 2;
			}
			devices[n_dev++] = optarg;
			break;
		case 'p': phone = optarg; break;
		case 'o': out = optarg; break;
		case 'm':
			m = strtol(optarg, &end, 10);
			if (*end || m < 1) {
				pr_warn("replay: --iterations must be a number of at least 1, not '%s'", optarg);
				return 2;
			}
			break;
		case 'P':
			if (strcmp(optarg, "node") && strcmp(optarg, "none")) {
				pr_warn("replay: --prune is 'node' or 'none', not '%s'", optarg);
				return 2;
			}
			prune = optarg;
			break;
		case 'c': dns_cache = optarg; break;
		case 'C':
			if (strcmp(optarg, "drop") && strcmp(optarg, "keep")) {
				pr_warn("replay: --control-plane is 'drop' or 'keep', not '%s'", optarg);
				return 2;
			}
			control = optarg;
			break;
		case 'q': o.quiet = true; break;
		case 'h': replay_usage(stdout); return 0;
		default: replay_usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || !n_dev || !out) {
		pr_warn("replay: %s", optind != argc - 1 ? "one EVENT_DIR is needed" :
				      !n_dev ? "--device is needed" : "--out is needed");
		replay_usage(stderr);
		return 2;
	}
	if (write_replay_experiment(out, argv[optind], devices, n_dev, phone, m, prune, control, dns_cache, path,
				    sizeof(path)))
		return 1;
	e = calloc(1, sizeof(*e));
	if (!e)
		return 1;
	rc = experiment_load(path, e) ? 2 : campaign_run(e, out, &o);
	free(e);
	return rc;
}
