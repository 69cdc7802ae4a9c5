/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Detection (DESIGN.md, job 2, step 5): each closed sequence is classified
 * with the signature (every sample of it is a neighbour candidate: the
 * held-out ones were kept apart only to measure); an event other than
 * "other" is printed with its time and device, and raises an alert when
 * it is in the privacy set.
 *
 *   2019-12-30T01:45:37.780211Z 12_30tplink_cz power_on packets=31
 */
#ifndef IOTPROF_EVENTS_DETECT_H
#define IOTPROF_EVENTS_DETECT_H

#include <stdbool.h>
#include <stdio.h>
#include "events_knn.h"
#include "events_privacy.h"
#include "events_seq.h"
#include "events_sigfile.h"

struct ev_detector {
	struct ev_model model;
	unsigned k;
	const struct ev_signature *sig;
	const struct ev_privacy *privacy;	/* NULL: no alerts */
	FILE *out;
	bool all;			/* print "other" sequences too */
	bool json;			/* one JSON object per line (docs/JSON.md) */
	char **device_names;		/* for ev_detect_seq_fn: index -> name */
	size_t sequences, events, alerts;
	size_t known, agreed;		/* sequences with a true label, and correct */
};

/* k = 0: the signature's k.  Returns 0 or -errno. */
int ev_detector_init(struct ev_detector *d, const struct ev_signature *sig,
		     enum ev_method method, unsigned k, FILE *out);
void ev_detector_free(struct ev_detector *d);

/* Classifies one sequence and reports it: the text line above, or with
 * json {"v":1,"time","time_ns","device","event","packets"[,"truth"],"alert"}.  truth: its known label (a
 * labelled input), or NULL.  Returns the label index or -1. */
int ev_detect(struct ev_detector *d, const char *device, __u64 start_ns, const __s32 *x,
	      __u32 n, const char *truth);

/* An ev_seq_fn over a detector whose device_names are set. */
int ev_detect_seq_fn(void *detector, const struct ev_seq *s);

/* "2019-12-30T01:45:37.780211Z" */
void ev_format_time(__u64 t_ns, char *buf, size_t size);

#endif
