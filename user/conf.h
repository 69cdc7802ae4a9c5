/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The gateway's configuration file, /etc/iotprof/iotprof.conf: what
 * iotprof.service attaches to and watches, where the maps are pinned, the
 * default lease of deny rules, and where the watch list is kept across
 * restarts.  "key = value" lines, '#' comments; an unknown key, a repeated
 * key or a bad value is an error naming the file and line.
 */
#ifndef IOTPROF_CONF_H
#define IOTPROF_CONF_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include "iotprof_abi.h"

#define CONF_IFACES_MAX 32

struct iotprof_conf {
	char path[PATH_MAX];			/* the file read, for messages */
	char interfaces[CONF_IFACES_MAX][IF_NAMESIZE];
	int n_interfaces;
	struct iotprof_watch_key watch[IOTPROF_WATCH_ENTRIES];
	size_t n_watch;
	bool watch_given, watch_all;
	char pin_dir[PATH_MAX];			/* "" when not given */
	__u32 flows;				/* 0 when not given */
	int mode;				/* enum attach_mode_request; -1 when not given */
	bool lease_given;
	__u64 lease_ns;				/* 0 = none */
	char state_file[PATH_MAX];		/* default STATEDIR/watch */
};

/* The file iotprof and iotprof-load read without --config: $IOTPROF_CONFIG
 * when set ("" or "none" for no file at all), else
 * SYSCONFDIR/iotprof/iotprof.conf. */
const char *conf_default_path(void);

/* What iotprof takes from the default file (when it exists): the pin
 * directory and the deny rules' default lease.  Read once.  Returns 0, or
 * -EINVAL for a file that is there and wrong (having said why). */
int conf_cli_defaults(const char **pin_dir, __u64 *lease_ns);

/* Reads path into *c (cleared first, defaults filled in).  Returns 0,
 * -ENOENT when the file does not exist (said only when `must_exist`), or
 * -EINVAL having said which line is wrong. */
int conf_read(const char *path, bool must_exist, struct iotprof_conf *c);

/* The saved watch list: one address (IPv4, IPv6 or MAC) per line, or
 * "all".  Written atomically. */
int conf_watch_save(const char *path, int watch_fd, int settings_fd);
/* Adds the saved entries to keys[*n..max) (and *all); a missing file
 * adds nothing.  Returns 0 or -errno, having said why. */
int conf_watch_load(const char *path, struct iotprof_watch_key *keys, size_t max, size_t *n,
		    bool *all);

#endif
