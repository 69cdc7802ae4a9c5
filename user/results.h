/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A campaign's results (DESIGN.md, Job 1 step 5), written into its
 * directory: tree.json (the tree, a contract: docs/RESULTS.md), tree.dot
 * and tree.svg (for people), summary.json (first-level and hidden Flow IDs,
 * the robustness score, the DNS view).  Each file is written to a
 * temporary name and renamed, so a reader never sees half a file.
 */
#ifndef IOTPROF_RESULTS_H
#define IOTPROF_RESULTS_H

#include <stdbool.h>
#include <stdio.h>
#include "tree.h"

struct json_object;

#define RESULTS_ADDRS_MAX	8
#define RESULTS_NAME_MAX	64

struct results_meta {
	const char *device_name;
	const char *device_addrs[RESULTS_ADDRS_MAX];
	int n_device_addrs;
	const char *event;
	int iterations;			/* m */
	double capture_s;		/* d */
	bool prune;
	double wall_s;
	size_t experiments;		/* experiments run */
	const char *stopped_by;		/* NULL, or "max-depth", "max-nodes", "max-time", "signal" */
};

/* tree.json, summary.json, tree.dot and tree.svg into dir (created if
 * missing).  No Graphviz: a warning, and no tree.svg. */
int results_write(const char *dir, const struct results_meta *m, const struct tree *t);

/* The summary for people: Flow ID tables, robustness score, DNS view. */
void results_print_summary(FILE *out, const struct results_meta *m, const struct tree *t);

/* What tree.json holds besides the nodes. */
struct results_info {
	char device_name[RESULTS_NAME_MAX];
	char device_addrs[RESULTS_ADDRS_MAX][RESULTS_NAME_MAX];
	int n_device_addrs;
	char event[RESULTS_NAME_MAX];
	int iterations;
	double capture_s;
	bool prune;
	char stopped_by[32];		/* "" when the walk ended by itself */
	char path[4096];		/* the tree.json read */
};

/* Reads a campaign's tree.json (dir_or_file: the campaign directory or the
 * file).  Every error is printed naming the file; returns a negative errno. */
int results_load_tree(const char *dir_or_file, struct tree *t, struct results_info *info);

/* A results_meta whose strings point into info (for rewriting results). */
void results_info_meta(const struct results_info *info, struct results_meta *m);

/* The DNS view of summary.json: {"domains":{"first_level","hidden"},
 * "resolvers":{"first_level","hidden"}}; hidden = only in hidden Flow IDs.
 * NULL when out of memory. */
struct json_object *results_dns_json(const struct flowid_set *first_level,
				     const struct flowid_set *hidden);

/* Reads a JSON file (a value, not null); an error is printed as
 * path[:line]: what. */
int results_read_json(const char *path, struct json_object **out);

/* Writes text to path through a temporary file beside it and rename(2). */
int results_write_file(const char *path, const char *text);

#endif
