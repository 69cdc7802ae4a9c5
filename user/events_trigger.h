/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Trigger logs: when each event was made to happen (docs/EVENTS.md,
 * "Trigger log").  The native form is what the profiler and simhome's
 * trigger write, one line per trigger:
 *
 *   TIME EVENT [DEVICE]        1700000000.250 toggle 10.77.0.35
 *
 * TIME in Unix seconds (decimals allowed), '#' starts a comment.  An
 * external CSV log is accepted too (a file ending in .csv, or whose first
 * line has a comma): columns time,event[,device], or any order under a
 * header naming them (time|timestamp, event|label, device); the time in
 * Unix seconds or ISO 8601 (UTC unless it says +hh:mm).
 */
#ifndef IOTPROF_EVENTS_TRIGGER_H
#define IOTPROF_EVENTS_TRIGGER_H

#include <stddef.h>
#include <linux/types.h>

struct ev_trigger {
	__u64 t_ns;		/* Unix ns */
	char *event;
	char *device;		/* NULL: any device */
};

struct ev_triggers {
	struct ev_trigger *v;	/* sorted by time once read */
	size_t n, cap;
};

/* Appends a file's triggers (native or CSV).  Errors name path:line.
 * Returns 0 or -errno. */
int ev_triggers_read(const char *path, struct ev_triggers *t);
/* Appends one trigger (copies the strings). */
int ev_triggers_add(struct ev_triggers *t, __u64 t_ns, const char *event, const char *device);
/* Sorts by time (equal times keep their order). */
void ev_triggers_sort(struct ev_triggers *t);
void ev_triggers_free(struct ev_triggers *t);

/* "2019-12-30T01:45:37.78Z", "2019-12-30 01:45:37+01:00" to Unix ns. */
int ev_parse_iso8601_ns(const char *s, __u64 *out);

#endif
