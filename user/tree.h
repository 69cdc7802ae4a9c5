/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The blocking tree (DESIGN.md, Job 1 step 4): breadth first, each node is
 * an experiment with its own and its ancestors' Flow IDs blocked; its
 * children are the signature it yields minus what was blocked (a Flow ID
 * a blocked one covers: the device's blocked attempts are recorded too).  With node
 * pruning, a Flow ID already expanded elsewhere in the tree is not
 * expanded again.
 *
 * Pure: the experiments are a callback (live, replayed or simulated).
 */
#ifndef IOTPROF_TREE_H
#define IOTPROF_TREE_H

#include <stdbool.h>
#include "flowid.h"

enum node_status {
	NODE_PENDING = 0,	/* not visited yet (a limit stopped the walk) */
	NODE_EXPANDED,		/* its experiment gave a signature */
	NODE_FAILED,		/* m+ < m/2: the event failed with this blocked */
	NODE_NOT_RECORDED,	/* replay: no traces for this blocked set */
	NODE_PRUNED,		/* its Flow ID was expanded elsewhere */
	NODE_LEAF,		/* expanded, and no new Flow ID appeared */
};

struct tree_node {
	struct flowid flow;	/* the root (index 0) has none */
	int parent;		/* -1 for the root */
	int depth;		/* root 0, its children 1, ... */
	enum node_status status;
	int m_plus;		/* successful iterations of its experiment */
};

struct tree {
	struct tree_node *v;
	size_t n, cap;
};

/* Runs the event with `blocked` blocked.  Returns 0 with the signature and
 * m+, NODE_FAILED or NODE_NOT_RECORDED, or a negative errno to stop. */
typedef int (*experiment_fn)(void *ctx, const struct flowid *blocked, size_t n_blocked,
			     struct flowid_set *signature, int *m_plus);

struct tree_limits {
	int max_depth;		/* deepest level of nodes; nodes there are not expanded; 0: none */
	size_t max_nodes;	/* 0: none */
	bool prune;		/* node pruning (DESIGN.md); false = "prune: none" */
};

int tree_build(experiment_fn run, void *ctx, const struct tree_limits *lim, struct tree *t);

struct tree_results {
	struct flowid_set first_level;	/* the root's children */
	struct flowid_set hidden;	/* Flow IDs that appear only deeper */
	size_t unique;			/* distinct Flow IDs in the tree */
	size_t failed, not_recorded;
};

/* First-level and hidden Flow IDs; the robustness score is hidden.n. */
int tree_results(const struct tree *t, struct tree_results *r);
void tree_results_free(struct tree_results *r);
void tree_free(struct tree *t);

#endif
