// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "events_features.h"
#include "events_knn.h"

static const char *const method_names[EV_METHOD__N] = { "paper", "pad", "nearest" };

const char *ev_method_name(enum ev_method m)
{
	return m < EV_METHOD__N ? method_names[m] : "?";
}

int ev_method_parse(const char *s, enum ev_method *m)
{
	for (int i = 0; i < EV_METHOD__N; i++)
		if (!strcmp(s, method_names[i])) {
			*m = i;
			return 0;
		}
	return -EINVAL;
}

static struct ev_group *group_of(struct ev_model *m, __u32 n)
{
	size_t lo = 0, hi = m->n_groups;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->groups[mid].n < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n_groups && m->groups[lo].n == n ? &m->groups[lo] : NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_label(const void *a, const void *b, void *labels)
{
	return strcmp(((char **)labels)[*(const unsigned *)a], ((char **)labels)[*(const unsigned *)b]);
}

static int build_groups(struct ev_model *m, bool with_test)
{
	const struct ev_dataset *ds = m->ds;
	__u32 *lens = malloc((ds->n ? ds->n : 1) * sizeof(*lens));
	size_t n_lens = 0;

	if (!lens)
		return -ENOMEM;
	for (size_t i = 0; i < ds->n; i++)
		if (with_test || !ds->v[i].test)
			lens[n_lens++] = m->method == EV_METHOD_PAD ? 0 : ds->v[i].n;
	qsort(lens, n_lens, sizeof(*lens), cmp_u32);
	m->groups = calloc(n_lens ? n_lens : 1, sizeof(*m->groups));
	if (!m->groups) {
		free(lens);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_lens; i++)
		if (!m->n_groups || m->groups[m->n_groups - 1].n != lens[i])
			m->groups[m->n_groups++].n = lens[i];
	free(lens);
	for (size_t i = 0; i < ds->n; i++) {
		struct ev_group *g;

		if (!with_test && ds->v[i].test)
			continue;
		g = group_of(m, m->method == EV_METHOD_PAD ? 0 : ds->v[i].n);
		if (!g->idx) {
			g->idx = malloc(ds->n * sizeof(*g->idx));
			if (!g->idx)
				return -ENOMEM;
		}
		g->idx[g->count++] = i;
		if (g->count > m->max_group)
			m->max_group = g->count;
		if (ds->v[i].n > m->pad_len)
			m->pad_len = ds->v[i].n;
	}
	m->dist = malloc((m->max_group ? m->max_group : 1) * sizeof(*m->dist));
	return m->dist ? 0 : -ENOMEM;
}

int ev_model_build(struct ev_model *m, const struct ev_dataset *ds, enum ev_method method,
		   bool with_test)
{
	size_t nl = ds->labels.n ? ds->labels.n : 1;
	unsigned *order;
	int err;

	memset(m, 0, sizeof(*m));
	m->ds = ds;
	m->method = method;
	m->votes = calloc(nl, sizeof(*m->votes));
	m->rank = calloc(nl, sizeof(*m->rank));
	order = calloc(nl, sizeof(*order));
	if (!m->votes || !m->rank || !order) {
		free(order);
		ev_model_free(m);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < ds->labels.n; i++)
		order[i] = i;
	qsort_r(order, ds->labels.n, sizeof(*order), cmp_label, ds->labels.v);
	for (unsigned i = 0; i < ds->labels.n; i++)
		m->rank[order[i]] = i;
	free(order);
	err = build_groups(m, with_test);
	if (err)
		ev_model_free(m);
	return err;
}

void ev_model_free(struct ev_model *m)
{
	for (size_t i = 0; i < m->n_groups; i++)
		free(m->groups[i].idx);
	free(m->groups);
	free(m->votes);
	free(m->rank);
	free(m->dist);
	memset(m, 0, sizeof(*m));
}

/* The group a query of length n is compared with, and the length both
 * are brought to. */
static struct ev_group *query_group(struct ev_model *m, __u32 n, __u32 *len)
{
	struct ev_group *best = NULL;

