// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * simhome-sim: check, plan, expect, host, trigger, state, ping.  People use
 * tools/simhome/simhome, which calls these.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "simhome.h"

static int cmd_check(int argc, char **argv)
{
	struct home_spec s;
	int comms = 0, events = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: simhome-sim check SPEC\n");
		return 2;
	}
	if (spec_load(argv[1], &s))
		return 1;
	for (int d = 0; d < s.n_devices; d++)
		events += s.devices[d].n_events;
	comms = s.n_comms;
	printf("%s: %d devices, %d events, %d communications, %d names\n", argv[1], s.n_devices, events, comms,
	       s.n_names);
	spec_free(&s);
	return 0;
}

static bool uplink_free(const struct home_spec *s, char (*cloud)[SPEC_ADDR_MAX], int n, uint32_t net)
{
	struct in_addr a;

	for (int i = 0; i < n; i++)
		if (inet_pton(AF_INET, cloud[i], &a) == 1 && (ntohl(a.s_addr) & ~3u) == net)
			return false;
	return (ntohl(s->lan_net.s_addr) & (~0u << (32 - s->lan_prefix))) !=
	       (net & (~0u << (32 - s->lan_prefix)));
}

/* What the shell needs to build the namespaces, one fact per line. */
static int cmd_plan(int argc, char **argv)
{
	char (*cloud)[SPEC_ADDR_MAX];
	struct home_spec s;
	uint32_t uplink = 0x64404D00;	/* 100.64.77.0/30 */
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: simhome-sim plan SPEC\n");
		return 2;
	}
	if (spec_load(argv[1], &s))
		return 1;
	spec_cloud_addrs(&s, &cloud, &n);
	printf("lan %s %d\n", s.lan, s.lan_prefix);
	printf("gateway %s\n", s.gateway);
	if (s.phone[0])
		printf("phone %s\n", s.phone);
	for (int d = 0; d < s.n_devices; d++)
		printf("device %s %s\n", s.devices[d].name, s.devices[d].ip);
	for (int d = 0; d < s.n_devices; d++)
		for (int e = 0; e < s.devices[d].n_events; e++)
			printf("event %s %s %s\n", s.devices[d].name, s.devices[d].events[e].name,
			       s.devices[d].events[e].boot ? "true" : "false");
	for (int i = 0; i < n; i++)
		printf("cloud-addr %s\n", cloud[i]);
	if (s.n_resolvers)
		printf("upstream %s\n", s.resolvers[0]);
	for (int i = 0; i < s.n_names; i++)
		for (int a = 0; a < s.names[i].n_addrs; a++)
			printf("name %s %s\n", s.names[i].name, s.names[i].addrs[a]);
	while (!uplink_free(&s, cloud, n, uplink))
		uplink += 4;
	printf("uplink %u.%u.%u.%u %u.%u.%u.%u\n", uplink >> 24, uplink >> 16 & 255, uplink >> 8 & 255,
	       (uplink & 255) + 1, uplink >> 24, uplink >> 16 & 255, uplink >> 8 & 255, (uplink & 255) + 2);
	free(cloud);
	spec_free(&s);
	return 0;
}

static const char *opt_run(int argc, char **argv, const char **device, double *timeout)
{
	static const struct option opts[] = {
		{ "run", required_argument, NULL, 'r' }, { "device", required_argument, NULL, 'd' },
		{ "host", required_argument, NULL, 'd' }, { "timeout", required_argument, NULL, 't' }, {}
	};
	const char *run = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': run = optarg; break;
		case 'd': *device = optarg; break;
		case 't': if (timeout) *timeout = atof(optarg); break;
		default: return NULL;
		}
	}
	return run;
}

