// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iotprof dns list | import FILE...: the names map. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "log.h"
#include "names.h"
#include "pins.h"

static void usage(FILE *out)
{
	fprintf(out,
"usage: iotprof dns list [--json]     addresses and the host names linked to them\n"
"       iotprof dns import FILE...    preload names: a hosts file, an unbound\n"
"                                     'dump_cache', or a dnsmasq cache dump (SIGUSR1)\n"
"\n"
"The kernel learns names from DNS answers and TLS SNI as packets pass; an\n"
"import tells it what the gateway's resolver already knew.\n");
}

int cmd_dns(int argc, char **argv, const char *pin_dir)
{
	int names_fd, strings_fd, err = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "list") && strcmp(argv[1], "import")) {
		pr_warn("dns: unknown subcommand '%s'", argv[1]);
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "import") && argc < 3) {
		pr_warn("dns import: no file given");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[1], "list") && strcmp(argv[i], "--json")) {
			pr_warn("dns list: unexpected argument '%s'", argv[i]);
			return 2;
		}
	}
	names_fd = pins_open_map(pin_dir, IOTPROF_MAP_NAMES, true);
	strings_fd = pins_open_map(pin_dir, IOTPROF_MAP_NAME_STRINGS, true);
	if (names_fd < 0 || strings_fd < 0)
		return 1;

	if (!strcmp(argv[1], "list")) {
		err = names_print(stdout, names_fd, strings_fd, argc > 2 && !strcmp(argv[2], "--json"));
	} else {
		for (int i = 2; i < argc; i++) {
			struct names_import_result r;
			int e = names_import(argv[i], names_fd, strings_fd, &r);

			printf("%s: %u addresses linked, %u lines without addresses, %u malformed\n",
			       argv[i], r.linked, r.skipped, r.malformed);
			if (e || r.malformed)
				err = e ? e : 1;
		}
	}
	close(names_fd);
	close(strings_fd);
	return err ? 1 : 0;
}