	if (!m->n_groups)
		return NULL;
	switch (m->method) {
	case EV_METHOD_PAD:
		*len = m->pad_len;
		return &m->groups[0];
	case EV_METHOD_PAPER:
		*len = n;
		return group_of(m, n);
	default:
		for (size_t i = 0; i < m->n_groups; i++) {
			struct ev_group *g = &m->groups[i];
			__u32 d = g->n > n ? g->n - n : n - g->n;

			/* Ascending lengths and a strict '<': a tie keeps the shorter. */
			if (!best || d < (best->n > n ? best->n - n : n - best->n))
				best = g;
		}
		*len = best->n;
		return best;
	}
}

const struct ev_group *ev_model_distances(struct ev_model *m, const __s32 *x, __u32 n)
{
	struct ev_group *g;
	__u32 len = 0;

	g = query_group(m, n, &len);
	if (!g)
		return NULL;
	for (size_t c = 0; c < g->count; c++) {
		const struct ev_sample *s = &m->ds->v[g->idx[c]];

		m->dist[c] = len == n && len == s->n ? ev_dist2(x, s->x, n)
						     : ev_dist2_fit(x, n, s->x, s->n, len);
	}
	return g;
}

/*
 * sklearn/utils/_heap.pyx heap_push, on a max-heap of k slots that starts
 * full of +inf: a candidate enters only when strictly nearer than the
 * root, replaces the root and sinks.  Copying its exact comparisons is
 * what makes equal distances resolve as scikit-learn resolves them.
 */
static void heap_push(__u64 *val, size_t *idx, unsigned size, __u64 v, size_t i)
{
	unsigned cur = 0;

	if (v >= val[0])
		return;
	val[0] = v;
	idx[0] = i;
	for (;;) {
		unsigned l = 2 * cur + 1, r = l + 1, swap;

		if (l >= size)
			break;
		if (r >= size) {
			if (val[l] > v)
				swap = l;
			else
				break;
		} else if (val[l] >= val[r]) {
			if (v < val[l])
				swap = l;
			else
				break;
		} else {
			if (v < val[r])
				swap = r;
			else
				break;
		}
		val[cur] = val[swap];
		idx[cur] = idx[swap];
		cur = swap;
	}
	val[cur] = v;
	idx[cur] = i;
}

unsigned ev_select_k(const __u64 *dist, size_t count, unsigned k, size_t *out)
{
	__u64 val[k ? k : 1];

	if (k > count)
		k = count;
	for (unsigned i = 0; i < k; i++)
		val[i] = UINT64_MAX;
	for (size_t c = 0; c < count; c++)
		heap_push(val, out, k, dist[c], c);
	return k;
}

int ev_model_vote(struct ev_model *m, const struct ev_group *g, const size_t *pos,
		  unsigned count)
{
	int best = -1;

	for (unsigned i = 0; i < count; i++)
		m->votes[m->ds->v[g->idx[pos[i]]].label]++;
	for (unsigned i = 0; i < count; i++) {
		int l = m->ds->v[g->idx[pos[i]]].label;

		if (best < 0 || m->votes[l] > m->votes[best] ||
		    (m->votes[l] == m->votes[best] && m->rank[l] < m->rank[best]))
			best = l;
	}
	for (unsigned i = 0; i < count; i++)
		m->votes[m->ds->v[g->idx[pos[i]]].label] = 0;
	return best;
}

int ev_model_predict(struct ev_model *m, const __s32 *x, __u32 n, unsigned k)
{
	struct ev_group *g;
	__u32 len = 0;
	unsigned kk;

	g = query_group(m, n, &len);
	if (!g || !k)
		return -1;
	kk = k < g->count ? k : g->count;
	{
		__u64 val[kk];
		size_t pos[kk];

		for (unsigned i = 0; i < kk; i++)
			val[i] = UINT64_MAX;
		/* The selection of ev_select_k, fused with the distances: a
		 * candidate whose partial sum already reaches the heap's root
		 * would be refused whole, so it is refused early — the same
		 * neighbours, without computing most distances in full. */
		for (size_t c = 0; c < g->count; c++) {
			const struct ev_sample *s = &m->ds->v[g->idx[c]];
			__u64 d = ev_dist2_fit_bounded(x, n, s->x, s->n, len, val[0]);

			heap_push(val, pos, kk, d, c);
		}
		return ev_model_vote(m, g, pos, kk);
	}
}
