/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus metrics: the state of a loaded iotprof (and of campaigns) in
 * the text exposition format 0.0.4, for node_exporter's textfile collector
 * or a scrape of `iotprof metrics --listen`.  docs/METRICS.md lists them.
 */
#ifndef IOTPROF_METRICS_H
#define IOTPROF_METRICS_H

#include <stdio.h>

#define METRICS_CAMPAIGNS_MAX 16

struct metrics_opts {
	const char *pin_dir;
	const char *campaigns[METRICS_CAMPAIGNS_MAX];	/* campaign directories */
	int n_campaigns;
};

/* Writes every metric.  Something that cannot be read (iotprof not
 * loaded, a campaign directory without a checkpoint) is no error: its
 * metrics are left out and iotprof_up / iotprof_campaign_up say so.
 * Returns 0, or -errno when out cannot be written. */
int metrics_write(FILE *out, const struct metrics_opts *o);

/* A label value as the format wants it: \\, \" and \n escaped, and bytes
 * that are not printable ASCII as \xNN text. */
void metrics_label_escape(const char *in, char *out, size_t len);

#endif
