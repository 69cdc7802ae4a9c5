/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Labelled feature vectors (one per packet sequence), their labels and
 * devices, and the seeded 80/20 split into training and held-out samples.
 */
#ifndef IOTPROF_EVENTS_DATASET_H
#define IOTPROF_EVENTS_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "events_strtab.h"

#define EV_LABEL_OTHER "other"		/* sequences paired with no trigger */
#define EV_TEST_PERCENT 20		/* held out: ceil(n * 20 / 100) samples */

struct ev_sample {
	__s32 *x;		/* features [d·l], owned */
	__u32 n;		/* packets */
	__u32 label;		/* index in labels */
	__u32 device;		/* index in devices */
	__u8  test;		/* held out (not a neighbour candidate when measuring) */
	__u8  pad[3];
	__u64 t_ns;		/* first packet, Unix ns (0 when unknown) */
};

struct ev_dataset {
	struct ev_sample *v;
	size_t n, cap;
	struct ev_strtab labels;
	struct ev_strtab devices;
};

/* Adds a sample (x copied).  Returns its index or -errno. */
int ev_dataset_add(struct ev_dataset *ds, const __s32 *x, __u32 n, const char *label,
		   const char *device, __u64 t_ns);
void ev_dataset_free(struct ev_dataset *ds);

/* Marks ceil(20 %) of the samples as held out: a Fisher-Yates shuffle
 * driven by splitmix64(seed), the first ones of the shuffled order.  The
 * same seed gives the same split on every machine. */
void ev_dataset_split(struct ev_dataset *ds, __u64 seed);

/* Refuses what cannot train a classifier, saying why: no samples, one
 * label only, nothing left to train on or to test with.  Returns 0 or
 * -EINVAL. */
int ev_dataset_check(const struct ev_dataset *ds, const char *what);

/* splitmix64: the generator behind the split (and the fuzz tests). */
__u64 ev_rand_next(__u64 *state);

#endif
