// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include <json-c/json.h>
#include "tree_json.h"

static const char *const status_names[] = {
	[NODE_PENDING] = "pending", [NODE_EXPANDED] = "expanded", [NODE_FAILED] = "failed",
	[NODE_NOT_RECORDED] = "not-recorded", [NODE_PRUNED] = "pruned", [NODE_LEAF] = "leaf",
};
#define N_STATUS (sizeof(status_names) / sizeof(status_names[0]))

const char *tree_status_name(enum node_status s)
{
	return (size_t)s < N_STATUS ? status_names[s] : "unknown";
}

int tree_status_of(const char *name)
{
	for (size_t s = 0; name && s < N_STATUS; s++)
		if (!strcmp(name, status_names[s]))
			return (int)s;
	return -1;
}

/* The Flow IDs blocked in a node's experiment, from depth 1 down to it. */
static struct json_object *blocked_json(const struct tree *t, size_t node)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = node; i > 0 && i < t->n; i = (size_t)t->v[i].parent)
		if (t->v[i].depth >= 1 && (size_t)t->v[i].depth <= t->n)
			json_object_array_put_idx(a, t->v[i].depth - 1, flowid_to_json(&t->v[i].flow));
	return a;
}

struct json_object *tree_nodes_json(const struct tree *t, const struct flowid_set *first_level)
{
	struct json_object *nodes = json_object_new_array();

	for (size_t i = 0; i < t->n; i++) {
		const struct tree_node *n = &t->v[i];
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "id", json_object_new_int((int)i));
		json_object_object_add(j, "parent", json_object_new_int(n->parent));
		json_object_object_add(j, "depth", json_object_new_int(n->depth));
		json_object_object_add(j, "flow", i ? flowid_to_json(&n->flow) : NULL);
		json_object_object_add(j, "status", json_object_new_string(tree_status_name(n->status)));
		json_object_object_add(j, "m_plus", json_object_new_int(n->m_plus));
		json_object_object_add(j, "blocked", blocked_json(t, i));
		json_object_object_add(j, "hidden", json_object_new_boolean(i && !flowid_set_has(first_level, &n->flow)));
		json_object_array_add(nodes, j);
	}
	return nodes;
}
