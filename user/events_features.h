/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Features of a packet sequence (DESIGN.md, job 2, step 3): the vector
 * [d1·l1, …, dn·ln], l the wire length, d = +1 for a packet to the device
 * and -1 for one from it; and the distances between such vectors.
 */
#ifndef IOTPROF_EVENTS_FEATURES_H
#define IOTPROF_EVENTS_FEATURES_H

#include <linux/types.h>
#include "iotprof_abi.h"

static inline __s32 ev_feature(__u8 dir, __u32 len)
{
	return dir == IOTPROF_EVENT_IN ? (__s32)len : -(__s32)len;
}

/* Squared Euclidean distance of two vectors of one length.  Integers all
 * the way: the sum is exact (|x| <= 65535, n <= EV_SEQ_MAX_PACKETS), so
 * ties between neighbours are true ties, as they are for scikit-learn on
 * the same integers in float64. */
__u64 ev_dist2(const __s32 *a, const __s32 *b, __u32 n);

/* Squared Euclidean distance once both vectors are brought to length len:
 * cut after len, padded with zeros up to len.  Nothing is copied. */
__u64 ev_dist2_fit(const __s32 *a, __u32 na, const __s32 *b, __u32 nb, __u32 len);

/* ev_dist2_fit, but it may stop as soon as the sum reaches bound and then
 * returns some value >= bound: a nearest-neighbour search only needs to
 * know that a candidate is not nearer than its current k-th. */
__u64 ev_dist2_fit_bounded(const __s32 *a, __u32 na, const __s32 *b, __u32 nb, __u32 len,
			   __u64 bound);

/* out[0..len) = x cut or padded with zeros to len. */
void ev_fit(const __s32 *x, __u32 n, __s32 *out, __u32 len);

#endif
