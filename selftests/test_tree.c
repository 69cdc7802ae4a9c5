// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The blocking tree on a modelled device: local control with a cloud
 * backup, a DNS lookup with a public resolver as fallback, and a cloud
 * connection nothing replaces.  The experiments are the model, so the tree
 * the walk must find is known exactly.
 */
#include <string.h>
#include "check.h"
#include "tree.h"

struct check_state check_state = { .suite = "tree" };

enum { L, B1, B2, D, D2, C, N_FLOWS };

static struct flowid F[N_FLOWS];
static int experiments;

static struct flowid make(const char *src, const char *dst, const char *proto, int dport)
{
	struct flowid f = { .sport = FLOWID_PORT_ANY, .dport = dport };

	snprintf(f.src, sizeof(f.src), "%s", src);
	snprintf(f.dst, sizeof(f.dst), "%s", dst);
	snprintf(f.proto, sizeof(f.proto), "%s", proto);
	return f;
}

static bool is_blocked(const struct flowid *blocked, size_t n, int which)
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(&blocked[i], &F[which], sizeof(F[0])))
			return true;
	return false;
}

/* The device: attempted flows are seen even when blocked (the kernel
 * records dropped packets), so they are in the signature. */
static int model(void *ctx, const struct flowid *blocked, size_t n, struct flowid_set *sig, int *m_plus)
{
	bool ok = true;

	(void)ctx;
	experiments++;
	flowid_set_add(sig, &F[L]);
	if (is_blocked(blocked, n, L)) {		/* need 1: local, else the backup pair */
		flowid_set_add(sig, &F[B1]);
		if (is_blocked(blocked, n, B1)) {
			ok = false;
		} else {
			flowid_set_add(sig, &F[B2]);
			ok = !is_blocked(blocked, n, B2);
		}
	}
	if (ok) {					/* need 2: a name, then the cloud */
		flowid_set_add(sig, &F[D]);
		if (is_blocked(blocked, n, D)) {
			flowid_set_add(sig, &F[D2]);
			ok = !is_blocked(blocked, n, D2);
		}
	}
	if (ok) {
		flowid_set_add(sig, &F[C]);
		ok = !is_blocked(blocked, n, C);
	}
	*m_plus = ok ? 10 : 0;
	if (!ok) {
		flowid_set_free(sig);
		return NODE_FAILED;
	}
	return 0;
}

static bool in(const struct flowid_set *s, int which)
{
	for (size_t i = 0; i < s->n; i++)
		if (!memcmp(&s->v[i], &F[which], sizeof(F[0])))
			return true;
	return false;
}

static void setup(void)
{
	F[L] = make("10.0.0.20", "10.0.0.35", "tcp", 9999);
	F[B1] = make("10.0.0.20", "backup.example", "tcp", 443);
	F[B2] = make("10.0.0.35", "relay.example", "tcp", 443);
	F[D] = make("10.0.0.35", "10.0.0.1", "udp", 53);
	F[D2] = make("10.0.0.35", "dns.public.example", "udp", 53);
	F[C] = make("10.0.0.35", "api.example", "tcp", 443);
}

static void test_pruned_tree(void)
{
	struct tree_limits lim = { .prune = true };
	struct tree t;
	struct tree_results r;

	experiments = 0;
	EXPECT(tree_build(model, NULL, &lim, &t) == 0, "build");
	EXPECT(tree_results(&t, &r) == 0, "results");
	EXPECT_EQ(r.first_level.n, 3, "first-level Flow IDs");
	EXPECT(in(&r.first_level, L) && in(&r.first_level, D) && in(&r.first_level, C), "L, D, C first");
	EXPECT_EQ(r.hidden.n, 3, "hidden Flow IDs (the robustness score)");
	EXPECT(in(&r.hidden, B1) && in(&r.hidden, B2) && in(&r.hidden, D2), "B1, B2, D2 hidden");
	EXPECT_EQ(r.unique, 6, "unique Flow IDs");
	/* root, L, D, C, L/B1, L/B2, D/D2: the others are pruned */
	EXPECT_EQ(experiments, 7, "experiments with node pruning");
	EXPECT_EQ(r.failed, 4, "failed nodes: C, L/B1, L/B2, D/D2");
	tree_results_free(&r);
	tree_free(&t);
}

static void test_unpruned_tree_same_answer(void)
{
	struct tree_limits lim = { .prune = false };
	struct tree t;
	struct tree_results r;

	experiments = 0;
	EXPECT(tree_build(model, NULL, &lim, &t) == 0, "build");
	EXPECT(tree_results(&t, &r) == 0, "results");
	EXPECT(experiments > 7, "more experiments without pruning (%d)", experiments);
	EXPECT_EQ(r.first_level.n, 3, "the same first level");
	EXPECT_EQ(r.hidden.n, 3, "the same hidden Flow IDs");
	tree_results_free(&r);
	tree_free(&t);
}

static void test_depth_limit(void)
{
	struct tree_limits lim = { .prune = true, .max_depth = 2 };	/* nodes down to depth 2 */
	struct tree t;
	struct tree_results r;

	experiments = 0;
	EXPECT(tree_build(model, NULL, &lim, &t) == 0, "build");
	EXPECT(tree_results(&t, &r) == 0, "results");
	EXPECT_EQ(experiments, 4, "root and the first level only");
	EXPECT(r.hidden.n == 3, "depth-2 nodes are known, not expanded: %zu", r.hidden.n);
	tree_results_free(&r);
	tree_free(&t);
}

int main(void)
{
	setup();
	RUN(test_pruned_tree);
	RUN(test_unpruned_tree_same_answer);
	RUN(test_depth_limit);
	return check_state.cases_failed ? 1 : 0;
}
