// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The gateway's configuration file (user/conf.c): what a good file sets,
 * every kind of bad line refused with its line number, the saved watch
 * list read back.  The service's commands with a real attach are in
 * test_service.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "attach.h"
#include "check.h"
#include "conf.h"
#include "log.h"

struct check_state check_state = { .suite = "conf" };

static char path[64];

static const char *write_conf(const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/iotprof-conf-XXXXXX");
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_good_file(void)
{
	static struct iotprof_conf c;
	char buf[ADDR_STR_MAX];
	const char *p = write_conf("# a comment\n"
				   "interfaces = eth1, eth2 wlan0   # trailing comment\n"
				   "\n"
				   "watch = 192.168.1.135 fd00::5,02:00:00:00:00:01\n"
				   "pin-dir = /sys/fs/bpf/gw\n"
				   "flows = 4096\n"
				   "mode = generic\n"
				   "lease = 2m\n"
				   "state-file = /var/tmp/watch\n");

	EXPECT(p && conf_read(p, true, &c) == 0, "read");
	EXPECT_EQ(c.n_interfaces, 3, "interfaces");
	EXPECT(!strcmp(c.interfaces[0], "eth1") && !strcmp(c.interfaces[2], "wlan0"), "interface names");
	EXPECT_EQ(c.n_watch, 3, "watch entries");
	EXPECT(c.watch_given && !c.watch_all, "watch given, not all");
	EXPECT(!strcmp(addr_format_watch(&c.watch[1], buf), "fd00::5"), "IPv6 watch entry: %s", buf);
	EXPECT(c.watch[2].kind == IOTPROF_WATCH_MAC, "MAC watch entry");
	EXPECT(!strcmp(c.pin_dir, "/sys/fs/bpf/gw") && !strcmp(c.state_file, "/var/tmp/watch"), "paths");
	EXPECT_EQ(c.flows, 4096, "flows");
	EXPECT_EQ(c.mode, ATTACH_GENERIC_ONLY, "mode");
	EXPECT(c.lease_given && c.lease_ns == 120000000000ull, "lease");
	unlink(p);
}

static void test_defaults(void)
{
	static struct iotprof_conf c;
	const char *p = write_conf("interfaces = eth0\nwatch = all\n");

	EXPECT(p && conf_read(p, true, &c) == 0, "read");
	EXPECT(c.watch_all && !c.n_watch, "watch all");
	EXPECT(!c.pin_dir[0] && !c.flows && c.mode == -1 && !c.lease_given, "unset keys stay unset");
	EXPECT(strstr(c.state_file, "/iotprof/watch") != NULL, "default state file: %s", c.state_file);
	unlink(p);
	EXPECT(conf_read("/nonexistent/iotprof.conf", false, &c) == -ENOENT, "missing file: -ENOENT");
}

static void test_bad_lines(void)
{
	static const char *const bad[] = {
		"interfaces = eth0\nnonsense\n",			/* no = */
		"interfaces = eth0\nwatch-list = 10.0.0.1\n",		/* unknown key */
		"interfaces = eth0\ninterfaces = eth1\n",		/* twice */
		"interfaces = eth0\nwatch = 10.0.0.300\n",		/* not an address */
		"interfaces = eth0\npin-dir = relative/dir\n",		/* not absolute */
		"interfaces = eth0\nflows = 10\n",			/* too small */
		"interfaces = eth0\nmode = fast\n",			/* no such mode */
		"interfaces = eth0\nlease = soon\n",			/* not a duration */
		"interfaces = eth0\nstate-file =\n",			/* empty */
		"interfaces = eth0\ninterfaces2 = x\n",
		"interfaces = a-name-longer-than-ifnamsiz\n",
	};
	static struct iotprof_conf c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *p = write_conf(bad[i]);

		EXPECT(p && conf_read(p, true, &c) == -EINVAL, "refused: %s", bad[i]);
		if (p)
			unlink(p);
	}
}

static void test_saved_watch_list(void)
{
	struct iotprof_watch_key keys[4];
	size_t n = 1;
	bool all = false;
	const char *p = write_conf("# saved\n192.168.1.7\nall\n02:00:00:00:00:09\n");

	memset(keys, 0, sizeof(keys));
	EXPECT(p && conf_watch_load(p, keys, 4, &n, &all) == 0, "read");
	EXPECT(n == 3 && all, "two entries added after the one there, and all (n %zu)", n);
	unlink(p);
	p = write_conf("192.168.1.7\nnot-an-address\n");
	n = 0;
	EXPECT(p && conf_watch_load(p, keys, 4, &n, &all) == -EINVAL, "a bad line refused");
	unlink(p);
	n = 0;
	EXPECT(conf_watch_load("/nonexistent/watch", keys, 4, &n, &all) == 0 && n == 0,
	       "no saved list: nothing added");
}

int main(void)
{
	log_quiet = true;
	freopen("/dev/null", "w", stderr);	/* the refusals' messages */
	RUN(test_good_file);
	RUN(test_defaults);
	RUN(test_bad_lines);
	RUN(test_saved_watch_list);
	return check_state.cases_failed ? 1 : 0;
}
