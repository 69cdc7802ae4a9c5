/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The nodes of a tree in tree.json's schema (docs/RESULTS.md), shared by
 * the campaign's results and simhome's expected trees. */
#ifndef IOTPROF_TREE_JSON_H
#define IOTPROF_TREE_JSON_H

#include "tree.h"

struct json_object;

/* "pending", "expanded", "failed", "not-recorded", "pruned", "leaf". */
const char *tree_status_name(enum node_status s);
/* The status a name gives, or -1. */
int tree_status_of(const char *name);

/* [{"id","parent","depth","flow","status","m_plus","blocked","hidden"}, ...];
 * hidden: a Flow ID that is not among first_level. */
struct json_object *tree_nodes_json(const struct tree *t, const struct flowid_set *first_level);

#endif
