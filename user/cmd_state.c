// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iotprof epoch | watch | stats: the small maps of a loaded iotprof. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "commands.h"
#include "flows.h"
#include "log.h"
#include "pins.h"
#include "state.h"

int cmd_epoch(int argc, char **argv, const char *pin_dir)
{
	struct iotprof_config cfg;
	int fd, err;

	fd = pins_open_map(pin_dir, IOTPROF_MAP_SETTINGS, true);
	if (fd < 0)
		return 1;
	err = settings_read(fd, &cfg);
	if (!err && argc > 1) {
		char *end;

		if (!strcmp(argv[1], "--next")) {
			cfg.epoch++;
		} else if (!strcmp(argv[1], "--set") && argc > 2) {
			cfg.epoch = strtoul(argv[2], &end, 10);
			if (*end || !*argv[2]) {
				pr_warn("epoch --set: '%s' is not a number", argv[2]);
				close(fd);
				return 2;
			}
		} else {
			pr_warn("usage: iotprof epoch [--next | --set N]");
			close(fd);
			return 2;
		}
		err = settings_write(fd, &cfg);
	}
	if (!err)
		printf("%u\n", cfg.epoch);
	else
		pr_warn("epoch: %s", strerror(-err));
	close(fd);
	return err ? 1 : 0;
}

int cmd_watch(int argc, char **argv, const char *pin_dir)
{
	int wfd = pins_open_map(pin_dir, IOTPROF_MAP_WATCH, true);
	int sfd = pins_open_map(pin_dir, IOTPROF_MAP_SETTINGS, true);
	const char *verb = argc > 1 ? argv[1] : "list";
	struct iotprof_config cfg;
	int err = 0;

	if (wfd < 0 || sfd < 0)
		return 1;
	if (!strcmp(verb, "add") || !strcmp(verb, "del")) {
		for (int i = 2; i < argc && !err; i++) {
			struct iotprof_watch_key k;

			if (addr_parse_watch(argv[i], &k)) {
				pr_warn("watch %s: '%s' is not an IPv4, IPv6 or MAC address", verb, argv[i]);
				err = -EINVAL;
			} else {
				err = verb[0] == 'a' ? watch_add(wfd, sfd, &k) : watch_del(wfd, sfd, &k);
				if (err)
					pr_warn("watch %s %s: %s", verb, argv[i], strerror(-err));
			}
		}
	} else if (!strcmp(verb, "all") || !strcmp(verb, "none")) {
		err = settings_read(sfd, &cfg);
		if (!err) {
			cfg.flags = verb[0] == 'a' ? cfg.flags | IOTPROF_CFG_WATCH_ALL
						   : cfg.flags & ~IOTPROF_CFG_WATCH_ALL;
			err = settings_write(sfd, &cfg);
		}
	} else if (strcmp(verb, "list")) {
		pr_warn("usage: iotprof watch [list | add ADDR... | del ADDR... | all | none]");
		err = -EINVAL;
	}
	if (!err && !settings_read(sfd, &cfg))
		watch_print(stdout, wfd, &cfg);
	close(wfd);
	close(sfd);
	return err ? 1 : 0;
}

int cmd_stats(int argc, char **argv, const char *pin_dir)
{
	__u64 s[IOTPROF_STAT__MAX];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct flow_table t = {};
	int sfd, ffd, err;

	(void)argc;
	(void)argv;
	sfd = pins_open_map(pin_dir, IOTPROF_MAP_STATS, true);
	ffd = pins_open_map(pin_dir, IOTPROF_MAP_FLOWS, true);
	if (sfd < 0 || ffd < 0)
		return 1;
	err = stats_read(sfd, s);
	if (!err)
		err = flows_read_map(ffd, &t);
	if (!err)
		err = bpf_obj_get_info_by_fd(ffd, &info, &len) ? -errno : 0;
	if (!err)
		stats_print(stdout, s, t.n, info.max_entries);
	else
		pr_warn("stats: %s", strerror(-err));
	flows_free(&t);
	close(sfd);
	close(ffd);
	return err ? 1 : 0;
}
