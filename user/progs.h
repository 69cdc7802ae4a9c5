/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Opening and loading iotprof's BPF object (the libbpf skeleton). */
#ifndef IOTPROF_PROGS_H
#define IOTPROF_PROGS_H

#include <linux/types.h>
#include "iotprof.skel.h"

/* Says, in one line per missing piece, what this kernel lacks that iotprof
 * needs (by feature name).  Returns 0 when everything is there. */
int progs_check_kernel(void);

/* Opens the skeleton.  With pin_dir, maps are shared through pins there
 * (an existing pinned flows map keeps its size unless flows differs, which
 * is an error); without, nothing is pinned (offline mode).  flows = 0 means
 * the default or the pinned size.  Returns NULL having said why. */
struct iotprof_bpf *progs_open(const char *pin_dir, __u32 flows);

/* Loads an opened skeleton; on failure shows the verifier's log. */
int progs_load(struct iotprof_bpf *skel);

#endif
