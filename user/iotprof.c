// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iotprof: the command line.  Global options come before the subcommand. */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "conf.h"
#include "iotprof_abi.h"
#include "log.h"
#include "version.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv, const char *pin_dir);
	const char *help;
};

static const struct command commands[] = {
	{ "flows", cmd_flows, "list flows (live, or offline with --pcap FILE)" },
	{ "epoch", cmd_epoch, "show or advance the trace epoch (--next, --set N)" },
	{ "watch", cmd_watch, "list, add or remove watched hosts" },
	{ "stats", cmd_stats, "counters of the kernel programs" },
	{ "deny", cmd_deny, "rules that drop flows in the kernel: add, list, del, flush" },
	{ "signature", cmd_signature, "the Flow IDs shared by recorded traces of one event" },
	{ "run", cmd_run, "profile a device event: the blocking tree of an experiment file" },
	{ "replay", cmd_replay, "the same campaign against recorded traces" },
	{ "merge", cmd_merge, "combine event trees into a device profile" },
	{ "export", cmd_export, "a profile as an RFC 8520 MUD file (--mud); flows to IPFIX (--ipfix)" },
	{ "events", cmd_events, "event fingerprinting: record, train, report, detect" },
	{ "dns", cmd_dns, "the names map: list, or import a hosts file or resolver cache" },
	{ "capture", cmd_capture, "write the interfaces' packets to a pcap file (libpcap)" },
	{ "metrics", cmd_metrics, "Prometheus metrics: printed, to a file, or served (--listen)" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: iotprof [--pin-dir DIR] [-v] COMMAND [options]\n       iotprof --version\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n'iotprof COMMAND --help' describes each.  Maps are read from %s\n"
		"unless --pin-dir says otherwise; iotprof-load puts them there.\n",
		IOTPROF_PIN_DIR_DEFAULT);
}

/* --pin-dir is accepted anywhere on the line: scripts put it after the
 * subcommand as often as before it.  Without it, the configuration file's
 * (iotprof.conf), else the default. */
static const char *take_pin_dir(int *argc, char **argv)
{
	const char *dir = NULL;
	int out = 1;

	for (int i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--pin-dir") && i + 1 < *argc)
			dir = argv[++i];
		else if (!strncmp(argv[i], "--pin-dir=", 10))
			dir = argv[i] + 10;
		else
			argv[out++] = argv[i];
	}
	*argc = out;
	argv[out] = NULL;
	if (!dir && conf_cli_defaults(&dir, NULL))
		return NULL;
	return dir;
}

int main(int argc, char **argv)
{
	const char *pin_dir;
	int i = 1;

	log_prog = "iotprof";
	pin_dir = take_pin_dir(&argc, argv);
	if (!pin_dir)
		return 2;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			log_verbose++;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			version_print(stdout, "iotprof");
			return 0;
		} else {
			pr_warn("unknown option '%s'", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	log_hook_libraries();
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].run(argc - i, argv + i, pin_dir);
	pr_warn("unknown command '%s'", argv[i]);
	usage(stderr);
	return 2;
}
