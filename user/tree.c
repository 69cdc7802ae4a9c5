// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tree.h"

static int node_add(struct tree *t, const struct flowid *f, int parent, int depth)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct tree_node *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	if (f)
		t->v[t->n].flow = *f;
	t->v[t->n].parent = parent;
	t->v[t->n].depth = depth;
	return t->n++;
}

/* The node's Flow ID and its ancestors' (the root has none). */
static size_t blocked_path(const struct tree *t, int node, struct flowid *out, size_t max)
{
	size_t n = 0;

	for (; node > 0 && n < max; node = t->v[node].parent)
		out[n++] = t->v[node].flow;
	return n;
}

static bool expanded_elsewhere(const struct tree *t, int node)
{
	for (size_t i = 1; i < t->n; i++)
		if ((int)i != node && t->v[i].status != NODE_PENDING && t->v[i].status != NODE_PRUNED &&
		    flowid_equal(&t->v[i].flow, &t->v[node].flow))
			return true;
	return false;
}

int tree_build(experiment_fn run, void *ctx, const struct tree_limits *lim, struct tree *t)
{
	struct flowid blocked[64];
	int err;

	memset(t, 0, sizeof(*t));
	err = node_add(t, NULL, -1, 0);
	/* Breadth first: nodes are appended in order, so the index is the queue. */
	for (size_t q = 0; err >= 0 && q < t->n; q++) {
		struct tree_node *node = &t->v[q];
		struct flowid_set sig = {};
		size_t n_blocked;
		int m_plus = 0, rc;

		if (q > 0 && lim->prune && expanded_elsewhere(t, q)) {
			node->status = NODE_PRUNED;
			continue;
		}
		if (lim->max_depth && node->depth >= lim->max_depth && q > 0)
			continue;	/* stays pending: the depth limit */
		if (lim->max_nodes && t->n >= lim->max_nodes && q > 0)
			continue;
		n_blocked = blocked_path(t, q, blocked, sizeof(blocked) / sizeof(blocked[0]));
		rc = run(ctx, blocked, n_blocked, &sig, &m_plus);
		node = &t->v[q];	/* run() may not, but node_add may move the array */
		node->m_plus = m_plus;
		if (rc < 0) {
			err = rc;
		} else if (rc == NODE_FAILED || rc == NODE_NOT_RECORDED) {
			node->status = rc;
		} else {
			int depth = node->depth + 1, children = 0;

			node->status = NODE_EXPANDED;
			for (size_t i = 0; i < sig.n && err >= 0; i++) {
				bool is_blocked = false;

				/* Blocked packets are recorded: what the block
				 * matches is no news. */
				for (size_t b = 0; b < n_blocked; b++)
					is_blocked |= flowid_covers(&blocked[b], &sig.v[i]);
				if (is_blocked)
					continue;
				if (lim->max_nodes && t->n >= lim->max_nodes)
					break;
				err = node_add(t, &sig.v[i], q, depth);
				children++;
			}
			if (!children)
				t->v[q].status = NODE_LEAF;
		}
		flowid_set_free(&sig);
	}
	return err < 0 ? err : 0;
}

int tree_results(const struct tree *t, struct tree_results *r)
{
	struct flowid_set all = {};
	int err = 0;

	memset(r, 0, sizeof(*r));
	for (size_t i = 1; i < t->n && !err; i++) {
		if (t->v[i].depth == 1)
			err = flowid_set_add(&r->first_level, &t->v[i].flow);
		if (!err)
			err = flowid_set_add(&all, &t->v[i].flow);
		r->failed += t->v[i].status == NODE_FAILED;
		r->not_recorded += t->v[i].status == NODE_NOT_RECORDED;
	}
	for (size_t i = 0; i < all.n && !err; i++) {
		bool first = false;

		for (size_t j = 0; j < r->first_level.n; j++)
			first |= flowid_equal(&all.v[i], &r->first_level.v[j]);
		if (!first)
			err = flowid_set_add(&r->hidden, &all.v[i]);
	}
	r->unique = all.n;
	flowid_set_free(&all);
	return err;
}

void tree_results_free(struct tree_results *r)
{
	flowid_set_free(&r->first_level);
	flowid_set_free(&r->hidden);
}

void tree_free(struct tree *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
