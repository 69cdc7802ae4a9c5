// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iotprof deny add | list | del | flush: rules that drop flows in the kernel. */
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "conf.h"
#include "deny.h"
#include "log.h"

static void usage(FILE *out)
{
	fprintf(out,
"usage: iotprof deny add [--src HOST] [--dst HOST] [--proto P] [--sport N] [--dport N]\n"
"                        [--dns-name NAME [--dns-type T]] [--sni NAME]\n"
"                        [--http-method M] [--http-uri URI]\n"
"                        [--coap-type CON|NON|ACK|RST] [--coap-code C.DD] [--coap-uri /a/b]\n"
"                        [--lease DURATION|none]\n"
"       iotprof deny add --flow JSON | --flow-file FILE   (a Flow ID object)\n"
"       iotprof deny add ... --hold     keep the rule while this command runs\n"
"       iotprof deny list [--json]\n"
"       iotprof deny del ID...\n"
"       iotprof deny flush\n"
"\n"
"A rule drops, in both directions, every packet whose fields match the\n"
"ones it names.  HOST is an address, a prefix (10.0.0.0/24) or a host name:\n"
"a name matches every address the names map links to it, also addresses\n"
"learned after the rule.  P is tcp, udp, icmp, icmpv6 or a number.\n"
"Each rule has a lease (default %d minutes): when it runs out the kernel\n"
"ignores the rule, so a controller that died never leaves the home broken.\n"
"A Flow ID is {\"src\",\"dst\",\"proto\",\"sport\",\"dport\",\"app\"}, null meaning any.\n"
"With --hold the command renews the rule's lease while it runs and removes\n"
"the rule when it ends (Ctrl-C, SIGTERM, SIGHUP); if it is killed outright\n"
"the lease still ends the rule.\n",
		DENY_LEASE_DEFAULT_S / 60);
}

