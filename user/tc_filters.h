/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* How many tc filters an interface's clsact hooks hold (rtnetlink dump).
 * libbpf can only query a filter it already knows the handle of; before we
 * remove a clsact qdisc we created, we must know nobody else uses it. */
#ifndef IOTPROF_TC_FILTERS_H
#define IOTPROF_TC_FILTERS_H

/* Returns the number of filters on ingress and egress together, or -errno. */
int tc_filters_count(int ifindex);

#endif
