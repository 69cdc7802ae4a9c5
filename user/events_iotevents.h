/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The public IoTEvents sequence files (../shared/data/iotevents/README.md):
 * a packet row is "\tTIME\tSPEED\tDIR\tLEN[\t]" (DIR 1 = device -> Internet,
 * 0 = Internet -> device; LEN the frame length); a label line closes the
 * sequence of the rows above it.  CRLF or LF.
 */
#ifndef IOTPROF_EVENTS_IOTEVENTS_H
#define IOTPROF_EVENTS_IOTEVENTS_H

#include "events_dataset.h"

/* Appends the file's sequences to ds, as samples of the device named by
 * the file's base name without its extension.  Labels keep their text,
 * white space turned into '_'.  Rows after the last label are dropped with
 * a warning (they have no label).  Errors name path:line; nothing of the
 * file is kept then.  Returns the number of sequences added or -errno. */
int ev_iotevents_read(const char *path, struct ev_dataset *ds);

/* The device name ev_iotevents_read gives a file's samples. */
void ev_iotevents_device(const char *path, char *out, size_t size);

#endif
