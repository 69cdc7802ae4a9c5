/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The privacy-leakage report of a signature: its held-out samples
 * classified again with its training samples, then accuracy overall, per
 * event label and per device, the confusion matrix, and the leakage score
 * of each device — the share of its held-out *event* sequences (label not
 * "other") whose event is recognised from packet lengths and directions
 * alone: what an observer of its encrypted traffic learns.
 */
#ifndef IOTPROF_EVENTS_REPORT_H
#define IOTPROF_EVENTS_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "events_sigfile.h"

struct ev_report {
	size_t n_train, n_test, correct, unclassified;
	size_t n_labels, n_devices;
	size_t *label_total, *label_correct;	/* by true label */
	size_t *device_total, *device_correct;
	size_t *event_total, *event_correct;	/* by device, event labels only */
	size_t *confusion;	/* [true * (n_labels + 1) + predicted], n_labels = unclassified */
};

/* pred: ev_predict_held_out()'s.  Returns 0 or -ENOMEM. */
int ev_report_compute(const struct ev_dataset *ds, const int *pred, struct ev_report *r);
void ev_report_free(struct ev_report *r);

double ev_report_accuracy(const struct ev_report *r);

void ev_report_print(FILE *out, const struct ev_signature *sig, const struct ev_report *r);

/* {"accuracy", "k", "per_label", "samples", ...}; with predictions, every
 * held-out sample's label and prediction too.  Returns 0 or -ENOMEM. */
int ev_report_json(FILE *out, const struct ev_signature *sig, const struct ev_report *r,
		   const int *pred, bool predictions);

#endif
