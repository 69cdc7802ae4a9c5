// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <xdp/libxdp.h>
#include "iotprof_abi.h"
#include "log.h"
#include "pins.h"

static const char *const our_maps[] = {
	IOTPROF_MAP_FLOWS, IOTPROF_MAP_FRAGS, IOTPROF_MAP_WATCH,
	IOTPROF_MAP_SETTINGS, IOTPROF_MAP_STATS, IOTPROF_MAP_IFACES,
	IOTPROF_MAP_NAMES, IOTPROF_MAP_NAME_STRINGS, IOTPROF_MAP_DENY_MASKS, IOTPROF_MAP_DENY_RULES,
	IOTPROF_MAP_DENY_LEASES, IOTPROF_MAP_EVENTS, "coap_tokens",
};

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

int pins_prepare(const char *dir)
{
	char parent[PATH_MAX];

	snprintf(parent, sizeof(parent), "%s", dir);
	dirname(parent);

	if (!is_bpffs(parent)) {
		if (strcmp(parent, "/sys/fs/bpf") != 0) {
			pr_warn("%s is not on a bpffs: mount one with 'mount -t bpf bpf %s'",
				dir, parent);
			return -ENOTDIR;
		}
		if (mount("bpf", parent, "bpf", 0, "mode=0700")) {
			int err = -errno;

			pr_warn("cannot mount bpffs at %s: %s", parent, strerror(errno));
			return err;
		}
		pr_debug("mounted bpffs at %s", parent);
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		int err = -errno;

		pr_warn("cannot create pin directory %s: %s", dir, strerror(errno));
		return err;
	}
	/* libxdp pins its dispatcher state on a bpffs of its own choosing:
	 * make it the same one, or a custom --pin-dir would be half-used. */
	setenv(XDP_BPFFS_ENVVAR, parent, 1);
	return 0;
}

int pins_open_map(const char *dir, const char *name, bool explain)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		int err = -errno;

		if (explain && (err == -ENOENT || err == -ENOTDIR))
			pr_warn("%s: not found; is iotprof loaded? (run iotprof-load IFACE first%s)",
				path, strcmp(dir, IOTPROF_PIN_DIR_DEFAULT) ? ", with the same --pin-dir" : "");
		else if (explain)
			pr_warn("%s: %s", path, strerror(-err));
		return err;
	}
	return fd;
}

bool pins_exist(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

int pins_remove_all(const char *dir)
{
	char path[PATH_MAX];
	int err = 0;

	for (size_t i = 0; i < sizeof(our_maps) / sizeof(our_maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, our_maps[i]);
		if (unlink(path) && errno != ENOENT) {
			err = -errno;
			pr_warn("cannot unpin %s: %s", path, strerror(errno));
		}
	}
	if (rmdir(dir) && errno != ENOENT) {
		err = -errno;
		pr_warn("cannot remove %s: %s (something else is pinned there?)", dir,
			strerror(errno));
	}
	return err;
}