static int read_file(const char *path, char **text)
{
	FILE *f = fopen(path, "r");
	long len;

	if (!f) {
		pr_warn("%s: %s", path, strerror(errno));
		return -errno;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	*text = len >= 0 ? calloc(1, len + 1) : NULL;
	if (!*text || fread(*text, 1, len, f) != (size_t)len) {
		pr_warn("%s: cannot read it", path);
		fclose(f);
		free(*text);
		*text = NULL;
		return -EIO;
	}
	fclose(f);
	return 0;
}

static volatile sig_atomic_t hold_stop;

static void hold_signal(int sig)
{
	(void)sig;
	hold_stop = 1;
}

/* Keeps rule `id` alive until a signal, then removes it. */
static int hold_rule(const struct deny_maps *dm, __u32 id, __u64 lease_ns)
{
	struct sigaction sa = { .sa_handler = hold_signal };
	__u64 renew_ns = lease_ns ? lease_ns / 3 : 0;
	int err;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (deny_renew(dm, id, lease_ns, getpid()))
		return 1;
	pr_info("holding rule %u (pid %d): Ctrl-C or SIGTERM removes it", id, getpid());
	while (!hold_stop) {
		struct timespec left = { .tv_sec = renew_ns ? renew_ns / 1000000000ull : 3600,
					 .tv_nsec = renew_ns % 1000000000ull };

		if (nanosleep(&left, NULL) == 0 && renew_ns && deny_renew(dm, id, lease_ns, getpid())) {
			pr_warn("rule %u is gone (deleted by someone else)", id);
			return 1;
		}
	}
	err = deny_del(dm, id);
	if (err && err != -ENOENT)
		pr_warn("removing rule %u failed: %s", id, strerror(-err));
	return err && err != -ENOENT ? 1 : 0;
}

static int deny_add_cmd(int argc, char **argv, const struct deny_maps *dm)
{
	static const struct option opts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "proto", required_argument, NULL, 'p' },
		{ "sport", required_argument, NULL, 'S' },
		{ "dport", required_argument, NULL, 'D' },
		{ "lease", required_argument, NULL, 'l' },
		{ "flow", required_argument, NULL, 'f' },
		{ "flow-file", required_argument, NULL, 'F' },
		{ "hold", no_argument, NULL, 'H' },
		{ "dns-name", required_argument, NULL, 1 },
		{ "dns-type", required_argument, NULL, 2 },
		{ "sni", required_argument, NULL, 3 },
		{ "http-method", required_argument, NULL, 4 },
		{ "http-uri", required_argument, NULL, 5 },
		{ "coap-type", required_argument, NULL, 6 },
		{ "coap-code", required_argument, NULL, 7 },
		{ "coap-uri", required_argument, NULL, 8 },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct deny_spec s = { .lease_ns = DENY_LEASE_DEFAULT_S * 1000000000ull };
	bool lease_given = false, hold = false;
	int c, err = 0, id;

	conf_cli_defaults(NULL, &s.lease_ns);	/* iotprof.conf's "lease", if any */
	optind = 1;
	while (!err && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'd':
			err = deny_spec_host(&s, c == 's', optarg);
			break;
		case 'p':
			err = deny_spec_proto(&s, optarg);
			break;
		case 'S':
		case 'D':
			err = deny_spec_port(&s, c == 'S', optarg);
			break;
		case 'l':
			err = deny_parse_lease(optarg, &s.lease_ns);
			lease_given = true;
			break;
		case 'f':
			err = deny_spec_from_flow_json(&s, optarg, "--flow");
			break;
		case 'F': {
			char *text = NULL;

			err = read_file(optarg, &text);
			if (!err)
				err = deny_spec_from_flow_json(&s, text, optarg);
			free(text);
			break;
		}
		case 'H':
			hold = true;
			break;
		case 1:
		case 2:
			err = deny_spec_dns(&s, c == 1 ? optarg : NULL, c == 2 ? optarg : NULL);
			break;
		case 3:
			err = deny_spec_sni(&s, optarg);
			break;
		case 4:
		case 5:
			err = deny_spec_http(&s, c == 4 ? optarg : NULL, c == 5 ? optarg : NULL);
			break;
		case 6:
		case 7:
		case 8:
			err = deny_spec_coap(&s, c == 6 ? optarg : NULL, c == 7 ? optarg : NULL,
					     c == 8 ? optarg : NULL);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (err)
		return 2;
	if (optind < argc) {
		pr_warn("deny add: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (lease_given && !s.lease_ns)
		pr_warn("warning: a rule without a lease blocks until it is deleted, even if iotprof dies");
	id = deny_add(dm, &s);
	if (id < 0)
		return 1;
	printf("%d\n", id);
	fflush(stdout);
	return hold ? hold_rule(dm, id, s.lease_ns) : 0;
}

int cmd_deny(int argc, char **argv, const char *pin_dir)
{
	struct deny_maps dm;
	const char *verb = argc > 1 ? argv[1] : "";
	int ret = 0;

	if (!strcmp(verb, "--help") || !strcmp(verb, "-h")) {
		usage(stdout);
		return 0;
	}
	if (strcmp(verb, "add") && strcmp(verb, "list") && strcmp(verb, "del") && strcmp(verb, "flush")) {
		pr_warn("deny: %s '%s'", *verb ? "unknown subcommand" : "missing subcommand", verb);
		usage(stderr);
		return 2;
	}
	if (deny_maps_open(pin_dir, &dm))
		return 1;
	if (!strcmp(verb, "add")) {
		ret = deny_add_cmd(argc - 1, argv + 1, &dm);
	} else if (!strcmp(verb, "list")) {
		if (argc > 2 && strcmp(argv[2], "--json")) {
			pr_warn("deny list: unexpected argument '%s'", argv[2]);
			ret = 2;
		} else {
			ret = deny_print(stdout, &dm, argc > 2) ? 1 : 0;
		}
	} else if (!strcmp(verb, "del")) {
		if (argc < 3) {
			pr_warn("deny del: no rule number given");
			ret = 2;
		}
		for (int i = 2; i < argc; i++) {
			char *end;
			unsigned long id = strtoul(argv[i], &end, 10);

			if (*end || !*argv[i] || !id || id > UINT32_MAX) {
				pr_warn("deny del: '%s' is not a rule number", argv[i]);
				ret = 2;
			} else if (deny_del(&dm, id)) {
				pr_warn("deny del: no rule %lu", id);
				ret = 1;
			}
		}
	} else {
		ret = deny_flush(&dm) ? 1 : 0;
	}
	deny_maps_close(&dm);
	return ret;
}