static void state_failed(const char *run, const char *device, const char *event, const char *why)
{
	char path[1200], tmp[1300], line[256];
	long seq = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/state-%s", run, device);
	if ((f = fopen(path, "r"))) {
		if (fgets(line, sizeof(line), f))
			seq = strtol(line, NULL, 10);
		fclose(f);
	}
	snprintf(tmp, sizeof(tmp), "%s.trigger", path);
	if (!(f = fopen(tmp, "w")))
		return;
	fprintf(f, "%ld\tfailed\t%s\t%s\n", seq + 1, event, why);
	if (fclose(f) == 0)
		rename(tmp, path);
}

int cmd_trigger(int argc, char **argv)
{
	const char *device = NULL, *run;
	double timeout = 120;
	char id[128], req[256], reply[1024];
	int err;

	run = opt_run(argc, argv, &device, &timeout);
	if (!run || !device || optind != argc - 1) {
		fprintf(stderr, "usage: simhome-sim trigger --run DIR --device NAME [--timeout S] EVENT\n");
		return 2;
	}
	snprintf(id, sizeof(id), "dev-%s", device);
	snprintf(req, sizeof(req), "trigger %s", argv[optind]);
	err = ctl_ask(run, id, req, reply, sizeof(reply), timeout);
	if (err) {
		fprintf(stderr, "simhome trigger: device %s: %s (is the home up?)\n", device, strerror(-err));
		/* the last outcome must not stay the previous event's success */
		snprintf(reply, sizeof(reply), "the device process did not answer: %s", strerror(-err));
		state_failed(run, device, argv[optind], reply);
		return 2;
	}
	if (!strcmp(reply, "ok")) {
		printf("%s %s: ok\n", device, argv[optind]);
		return 0;
	}
	if (!strncmp(reply, "fail ", 5)) {
		printf("%s %s: failed: %s\n", device, argv[optind], reply + 5);
		return 1;
	}
	fprintf(stderr, "simhome trigger: %s\n", !strncmp(reply, "error ", 6) ? reply + 6 : reply);
	state_failed(run, device, argv[optind], !strncmp(reply, "error ", 6) ? reply + 6 : reply);
	return 2;
}

int cmd_state(int argc, char **argv)
{
	const char *device = NULL, *run;
	char path[1200], line[1024], *f[4];
	FILE *fp;

	run = opt_run(argc, argv, &device, NULL);
	if (!run || !device || optind != argc) {
		fprintf(stderr, "usage: simhome-sim state --run DIR --device NAME\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/state-%s", run, device);
	fp = fopen(path, "r");
	if (!fp) {
		printf("%s: no event yet\n", device);
		return 1;
	}
	if (!fgets(line, sizeof(line), fp)) {
		fclose(fp);
		return 1;
	}
	fclose(fp);
	line[strcspn(line, "\n")] = 0;
	f[0] = strtok(line, "\t");
	for (int i = 1; i < 4; i++)
		f[i] = strtok(NULL, i == 3 ? "" : "\t");
	if (!f[1] || !f[2]) {
		fprintf(stderr, "simhome state: %s: unreadable\n", path);
		return 2;
	}
	printf("%s %s: %s%s%s (event #%s)\n", device, f[2], f[1], f[3] && *f[3] ? ": " : "", f[3] ? f[3] : "",
	       f[0]);
	return strcmp(f[1], "ok") ? 1 : 0;
}

int cmd_ping(int argc, char **argv)
{
	const char *host = NULL, *run = opt_run(argc, argv, &host, NULL);
	char reply[64];

	if (!run || !host)
		return 2;
	return ctl_ask(run, host, "ping", reply, sizeof(reply), 2) || strcmp(reply, "pong");
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
		{ "check", cmd_check }, { "plan", cmd_plan }, { "expect", cmd_expect }, { "host", cmd_host },
		{ "trigger", cmd_trigger }, { "state", cmd_state }, { "ping", cmd_ping },
	};

	log_prog = "simhome";
	if (argc >= 2)
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (!strcmp(argv[1], cmds[i].name))
				return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "usage: simhome-sim check|plan|expect|host|trigger|state|ping ...\n"
			"(people use tools/simhome/simhome)\n");
	return 2;
}
