// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include "events_train.h"

int ev_scan_k(const struct ev_dataset *ds, enum ev_method method, unsigned kmax,
	      struct ev_kscan *out)
{
	struct ev_model m;
	size_t pos[EV_K_MAX];
	int err;

	memset(out, 0, sizeof(*out));
	if (kmax < EV_K_MIN || kmax > EV_K_MAX)
		return -EINVAL;
	out->kmax = kmax;
	err = ev_model_build(&m, ds, method, false);
	if (err)
		return err;
	for (size_t i = 0; i < ds->n; i++) {
		const struct ev_sample *s = &ds->v[i];
		const struct ev_group *g;

		if (!s->test)
			continue;
		out->n_test++;
		/* Distances once, then each k: the selection is cheap, the
		 * distances are not. */
		g = ev_model_distances(&m, s->x, s->n);
		if (!g)
			continue;
		for (unsigned k = EV_K_MIN; k <= kmax; k++) {
			unsigned c = ev_select_k(m.dist, g->count, k, pos);

			if (ev_model_vote(&m, g, pos, c) == (int)s->label)
				out->correct[k]++;
		}
	}
	out->best_k = EV_K_MIN;
	for (unsigned k = EV_K_MIN + 1; k <= kmax; k++)
		if (out->correct[k] > out->correct[out->best_k])
			out->best_k = k;
	ev_model_free(&m);
	return 0;
}

double ev_kscan_accuracy(const struct ev_kscan *s, unsigned k)
{
	return s->n_test && k <= s->kmax ? (double)s->correct[k] / s->n_test : 0.0;
}

void ev_kscan_print(FILE *out, const struct ev_kscan *s)
{
	fprintf(out, "k  accuracy (%zu held-out sequences)\n", s->n_test);
	for (unsigned k = EV_K_MIN; k <= s->kmax; k++)
		fprintf(out, "%-2u %.4f%s\n", k, ev_kscan_accuracy(s, k),
			k == s->best_k ? "  <- chosen" : "");
}

int ev_predict_held_out(const struct ev_dataset *ds, enum ev_method method, unsigned k,
			int *pred)
{
	struct ev_model m;
	int err = ev_model_build(&m, ds, method, false);

	if (err)
		return err;
	for (size_t i = 0; i < ds->n; i++)
		pred[i] = ds->v[i].test ? ev_model_predict(&m, ds->v[i].x, ds->v[i].n, k) : -2;
	ev_model_free(&m);
	return 0;
}
