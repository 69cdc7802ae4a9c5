// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iotprof events: event fingerprinting from packet lengths and directions
 * (DESIGN.md, job 2; docs/EVENTS.md).  The subcommands live in
 * user/events_cmd_*.c. */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "events_cmd.h"
#include "log.h"

static void usage(FILE *out)
{
	fprintf(out,
"usage: iotprof events record --device ADDR[,ADDR] --out FILE [--pcap FILE] [--duration S]\n"
"       iotprof events train (--iotevents FILE... | --records FILE... --triggers LOG...)\n"
"                            --out SIGNATURE [--seed N] [--method paper|pad|nearest]\n"
"                            [--gap S] [--pair-window S] [--kmax N]\n"
"       iotprof events report SIGNATURE [--json] [--predictions]\n"
"       iotprof events detect --signature SIGNATURE (--pcap FILE --device ADDR |\n"
"                            --live --device ADDR | --iotevents FILE | --records FILE)\n"
"                            [--privacy YAML] [--all] [--method M] [--k N] [--gap S]\n"
"                            [--duration S] [--json]\n"
"\n"
"record   one line per packet of the devices (docs/EVENTS.md: packet records),\n"
"         live from the kernel's ring buffer until Ctrl-C or --duration, or\n"
"         offline: the capture through the same XDP program\n"
"train    sequences (cut at gaps above --gap, default 1s), labelled by the\n"
"         trigger within --pair-window (default 2s) or 'other'; a seeded 80/20\n"
"         split; k from 1 to --kmax (10) by held-out accuracy; the signature file\n"
"report   accuracy on the held-out 20 %%: overall, per event, per device, the\n"
"         confusion matrix and each device's privacy-leakage score\n"
"detect   classify each sequence; print events with time and device; alert on\n"
"         the events of the privacy set (configs/privacy-events.yaml)\n");
}

int cmd_events(int argc, char **argv, const char *pin_dir)
{
	const char *verb = argc > 1 ? argv[1] : "";

	if (!strcmp(verb, "record"))
		return ev_cmd_record(argc - 1, argv + 1, pin_dir);
	if (!strcmp(verb, "train"))
		return ev_cmd_train(argc - 1, argv + 1);
	if (!strcmp(verb, "report"))
		return ev_cmd_report(argc - 1, argv + 1);
	if (!strcmp(verb, "detect"))
		return ev_cmd_detect(argc - 1, argv + 1, pin_dir);
	if (!strcmp(verb, "-h") || !strcmp(verb, "--help") || !strcmp(verb, "help")) {
		usage(stdout);
		return 0;
	}
	if (*verb)
		pr_warn("events: unknown subcommand '%s'", verb);
	usage(stderr);
	return 2;
}
