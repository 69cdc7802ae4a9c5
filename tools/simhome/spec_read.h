/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The spec reader's own helpers, shared by spec.c (the home, devices and
 * events) and spec_comm.c (communications).  Not for other modules. */
#ifndef SIMHOME_SPEC_READ_H
#define SIMHOME_SPEC_READ_H

#include <stdbool.h>
#include <yaml.h>
#include "spec.h"

struct loader {
	const char *path;
	yaml_document_t doc;
	int errors;
	struct home_spec *s;
};

/* "path:line:col: key: what", counted in l->errors. */
void error_at(struct loader *l, const yaml_node_t *n, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void keyf(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

yaml_node_t *node(struct loader *l, int idx);
const char *scalar(struct loader *l, const yaml_node_t *n, const char *key);
bool is_kind(struct loader *l, const yaml_node_t *n, yaml_node_type_t t, const char *key);
void check_keys(struct loader *l, yaml_node_t *map, const char *where, const char *const *known);
yaml_node_t *map_get(struct loader *l, yaml_node_t *map, const char *key);
bool read_int(struct loader *l, yaml_node_t *n, const char *key, long min, long max, int *out);
bool read_seconds(struct loader *l, yaml_node_t *n, const char *key, double *out);
bool canon_addr(const char *text, char *out);
bool read_addr(struct loader *l, yaml_node_t *n, const char *key, char *out);
bool read_cidr(struct loader *l, yaml_node_t *n, const char *key, char *out, struct in_addr *net,
	       int *prefix);
bool canon_name(const char *text, char *out);
bool canon_id(const char *text, char *out);
void *grow(void *v, int n, size_t size);
void list_add(struct int_list *l, int x);

/* A communication (spec_comm.c): its id, or -1 after reporting why. */
int read_comm(struct loader *l, yaml_node_t *n, const char *where, int device, bool noise);
void read_comm_list(struct loader *l, yaml_node_t *n, const char *where, int device, bool noise,
		    struct int_list *out);

#endif
