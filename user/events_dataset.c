// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "events_dataset.h"
#include "log.h"

int ev_dataset_add(struct ev_dataset *ds, const __s32 *x, __u32 n, const char *label,
		   const char *device, __u64 t_ns)
{
	struct ev_sample *s;
	int li, di;

	if (ds->n == ds->cap) {
		size_t cap = ds->cap ? ds->cap * 2 : 64;
		struct ev_sample *v = realloc(ds->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ds->v = v;
		ds->cap = cap;
	}
	li = ev_strtab_intern(&ds->labels, label);
	di = ev_strtab_intern(&ds->devices, device);
	if (li < 0 || di < 0)
		return -ENOMEM;
	s = &ds->v[ds->n];
	memset(s, 0, sizeof(*s));
	s->x = malloc((n ? n : 1) * sizeof(*x));
	if (!s->x)
		return -ENOMEM;
	memcpy(s->x, x, n * sizeof(*x));
	s->n = n;
	s->label = li;
	s->device = di;
	s->t_ns = t_ns;
	return (int)ds->n++;
}

void ev_dataset_free(struct ev_dataset *ds)
{
	for (size_t i = 0; i < ds->n; i++)
		free(ds->v[i].x);
	free(ds->v);
	ev_strtab_free(&ds->labels);
	ev_strtab_free(&ds->devices);
	memset(ds, 0, sizeof(*ds));
}

__u64 ev_rand_next(__u64 *state)
{
	__u64 z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void ev_dataset_split(struct ev_dataset *ds, __u64 seed)
{
	size_t n = ds->n, n_test = (n * EV_TEST_PERCENT + 99) / 100;
	size_t *order = malloc((n ? n : 1) * sizeof(*order));
	__u64 state = seed;

	for (size_t i = 0; i < n; i++)
		ds->v[i].test = 0;
	if (!order) {	/* cannot shuffle: hold out the last ones, still deterministic */
		for (size_t i = n - n_test; i < n; i++)
			ds->v[i].test = 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = n; i > 1; i--) {
		/* The modulo bias is below 2^-40 for any data set we see. */
		size_t j = ev_rand_next(&state) % i, t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
	for (size_t i = 0; i < n_test; i++)
		ds->v[order[i]].test = 1;
	free(order);
}

int ev_dataset_check(const struct ev_dataset *ds, const char *what)
{
	size_t train = 0, test = 0, first_train = 0;
	bool two = false, two_train = false;

	if (!ds->n) {
		pr_warn("%s: no sequences: nothing to train on", what);
		return -EINVAL;
	}
	for (size_t i = 0; i < ds->n; i++) {
		if (ds->v[i].label != ds->v[0].label)
			two = true;
		if (ds->v[i].test) {
			test++;
			continue;
		}
		if (!train++)
			first_train = i;
		else if (ds->v[i].label != ds->v[first_train].label)
			two_train = true;
	}
	if (!two) {
		pr_warn("%s: every sequence is labelled '%s': a classifier needs two labels at least",
			what, ds->labels.v[ds->v[0].label]);
		return -EINVAL;
	}
	if (!train || !test) {
		pr_warn("%s: %zu sequences are too few to hold 20 %% out and train on the rest",
			what, ds->n);
		return -EINVAL;
	}
	if (!two_train) {
		pr_warn("%s: the training samples (80 %%) are all labelled '%s': a classifier needs two labels at least",
			what, ds->labels.v[ds->v[first_train].label]);
		return -EINVAL;
	}
	return 0;
}
