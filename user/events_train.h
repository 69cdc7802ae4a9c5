/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Choosing k (DESIGN.md, job 2, step 4): every k of [EV_K_MIN, EV_K_MAX]
 * classifies the held-out samples with the training samples as
 * neighbours; the best accuracy wins, the smallest such k on a tie.  A
 * held-out sample the method cannot classify (paper: a length no training
 * sample has) counts as wrong, as the published code counts it.
 */
#ifndef IOTPROF_EVENTS_TRAIN_H
#define IOTPROF_EVENTS_TRAIN_H

#include <stdio.h>
#include "events_knn.h"

#define EV_K_MIN 1
#define EV_K_MAX 10

struct ev_kscan {
	unsigned kmax;			/* k scanned: EV_K_MIN..kmax */
	size_t correct[EV_K_MAX + 1];	/* by k */
	size_t n_test;
	unsigned best_k;
};

/* Scans k over the data set's split.  Returns 0 or -errno. */
int ev_scan_k(const struct ev_dataset *ds, enum ev_method method, unsigned kmax,
	      struct ev_kscan *out);

double ev_kscan_accuracy(const struct ev_kscan *s, unsigned k);

/* The table "k accuracy" with the chosen k marked. */
void ev_kscan_print(FILE *out, const struct ev_kscan *s);

/* The prediction of every held-out sample with k (pred[i], for i a sample
 * index; -1 unclassified; training samples get -2).  Returns 0 or -errno. */
int ev_predict_held_out(const struct ev_dataset *ds, enum ev_method method, unsigned k,
			int *pred);

#endif
