/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The experiment file (docs/EXPERIMENT.md): one device, one event, how to
 * trigger it and how to tell that it worked, and the profiling parameters
 * of DESIGN.md Job 1.  Read with libyaml; every error names
 * file:line:column and the key, and an unknown key is refused with the
 * closest valid name.  All values are checked before anything runs.
 */
#ifndef IOTPROF_EXPERIMENT_H
#define IOTPROF_EXPERIMENT_H

#include <limits.h>
#include <stdbool.h>

#define EXP_NAME_MAX	64
#define EXP_ADDRS_MAX	8
#define EXP_IFACES_MAX	8
#define EXP_STEPS_MAX	64
#define EXP_CMD_MAX	1024

enum interaction_kind {
	INTERACTION_COMMAND = 1,	/* any shell command (sh -c); exit status is ignored */
	INTERACTION_ADB,		/* taps, swipes, text and waits through the adb CLI */
	INTERACTION_POWER_CYCLE,	/* off command, delay, on command (boot events) */
	INTERACTION_REPLAY,		/* recorded traces (a campaign or dataset directory) */
};

enum adb_step_kind { ADB_TAP = 1, ADB_SWIPE, ADB_TEXT, ADB_KEY, ADB_WAIT };

struct adb_step {
	enum adb_step_kind kind;
	int x1, y1, x2, y2;		/* tap: x1,y1; swipe: all four */
	int duration_ms;		/* swipe duration; wait time */
	char text[256];			/* text to type; key: keycode name or number */
};

struct interaction {
	enum interaction_kind kind;
	char command[EXP_CMD_MAX];	/* command */
	char serial[EXP_NAME_MAX];	/* adb: device serial ("" = the only device) */
	struct adb_step steps[EXP_STEPS_MAX];
	int n_steps;
	char off[EXP_CMD_MAX], on[EXP_CMD_MAX];	/* power-cycle */
	double off_s;			/* power-cycle: seconds between off and on (default 5) */
	char source[PATH_MAX];		/* replay: campaign or dataset event directory */
	double timeout_s;		/* command/adb/power-cycle: kill after this (default 60) */
};

enum verify_kind { VERIFY_NONE = 0, VERIFY_COMMAND, VERIFY_SCREENSHOT };

struct verify {
	enum verify_kind kind;
	char command[EXP_CMD_MAX];	/* command: exit status 0 = success */
	char serial[EXP_NAME_MAX];	/* screenshot: adb serial */
	char reference[PATH_MAX];	/* screenshot: reference PNG */
	double threshold;		/* screenshot: SSIM >= threshold is success (default 0.9) */
	double delay_s;			/* wait before verifying (default 0) */
	double timeout_s;		/* default 30 */
};

struct experiment {
	char path[PATH_MAX];		/* the file it came from */
	char event[EXP_NAME_MAX];	/* event name, e.g. "toggle" */
	char device_name[EXP_NAME_MAX];
	char device_addrs[EXP_ADDRS_MAX][64];	/* IPv4/IPv6 literals; at least one */
	int n_device_addrs;
	char phone[64];			/* the triggering host's address ("" = none) */
	char interfaces[EXP_IFACES_MAX][16];	/* where iotprof-load attached; informative */
	int n_interfaces;
	struct interaction interaction;
	struct verify verify;
	int iterations;			/* m (default 20) */
	double capture_s;		/* d (default 20; 90 when boot is true) */
	double pause_min_s, pause_max_s;	/* default 40-150 (120-150 for boot) */
	bool boot;			/* boot event: the longer defaults above */
	char well_known[PATH_MAX];	/* ports file; default configs/well-known-ports */
	char dns_cache[PATH_MAX];	/* optional DNS cache to import (hosts file, resolver dump) */
	int max_depth;			/* 0 = no limit (default 0) */
	int max_nodes;			/* 0 = no limit (default 0) */
	double max_wall_s;		/* 0 = no limit (default 0) */
	bool prune;			/* prune: node (true, default) | none */
	bool keep_control;		/* control-plane: drop (false, default) | keep */
	char output[PATH_MAX];		/* campaign directory (default ./campaign-<device>-<event>) */
	char pin_dir[PATH_MAX];		/* iotprof-load's pin directory ("" = the default) */
	double lease_s;			/* deny-rule lease, renewed while running (default 300) */
	bool save_pcap;			/* also write each trace as a pcap (live only; default false) */
	unsigned seed;			/* pause randomness (default: time-based; 0 = time) */
};

/* Fills *e with the defaults, then reads `path`.  Returns 0, or -EINVAL
 * having printed every problem as "path:line:col: key: what is wrong". */
int experiment_load(const char *path, struct experiment *e);

/* As experiment_load, but relative paths in the file resolve against
 * base_dir instead of the file's own directory: a campaign keeps a copy of
 * its experiment file, and resuming must read it as the original. */
int experiment_load_in(const char *path, const char *base_dir, struct experiment *e);

/* The defaults alone (what an absent key means). */
void experiment_defaults(struct experiment *e);

/* Checks values that depend on each other (pause range, boot defaults,
 * the kind's required keys).  experiment_load calls it; exposed for
 * experiments built in code (iotprof replay). */
int experiment_validate(const struct experiment *e, const char *where);

#endif
