// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "events_pair.h"
#include "events_seq.h"
#include "log.h"

long ev_pair_find(const struct ev_triggers *t, const bool *any_device, const char *device,
		  __u64 start_ns, __u64 window_ns)
{
	__u64 best_d = 0;
	long best = -1;

	/* Linear: a campaign triggers hundreds of events, not millions. */
	for (size_t i = 0; i < t->n; i++) {
		const struct ev_trigger *g = &t->v[i];
		__u64 d = g->t_ns > start_ns ? g->t_ns - start_ns : start_ns - g->t_ns;

		if (d > window_ns)
			continue;
		if (g->device && !(any_device && any_device[i]) && strcmp(g->device, device))
			continue;
		if (best < 0 || d < best_d) {	/* equal distances: the earlier trigger */
			best = i;
			best_d = d;
		}
	}
	return best;
}

struct pair_ctx {
	const struct ev_packets *p;
	const struct ev_triggers *t;
	const bool *any_device;
	bool *used;
	__u64 pair_ns;
	struct ev_dataset *ds;
	struct ev_pair_stats *st;
};

static int pair_one(void *ctx, const struct ev_seq *s)
{
	struct pair_ctx *c = ctx;
	const char *device = c->p->devices.v[s->device];
	long i = ev_pair_find(c->t, c->any_device, device, s->start_ns, c->pair_ns);
	int err;

	c->st->sequences++;
	if (i >= 0) {
		c->st->paired++;
		c->used[i] = true;
	}
	err = ev_dataset_add(c->ds, s->x, s->n, i >= 0 ? c->t->v[i].event : EV_LABEL_OTHER,
			     device, s->start_ns);
	return err < 0 ? err : 0;
}

int ev_pair_records(const struct ev_packets *p, const struct ev_triggers *t, __u64 gap_ns,
		    __u64 pair_ns, struct ev_dataset *ds, struct ev_pair_stats *st)
{
	size_t nt = t->n ? t->n : 1;
	bool *any = calloc(nt, sizeof(*any)), *used = calloc(nt, sizeof(*used));
	struct pair_ctx c = { p, t, any, used, pair_ns, ds, st };
	int err = -ENOMEM;

	memset(st, 0, sizeof(*st));
	if (!any || !used)
		goto out;
	for (size_t i = 0; i < t->n; i++) {
		const char *dev = t->v[i].device;

		if (!dev || ev_strtab_find(&p->devices, dev) >= 0)
			continue;
		any[i] = true;
		/* Say it once per name: the log repeats it on every line. */
		bool said = false;

		for (size_t j = 0; j < i && !said; j++)
			said = any[j] && !strcmp(t->v[j].device, dev);
		if (!said)
			pr_warn("triggers: device '%s' is in no packet record: its triggers pair with any device",
				dev);
	}
	err = ev_seq_cut(p, gap_ns, pair_one, &c);
	for (size_t i = 0; i < t->n; i++)
		st->triggers_unpaired += !used[i];
out:
	free(any);
	free(used);
	return err;
}
