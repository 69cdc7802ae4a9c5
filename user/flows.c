// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "flows.h"

#define BATCH 256

static int table_reserve(struct flow_table *t, size_t more)
{
	struct flow_entry *v;
	size_t cap;

	if (t->n + more <= t->cap)
		return 0;
	cap = t->cap ? t->cap * 2 : 1024;
	while (cap < t->n + more)
		cap *= 2;
	v = realloc(t->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->v = v;
	t->cap = cap;
	return 0;
}

static int read_one_by_one(int fd, struct flow_table *t)
{
	struct iotprof_flow_key key, next;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (table_reserve(t, 1))
			return -ENOMEM;
		t->v[t->n].key = next;
		/* An LRU entry may vanish between the two calls: skip it. */
		if (bpf_map_lookup_elem(fd, &next, &t->v[t->n].val) == 0)
			t->n++;
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

int flows_read_map(int fd, struct flow_table *t)
{
	struct iotprof_flow_key keys[BATCH], batch_pos;
	struct iotprof_flow *vals;
	void *in = NULL;
	size_t start = t->n;
	int err = 0;

	vals = calloc(BATCH, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (;;) {
		DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 count = BATCH;

		err = bpf_map_lookup_batch(fd, in, &batch_pos, keys, vals, &count, &opts);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		if (table_reserve(t, count)) {
			err = -ENOMEM;
			break;
		}
		for (__u32 i = 0; i < count; i++) {
			t->v[t->n].key = keys[i];
			t->v[t->n].val = vals[i];
			t->n++;
		}
		if (err) {	/* ENOENT: that was the last batch */
			err = 0;
			break;
		}
		in = &batch_pos;
	}
	free(vals);
	if (err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP) {
		t->n = start;
		err = read_one_by_one(fd, t);
	}
	return err;
}

void flows_keep_epoch(struct flow_table *t, __u32 epoch)
{
	size_t kept = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].val.epoch == epoch)
			t->v[kept++] = t->v[i];
	t->n = kept;
}

static int by_time_then_key(const void *a, const void *b)
{
	const struct flow_entry *x = a, *y = b;

	if (x->val.first_ns != y->val.first_ns)
		return x->val.first_ns < y->val.first_ns ? -1 : 1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

void flows_sort(struct flow_table *t)
{
	if (t->n)
		qsort(t->v, t->n, sizeof(t->v[0]), by_time_then_key);
}

void flows_free(struct flow_table *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
