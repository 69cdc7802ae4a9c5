/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The signature file (docs/EVENTS.md, "Signature file"): what training
 * produced — method, k, the split's seed, the sequencing parameters — and
 * every labelled sample, marked training or held out, so that `events
 * report` measures the held-out 20 % again and `events detect` classifies
 * with the same neighbours.
 *
 *   iotprof-events-signature 1
 *   method pad
 *   k 3
 *   seed 1
 *   gap_ns 1000000000
 *   pair_ns 2000000000
 *   kscan 0.9231 0.9231 0.8462 ...
 *   samples 66
 *   s train power_on 12_30tplink_cz 1577670337780211000 31 307 -54 ...
 *
 * Text, for the reasons of the packet-record file; a "samples" count ahead
 * of the samples makes a truncated file an error, not a smaller model.
 */
#ifndef IOTPROF_EVENTS_SIGFILE_H
#define IOTPROF_EVENTS_SIGFILE_H

#include "events_train.h"

#define EV_SIG_MAGIC   "iotprof-events-signature"
#define EV_SIG_VERSION 1
#define EV_SIG_MAX_N   65536		/* features per sample accepted */

struct ev_signature {
	struct ev_dataset ds;
	enum ev_method method;
	unsigned k;
	__u64 seed;
	__u64 gap_ns;			/* a: sequences are cut at gaps above it */
	__u64 pair_ns;			/* b: pairing window with triggers (0: none used) */
	unsigned kmax;			/* kscan entries: accuracy by k, 1..kmax */
	double kscan[EV_K_MAX + 1];
};

/* Written to path.tmp, then renamed: a reader never sees half a file.
 * Returns 0 or -errno, having said why. */
int ev_sig_write(const char *path, const struct ev_signature *sig);

/* Reads a signature; every error names path:line.  Returns 0 or -errno. */
int ev_sig_read(const char *path, struct ev_signature *sig);

void ev_sig_free(struct ev_signature *sig);

#endif
