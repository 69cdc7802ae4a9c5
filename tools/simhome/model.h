/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The model: what the profiler must record when one event of a spec runs
 * with some Flow IDs blocked.  Pure (no network); an independent reading of
 * the spec's semantics (docs/SIMHOME.md), fed to the profiler's own
 * breadth-first walk (user/tree.c) by `simhome expect`.
 *
 * The model keeps what the kernel keeps across the experiments of one
 * campaign: the names map (address -> name), learned from the DNS answers
 * and TLS SNIs of the watched hosts.  Experiments must therefore be asked
 * in the campaign's order, which tree_build does.
 */
#ifndef SIMHOME_MODEL_H
#define SIMHOME_MODEL_H

#include "flowid.h"
#include "spec.h"

struct learned_name {
	char addr[SPEC_ADDR_MAX];
	char name[SPEC_NAME_MAX];
};

struct model {
	const struct home_spec *s;
	int dev, ev;
	int iterations;			/* m */
	struct learned_name *names;	/* the kernel's names map */
	int n_names, cap_names;
	const struct well_known *well_known;	/* the campaign's port list (may be NULL) */
	double max_duration;		/* the longest event run seen, in seconds */
	size_t experiments;
};

void model_init(struct model *m, const struct home_spec *s, int dev, int ev, int iterations,
		const struct well_known *wk);
void model_free(struct model *m);

/* An experiment_fn (user/tree.h): m iterations of the event with `blocked`
 * blocked; the signature of the successful ones, or NODE_FAILED. */
int model_experiment(void *ctx, const struct flowid *blocked, size_t n_blocked,
		     struct flowid_set *signature, int *m_plus);

/* One run of the event: the Flow IDs the profiler records (before the port
 * rule, which the model applies itself: only fixed ports are kept) and
 * whether the event succeeded. */
int model_run(struct model *m, const struct flowid *blocked, size_t n_blocked,
	      struct flowid_set *flows, bool *success, double *duration);

#endif
