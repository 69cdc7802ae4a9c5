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
#include "output.h"
#include "pins.h"
#include "state.h"

/* Removes every `flag` from argv; true when there was one. */
static bool take_flag(int *argc, char **argv, const char *flag)
{
	bool found = false;
	int out = 1;

	for (int i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], flag))
			found = true;
		else
			argv[out++] = argv[i];
	}
	*argc = out;
	argv[out] = NULL;
	return found;
}

static void print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static struct json_object *json_v1(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "v", json_object_new_int(OUTPUT_JSON_VERSION));
	return o;
}

#define EPOCH_USAGE "usage: iotprof epoch [--next | --set N] [--json]\n" \
	"Shows the trace epoch, or advances it; each flow record counts the packets\n" \
	"of one epoch only.\n" \
	"  --next   the next epoch\n" \
	"  --set N  epoch N\n" \
	"  --json   {\"v\":1,\"epoch\":N}\n"
#define WATCH_USAGE "usage: iotprof watch [list | add ADDR... | del ADDR... | all | none] [--json]\n" \
	"The hosts whose flows are recorded: IPv4, IPv6 or MAC addresses; 'all'\n" \
	"records every flow, 'none' only the listed hosts.  Shows the list after\n" \
	"the change.\n" \
	"  --json   {\"v\":1,\"all\":BOOL,\"hosts\":[ADDR,...]}\n"
#define STATS_USAGE "usage: iotprof stats [--json]\n" \
	"The kernel programs' counters: packets, truncated and malformed headers,\n" \
	"fragments, flows created and evicted, application data parsed and\n" \
	"rejected, names learned, packets denied.\n" \
	"  --json   {\"v\":1,\"counters\":{NAME:N,...},\"flows_live\",\"flows_capacity\",\"flows_evicted\"}\n"

/* --help before anything touches the kernel. */
static bool want_help(int argc, char **argv, const char *usage)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return true;
		}
	}
	return false;
}

int cmd_epoch(int argc, char **argv, const char *pin_dir)
{
	struct iotprof_config cfg;
	bool json = take_flag(&argc, argv, "--json");
	int fd, err;

	if (want_help(argc, argv, EPOCH_USAGE))
		return 0;
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
			pr_warn("usage: iotprof epoch [--next | --set N] [--json]");
			close(fd);
			return 2;
		}
		err = settings_write(fd, &cfg);
	}
	if (!err && json) {
		struct json_object *o = json_v1();

		json_object_object_add(o, "epoch", json_object_new_int64(cfg.epoch));
		print_json(o);
	} else if (!err) {
		printf("%u\n", cfg.epoch);
	} else
		pr_warn("epoch: %s", strerror(-err));
	close(fd);
	return err ? 1 : 0;
}

static void watch_print_json(int watch_fd, const struct iotprof_config *cfg)
{
	struct json_object *o = json_v1(), *hosts = json_object_new_array();
	struct iotprof_watch_key k, next;
	char buf[ADDR_STR_MAX];
	void *prev = NULL;

	json_object_object_add(o, "all", json_object_new_boolean(cfg->flags & IOTPROF_CFG_WATCH_ALL));
	while (bpf_map_get_next_key(watch_fd, prev, &next) == 0) {
		json_object_array_add(hosts, json_object_new_string(addr_format_watch(&next, buf)));
		k = next;
		prev = &k;
	}
	json_object_object_add(o, "hosts", hosts);
	print_json(o);
}

int cmd_watch(int argc, char **argv, const char *pin_dir)
{
	bool json = take_flag(&argc, argv, "--json");
	const char *verb = argc > 1 ? argv[1] : "list";
	struct iotprof_config cfg;
	int wfd, sfd, err = 0;

	if (want_help(argc, argv, WATCH_USAGE))
		return 0;
	wfd = pins_open_map(pin_dir, IOTPROF_MAP_WATCH, true);
	sfd = pins_open_map(pin_dir, IOTPROF_MAP_SETTINGS, true);
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
	if (!err && !settings_read(sfd, &cfg)) {
		if (json)
			watch_print_json(wfd, &cfg);
		else
			watch_print(stdout, wfd, &cfg);
	}
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
	bool json = take_flag(&argc, argv, "--json");
	int sfd, ffd, err;

	if (want_help(argc, argv, STATS_USAGE))
		return 0;
	if (argc > 1) {
		pr_warn("stats: unexpected argument '%s'", argv[1]);
		fputs(STATS_USAGE, stderr);
		return 2;
	}
	sfd = pins_open_map(pin_dir, IOTPROF_MAP_STATS, true);
	ffd = pins_open_map(pin_dir, IOTPROF_MAP_FLOWS, true);
	if (sfd < 0 || ffd < 0)
		return 1;
	err = stats_read(sfd, s);
	if (!err)
		err = flows_read_map(ffd, &t);
	if (!err)
		err = bpf_obj_get_info_by_fd(ffd, &info, &len) ? -errno : 0;
	if (!err && json)
		print_json(stats_json(s, t.n, info.max_entries));
	else if (!err)
		stats_print(stdout, s, t.n, info.max_entries);
	else
		pr_warn("stats: %s", strerror(-err));
	flows_free(&t);
	close(sfd);
	close(ffd);
	return err ? 1 : 0;
}
