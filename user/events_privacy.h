/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The user's privacy set (YAML, configs/privacy-events.yaml): which
 * detected events are privacy-sensitive, and what to run when one is seen.
 *
 *   events: [power_on, motion]        # on any device
 *   devices:                          # on one device (its name in the records)
 *     10.77.0.35: [toggle]
 *   command: logger -t iotprof "$IOTPROF_EVENT on $IOTPROF_DEVICE"
 *
 * An alert is one line on stderr and, when given, the command run by
 * /bin/sh with IOTPROF_EVENT, IOTPROF_DEVICE and IOTPROF_TIME (Unix
 * seconds) in its environment.  It runs to its end before detection goes
 * on: keep it short, or end it with '&'.
 */
#ifndef IOTPROF_EVENTS_PRIVACY_H
#define IOTPROF_EVENTS_PRIVACY_H

#include <stdbool.h>
#include <linux/types.h>

struct ev_privacy_rule {
	char *event;
	char *device;		/* NULL: any device */
};

struct ev_privacy {
	struct ev_privacy_rule *v;
	size_t n;
	char *command;		/* NULL: none */
};

/* Reads the YAML file; errors say path:line:column.  Returns 0 or -errno. */
int ev_privacy_read(const char *path, struct ev_privacy *p);
void ev_privacy_free(struct ev_privacy *p);

bool ev_privacy_match(const struct ev_privacy *p, const char *event, const char *device);

/* The alert line, and the command if any.  Returns the command's exit
 * status, 0 without one, or -errno when it could not run. */
int ev_privacy_alert(const struct ev_privacy *p, const char *event, const char *device,
		     __u64 t_ns);

#endif
