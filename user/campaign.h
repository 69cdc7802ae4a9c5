/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A campaign: the blocking tree of one event (DESIGN.md Job 1), run
 * experiment by experiment into a directory that is consistent on disk
 * after every trace:
 *
 *   DIR/experiment.yaml          the experiment file, as given
 *   DIR/state.json               the checkpoint: every finished experiment
 *                                (blocked set, status, m+, signature) and
 *                                the traces of the one under way
 *   DIR/nodes/NNN/trace-KK.json.gz   raw snapshot of iteration KK
 *   DIR/nodes/NNN/node.json      the experiment's blocked set and outcome
 *   DIR/tree.json, tree.dot, tree.svg, summary.json   the results
 *
 * The breadth-first walk is deterministic given the experiments' outcomes,
 * so resuming is re-walking the tree with the finished experiments served
 * from the checkpoint and the one under way continued at its next
 * iteration: nothing finished is repeated, nothing measured is lost.
 */
#ifndef IOTPROF_CAMPAIGN_H
#define IOTPROF_CAMPAIGN_H

#include <stdbool.h>
#include "experiment.h"
#include "flowid.h"
#include "trace.h"

struct campaign_opts {
	bool quiet;		/* no progress lines */
};

/* Runs the experiment's campaign into dir (created; must be new or empty).
 * Returns the process exit status: 0 finished, 1 error, 3 stopped early
 * (signal or limit; resumable). */
int campaign_run(const struct experiment *e, const char *dir, const struct campaign_opts *o);

/* Continues the campaign in dir from its checkpoint. */
int campaign_resume(const char *dir, const struct campaign_opts *o);

/* ---- where traces come from ------------------------------------------ */

struct campaign;

/* A source performs (live) or looks up (replay) the experiments. */
struct trace_source {
	const char *name;
	/* Prepares an experiment with `blocked` blocked: installs the deny
	 * rules (live) or finds the recording (replay: NODE_NOT_RECORDED when
	 * there is none).  Returns 0, NODE_NOT_RECORDED or -errno. */
	int (*begin)(struct campaign *c, const struct flowid *blocked, size_t n);
	/* Iteration k (1-based): trigger, capture, verify (live) or read the
	 * k-th recorded trace (replay).  Writes the raw snapshot to `snapshot`,
	 * fills meta->success and the trace's Flow IDs.  -ENOENT: replay has
	 * fewer traces than iterations (the iteration counts as failed). */
	int (*iteration)(struct campaign *c, int k, const char *snapshot, struct trace_meta *meta,
			 struct flowid_set *ids);
	/* Renews what must stay alive during a long wait (deny leases). */
	void (*keepalive)(struct campaign *c);
	/* Ends the experiment: removes its deny rules.  Called on every path. */
	void (*end)(struct campaign *c);
	void (*close)(struct campaign *c);
};

/* The live source (live.c): iotprof-load's pinned maps, the deny engine,
 * the interaction and the verification of the experiment file. */
int live_source_open(struct campaign *c, const struct trace_source **ops);
/* The replay source (replay.c): a campaign directory or a dataset event. */
int replay_source_open(struct campaign *c, const struct trace_source **ops);

/* What sources need from the campaign. */
const struct experiment *campaign_experiment(const struct campaign *c);
const char *campaign_dir(const struct campaign *c);
const struct trace_hosts *campaign_hosts(const struct campaign *c);
void **campaign_source_data(struct campaign *c);
bool campaign_stopping(const struct campaign *c);
/* Sleeps, waking early when the campaign is told to stop; keeps the
 * source alive meanwhile.  Returns false when stopping. */
bool campaign_sleep(struct campaign *c, double seconds);

#endif
