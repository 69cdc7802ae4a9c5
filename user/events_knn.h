/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The k-nearest-neighbour classifier of job 2 (Euclidean distance, uniform
 * votes), with three ways of comparing sequences of unequal length:
 *
 *   paper    the published method: one classifier per sequence length n;
 *            a sequence whose n has no training sample is not classified.
 *   pad      one classifier over every sample, each vector cut or padded
 *            with zeros to the longest training length.
 *   nearest  per length as paper; an unseen n goes to the group of the
 *            nearest length (the shorter on a tie), cut or padded to it.
 *
 * Ties are broken as scikit-learn's KNeighborsClassifier (brute force,
 * 1.2) breaks them, so that its predictions are ours sample for sample:
 * the k nearest are chosen with the same bounded max-heap, fed in
 * training order (among equal distances, which one a nearer candidate
 * evicts is the heap's choice, not simply the latest); among equal vote
 * counts the label first in byte order wins (np.unique's class order).
 * A group smaller than k votes with all its samples.
 */
#ifndef IOTPROF_EVENTS_KNN_H
#define IOTPROF_EVENTS_KNN_H

#include <stdbool.h>
#include "events_dataset.h"

enum ev_method {
	EV_METHOD_PAPER = 0,
	EV_METHOD_PAD,
	EV_METHOD_NEAREST,
	EV_METHOD__N,
};

#define EV_METHOD_DEFAULT EV_METHOD_PAD	/* measured the better: docs/REPRODUCTION-EVENTS.md */

const char *ev_method_name(enum ev_method m);
/* Returns 0, or -EINVAL for an unknown name. */
int ev_method_parse(const char *s, enum ev_method *m);

struct ev_group {
	__u32 n;		/* sequence length */
	size_t *idx;		/* candidate samples, in data set order */
	size_t count;
};

struct ev_model {
	const struct ev_dataset *ds;
	enum ev_method method;
	struct ev_group *groups;	/* by length, ascending; pad: one group */
	size_t n_groups;
	size_t max_group;		/* the largest group's count */
	__u32 pad_len;			/* pad: the longest candidate */
	unsigned *votes;		/* scratch, one per label */
	unsigned *rank;			/* a label's place in byte order */
	__u64 *dist;			/* scratch, max_group distances */
};

/* Candidates: the training samples, or every sample with with_test (a
 * signature used for detection).  Returns 0 or -errno. */
int ev_model_build(struct ev_model *m, const struct ev_dataset *ds, enum ev_method method,
		   bool with_test);
void ev_model_free(struct ev_model *m);

/* The squared distances from x to every candidate of the group the method
 * compares it with (into m->dist, in the group's order).  Returns that
 * group, or NULL when there is none (paper, unseen length). */
const struct ev_group *ev_model_distances(struct ev_model *m, const __s32 *x, __u32 n);

/* The k nearest of count distances as scikit-learn's heap keeps them:
 * their positions into out (heap order).  Returns min(k, count). */
unsigned ev_select_k(const __u64 *dist, size_t count, unsigned k, size_t *out);

/* The label that the candidates g->idx[pos[0..count)] vote for; -1 when
 * count is 0. */
int ev_model_vote(struct ev_model *m, const struct ev_group *g, const size_t *pos,
		  unsigned count);

/* Distances, selection and vote: the label index, or -1 (unclassified). */
int ev_model_predict(struct ev_model *m, const __s32 *x, __u32 n, unsigned k);

#endif
