// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * iotprof-load: attach iotprof's programs to gateway interfaces, show what
 * is attached where, and remove everything again.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "attach.h"
#include "conf.h"
#include "log.h"
#include "pins.h"
#include "progs.h"
#include "state.h"
#include "version.h"

static void usage(FILE *out)
{
	fprintf(out,
"usage: iotprof-load [options] IFACE...   attach to the gateway's interfaces\n"
"       iotprof-load --status             what is attached where\n"
"       iotprof-load --detach             remove every attachment and pin\n"
"       iotprof-load --config FILE [--detach | --save-watch]   as the service does\n"
"\n"
"Attaches the XDP program (ingress, through libxdp) and the TC egress program\n"
"to each IFACE and pins the maps under the pin directory, where 'iotprof' and\n"
"bpftool find them.  Attach to every interface of the gateway that the\n"
"watched devices' traffic crosses.  Running it again is harmless.\n"
"\n"
"With --config, the interfaces, watch list, pin directory, flow table size\n"
"and mode come from FILE (iotprof.conf; options on the command line win),\n"
"and the watch list is kept in its state file across restarts: --detach\n"
"saves it first, attaching loads it again.\n"
"\n"
"options:\n"
"  --watch ADDR[,ADDR]  record flows of these hosts (IPv4, IPv6 or MAC); may\n"
"                       repeat; 'all' records every flow.  Without --watch the\n"
"                       current watch list is kept.\n"
"  --flows N            size of the flow table (default %u, LRU eviction)\n"
"  --mode MODE          native | generic | auto (default auto: native, generic\n"
"                       as fallback with a warning)\n"
"  --pin-dir DIR        bpffs directory for the maps (default %s)\n"
"  --config FILE        the gateway's configuration (iotprof.service uses\n"
"                       %s)\n"
"  --save-watch         with --config: save the watch list to its state file\n"
"  -v, --verbose        show libbpf/libxdp messages (twice: debug)\n"
"  -h, --help           this text\n"
"  --version            the version and the libraries it was built with\n", IOTPROF_FLOWS_DEFAULT, IOTPROF_PIN_DIR_DEFAULT,
		conf_default_path() ?: "none");
}

struct loader_args {
	const char *pin_dir;
	struct attach_opts attach;
	struct iotprof_watch_key watch[IOTPROF_WATCH_ENTRIES];
	size_t n_watch;
	bool watch_given, watch_all, status, detach, save_watch;
	bool pin_dir_given, flows_given, mode_given;
	const char *config;
	struct iotprof_conf conf;
};

static int parse_watch(struct loader_args *a, char *list)
{
	a->watch_given = true;
	return addr_parse_watch_list("--watch", list, a->watch, IOTPROF_WATCH_ENTRIES,
				     &a->n_watch, &a->watch_all);
}

/* The configuration file: --config FILE in full; without it, only the pin
 * directory of the default file, so that iotprof and iotprof-load agree on
 * it.  The command line wins. */
static int apply_config(struct loader_args *a)
{
	const char *path = a->config ?: conf_default_path();
	int err;

	if (!path)
		return 0;
	err = conf_read(path, a->config != NULL, &a->conf);
	if (err == -ENOENT && !a->config)
		return 0;
	if (err)
		return err;
	if (!a->pin_dir_given && a->conf.pin_dir[0])
		a->pin_dir = a->conf.pin_dir;
	if (!a->config) {
		a->conf.n_interfaces = 0;
		return 0;
	}
	if (!a->flows_given && a->conf.flows)
		a->attach.flows = a->conf.flows;
	if (!a->mode_given && a->conf.mode >= 0)
		a->attach.mode = a->conf.mode;
	if (a->watch_given || a->detach || a->save_watch || a->status)
		return 0;
	/* The configured list, and what was watched when the service stopped. */
	a->n_watch = a->conf.n_watch;
	memcpy(a->watch, a->conf.watch, a->n_watch * sizeof(a->watch[0]));
	a->watch_all = a->conf.watch_all;
	err = conf_watch_load(a->conf.state_file, a->watch, IOTPROF_WATCH_ENTRIES, &a->n_watch,
			      &a->watch_all);
	a->watch_given = a->conf.watch_given || a->n_watch || a->watch_all;
	return err;
}

static int parse_args(int argc, char **argv, struct loader_args *a)
{
	static const struct option opts[] = {
		{ "watch", required_argument, NULL, 'w' },
		{ "flows", required_argument, NULL, 'f' },
		{ "mode", required_argument, NULL, 'm' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "status", no_argument, NULL, 's' },
		{ "detach", no_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "config", required_argument, NULL, 'c' },
		{ "save-watch", no_argument, NULL, 'S' },
		{}
	};
	int c;

	a->pin_dir = IOTPROF_PIN_DIR_DEFAULT;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (parse_watch(a, optarg))
				return -EINVAL;
			break;
		case 'f': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (*end || n < IOTPROF_FLOWS_MIN || n > IOTPROF_FLOWS_MAX) {
				pr_warn("--flows: '%s' is not a number from %u to %u", optarg,
					IOTPROF_FLOWS_MIN, IOTPROF_FLOWS_MAX);
				return -EINVAL;
			}
			a->attach.flows = n;
			a->flows_given = true;
			break;
		}
		case 'm':
			if (!strcmp(optarg, "native"))
				a->attach.mode = ATTACH_NATIVE_ONLY;
			else if (!strcmp(optarg, "generic") || !strcmp(optarg, "skb"))
				a->attach.mode = ATTACH_GENERIC_ONLY;
			else if (!strcmp(optarg, "auto"))
				a->attach.mode = ATTACH_NATIVE_OR_GENERIC;
			else {
				pr_warn("--mode: '%s' is not native, generic or auto", optarg);
				return -EINVAL;
			}
			a->mode_given = true;
			break;
		case 'p':
			a->pin_dir = optarg;
			a->pin_dir_given = true;
			break;
		case 'c':
			a->config = optarg;
			break;
		case 'S':
			a->save_watch = true;
			break;
		case 's':
			a->status = true;
			break;
		case 'd':
			a->detach = true;
			break;
		case 'v':
			log_verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			version_print(stdout, "iotprof-load");
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (apply_config(a))
		return -EINVAL;
	a->attach.pin_dir = a->pin_dir;
	if (a->save_watch && !a->config) {
		pr_warn("--save-watch needs --config (the state file is named there)");
		return -EINVAL;
	}
	if (!a->status && !a->detach && !a->save_watch && optind >= argc && !a->conf.n_interfaces) {
		pr_warn("no interface given");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static int apply_watch(const struct loader_args *a)
{
	int wfd = pins_open_map(a->pin_dir, IOTPROF_MAP_WATCH, true);
	int sfd = pins_open_map(a->pin_dir, IOTPROF_MAP_SETTINGS, true);
	struct iotprof_config cfg;
	int err = wfd < 0 ? wfd : sfd < 0 ? sfd : 0;

	if (err)
		goto out;
	if (a->watch_given) {
		err = settings_read(sfd, &cfg);
		if (err)
			goto out;
		cfg.flags = a->watch_all ? cfg.flags | IOTPROF_CFG_WATCH_ALL
					 : cfg.flags & ~IOTPROF_CFG_WATCH_ALL;
		err = settings_write(sfd, &cfg);
		for (size_t i = 0; !err && i < a->n_watch; i++)
			err = watch_add(wfd, sfd, &a->watch[i]);
	}
	if (!err && !settings_read(sfd, &cfg))
		watch_print(stdout, wfd, &cfg);
out:
	if (wfd >= 0)
		close(wfd);
	if (sfd >= 0)
		close(sfd);
	return err;
}

/* One pin directory serves one network namespace: its records name
 * interfaces by ifindex, which means something else in another one. */
static int check_same_netns(const char *pin_dir)
{
	int fd = pins_open_map(pin_dir, IOTPROF_MAP_IFACES, false);
	__u32 k, *prev = NULL;
	struct iotprof_iface rec;
	int err = 0;

	if (fd < 0)
		return 0;
	while (bpf_map_get_next_key(fd, prev, &k) == 0) {
		if (bpf_map_lookup_elem(fd, &k, &rec) == 0 && rec.netns != current_netns()) {
			pr_warn("%s is in use by iotprof in another network namespace (net:[%llu], %s); give this one its own --pin-dir, or run there",
				pin_dir, (unsigned long long)rec.netns, rec.name);
			err = -EBUSY;
			break;
		}
		prev = &k;
	}
	close(fd);
	return err;
}

static int do_attach(const struct loader_args *a, int argc, char **argv)
{
	int ifaces_fd = -1, err, failed = 0;

	/* Refuse a mistyped name before anything is mounted or pinned. */
	for (int i = 0; i < argc; i++) {
		if (!if_nametoindex(argv[i])) {
			pr_warn("no such interface: %s", argv[i]);
			return -ENODEV;
		}
	}
	if (progs_check_kernel())
		return -EOPNOTSUPP;
	err = pins_prepare(a->pin_dir);
	if (err)
		return err;
	err = check_same_netns(a->pin_dir);
	if (err)
		return err;

	for (int i = 0; i < argc; i++) {
		struct iotprof_iface rec, old;

		err = attach_iface(argv[i], &a->attach, &rec);
		if (err) {
			failed++;
			continue;
		}
		if (ifaces_fd < 0)
			ifaces_fd = pins_open_map(a->pin_dir, IOTPROF_MAP_IFACES, true);
		/* Re-attaching: clsact we created earlier is still ours. */
		if (ifaces_fd >= 0 && !bpf_map_lookup_elem(ifaces_fd, &rec.ifindex, &old))
			rec.clsact_created |= old.clsact_created;
		if (ifaces_fd >= 0)
			bpf_map_update_elem(ifaces_fd, &rec.ifindex, &rec, BPF_ANY);
		printf("%s: attached (XDP %s; TC egress)\n", rec.name, xdp_mode_describe(rec.xdp_mode));
	}
	if (ifaces_fd >= 0)
		close(ifaces_fd);
	if (failed == argc)
		return -EINVAL;
	err = apply_watch(a);
	return err ? err : failed ? -EINVAL : 0;
}

static int do_attach_configured(const struct loader_args *a)
{
	char *names[CONF_IFACES_MAX];

	for (int i = 0; i < a->conf.n_interfaces; i++)
		names[i] = (char *)a->conf.interfaces[i];
	return do_attach(a, a->conf.n_interfaces, names);
}

/* Visits every interface record; fn may delete the record it is given. */
static int for_each_iface(int fd, int (*fn)(int fd, const struct iotprof_iface *rec))
{
	__u32 keys[IOTPROF_IFACE_ENTRIES], k, *prev = NULL;
	int n = 0, err = 0;

	while (n < IOTPROF_IFACE_ENTRIES && bpf_map_get_next_key(fd, prev, &k) == 0) {
		keys[n++] = k;
		prev = &keys[n - 1];
	}
	for (int i = 0; i < n; i++) {
		struct iotprof_iface rec;

		if (bpf_map_lookup_elem(fd, &keys[i], &rec) == 0)
			err = fn(fd, &rec) ?: err;
	}
	return err;
}

static int print_iface(int fd, const struct iotprof_iface *rec)
{
	time_t when = rec->attached_ns / 1000000000ull;
	char ts[32];

	(void)fd;
	if (rec->netns != current_netns()) {
		printf("%s (ifindex %u): attached in another network namespace (net:[%llu])\n",
		       rec->name, rec->ifindex, (unsigned long long)rec->netns);
		return 0;
	}
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", localtime(&when));
	printf("%s (ifindex %u): XDP %s%s; TC egress %s; since %s\n", rec->name, rec->ifindex,
	       xdp_mode_describe(rec->xdp_mode),
	       xdp_ours_attached(rec->ifindex) ? "" : " [MISSING: removed by someone else?]",
	       rec->tc_egress ? "attached" : "not attached", ts);
	return 0;
}

static int do_status(const struct loader_args *a)
{
	int fd = pins_open_map(a->pin_dir, IOTPROF_MAP_IFACES, false);
	int sfd, wfd;
	struct iotprof_config cfg;

	if (fd < 0) {
		printf("iotprof is not loaded (nothing pinned at %s)\n", a->pin_dir);
		return 0;
	}
	printf("pinned maps: %s\n", a->pin_dir);
	for_each_iface(fd, print_iface);
	close(fd);
	sfd = pins_open_map(a->pin_dir, IOTPROF_MAP_SETTINGS, true);
	wfd = pins_open_map(a->pin_dir, IOTPROF_MAP_WATCH, true);
	if (sfd >= 0 && wfd >= 0 && settings_read(sfd, &cfg) == 0) {
		printf("epoch: %u\n", cfg.epoch);
		watch_print(stdout, wfd, &cfg);
	}
	if (sfd >= 0)
		close(sfd);
	if (wfd >= 0)
		close(wfd);
	return 0;
}

static int detach_one(int fd, const struct iotprof_iface *rec)
{
	int err;

	if (rec->netns != current_netns()) {
		pr_warn("%s was attached in another network namespace (net:[%llu]): run --detach there",
			rec->name, (unsigned long long)rec->netns);
		return -EXDEV;
	}
	err = detach_iface(rec);

	bpf_map_delete_elem(fd, &rec->ifindex);
	printf("%s: detached\n", rec->name);
	return err;
}

/* Saves the watch list of the loaded iotprof to the configured state file. */
static int save_watch(const struct loader_args *a, bool explain)
{
	int wfd = pins_open_map(a->pin_dir, IOTPROF_MAP_WATCH, explain);
	int sfd = pins_open_map(a->pin_dir, IOTPROF_MAP_SETTINGS, explain);
	int err = wfd < 0 ? wfd : sfd < 0 ? sfd : 0;

	if (!err)
		err = conf_watch_save(a->conf.state_file, wfd, sfd);
	if (!err)
		printf("watch list saved to %s\n", a->conf.state_file);
	else if (wfd >= 0 && sfd >= 0)
		pr_warn("cannot save the watch list to %s: %s", a->conf.state_file, strerror(-err));
	if (wfd >= 0)
		close(wfd);
	if (sfd >= 0)
		close(sfd);
	return err;
}

static int do_detach(const struct loader_args *a)
{
	int fd = pins_open_map(a->pin_dir, IOTPROF_MAP_IFACES, false);
	int err = 0;

	/* Nothing loaded, nothing to save: the last saved list stays. */
	if (a->config && fd >= 0 && save_watch(a, false))
		pr_warn("detaching anyway");

	if (fd >= 0) {
		err = for_each_iface(fd, detach_one);
		close(fd);
	}
	if (err == -EXDEV)	/* keep the pins: they are the way to what is still attached */
		return err;
	if (pins_remove_all(a->pin_dir) && !err)
		err = -EBUSY;
	if (fd < 0)
		printf("nothing attached (no pins at %s)\n", a->pin_dir);
	return err;
}

int main(int argc, char **argv)
{
	static struct loader_args args;
	int err;

	log_prog = "iotprof-load";
	log_hook_libraries();
	if (parse_args(argc, argv, &args))
		return 2;
	if (geteuid() != 0) {
		pr_warn("must run as root (it loads BPF programs and attaches them to interfaces)");
		return 1;
	}
	if (args.status)
		err = do_status(&args);
	else if (args.save_watch && !args.detach)
		err = save_watch(&args, true);
	else if (args.detach)
		err = do_detach(&args);
	else if (optind < argc)
		err = do_attach(&args, argc - optind, argv + optind);
	else
		err = do_attach_configured(&args);
	return err ? 1 : 0;
}
