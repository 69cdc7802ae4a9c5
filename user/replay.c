// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The replay trace source: for each blocked set the breadth-first walk
 * asks for, the traces recorded for it.  Two layouts are read:
 *   - our own campaign directories (state.json and the gzip snapshots);
 *   - an event of the public dataset layout (forest.c): tree.json and
 *     node directories of pcaps, which run through the XDP program
 *     (BPF_PROG_TEST_RUN), one epoch per capture, exactly as live traffic
 *     would.
 * A blocked set that was never recorded is NODE_NOT_RECORDED.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "campaign.h"
#include "flows.h"
#include "forest.h"
#include "log.h"
#include "names.h"
#include "offline.h"
#include "state.h"
#include "tree.h"

struct recorded {
	struct flowid_set blocked;
	char **files;		/* snapshots (campaign) or pcaps (dataset) */
	bool *success;
	int n;
};

struct replay {
	bool dataset;
	char dir[PATH_MAX];
	struct forest forest;		/* dataset */
	struct recorded *rec;		/* campaign */
	size_t n_rec;
	const struct recorded *cur;	/* the experiment under way */
	struct recorded forest_cur;	/* dataset: cur points here */
	struct offline_run *run;	/* dataset: one loaded program for every capture */
	__u32 epoch;
};

static struct replay *R(struct campaign *c)
{
	return *campaign_source_data(c);
}

static void recorded_free(struct recorded *r)
{
	for (int i = 0; i < r->n; i++)
		free(r->files[i]);
	free(r->files);
	free(r->success);
	flowid_set_free(&r->blocked);
	memset(r, 0, sizeof(*r));
}

static int recorded_add_file(struct recorded *r, const char *path, bool success)
{
	char **f = realloc(r->files, (r->n + 1) * sizeof(*f));
	bool *s;

	if (!f)
		return -ENOMEM;
	r->files = f;
	s = realloc(r->success, (r->n + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	r->success = s;
	if (!(r->files[r->n] = strdup(path)))
		return -ENOMEM;
	r->success[r->n++] = success;
	return 0;
}

/* Our own campaign: every finished experiment of its checkpoint. */
static int load_campaign(struct replay *rp)
{
	char path[PATH_MAX + 16], where[PATH_MAX + 64];
	struct json_object *o, *exps;
	int err = 0;

	snprintf(path, sizeof(path), "%s/state.json", rp->dir);
	o = json_object_from_file(path);
	if (!o || !json_object_object_get_ex(o, "experiments", &exps) ||
	    !json_object_is_type(exps, json_type_array)) {
		pr_warn("%s: not a campaign checkpoint", path);
		json_object_put(o);
		return -EINVAL;
	}
	rp->n_rec = json_object_array_length(exps);
	rp->rec = calloc(rp->n_rec + 1, sizeof(*rp->rec));
	if (!rp->rec)
		err = -ENOMEM;
	for (size_t i = 0; !err && i < rp->n_rec; i++) {
		struct json_object *x = json_object_array_get_idx(exps, i), *bl, *tr;
		struct recorded *r = &rp->rec[i];

		snprintf(where, sizeof(where), "%s: experiments[%zu]", path, i);
		if (!json_object_object_get_ex(x, "blocked", &bl) || !json_object_is_type(bl, json_type_array)) {
			pr_warn("%s: no \"blocked\" list", where);
			err = -EINVAL;
			break;
		}
		strncat(where, ".blocked", sizeof(where) - strlen(where) - 1);
		err = flowid_set_from_json(bl, &r->blocked, where);
		if (err || !json_object_object_get_ex(x, "traces", &tr))
			continue;
		for (size_t j = 0; !err && j < json_object_array_length(tr); j++) {
			struct json_object *t = json_object_array_get_idx(tr, j);
			const char *file = json_object_get_string(json_object_object_get(t, "file"));
			char full[PATH_MAX + 80];

			if (!file || !*file) {	/* an iteration that has no trace */
				err = recorded_add_file(r, "", false);
				continue;
			}
			snprintf(full, sizeof(full), "%s/%s", rp->dir, file);
			err = recorded_add_file(r, full,
						json_object_get_boolean(json_object_object_get(t, "success")));
		}
	}
	json_object_put(o);
	return err;
}

static int replay_begin(struct campaign *c, const struct flowid *blocked, size_t n)
{
	struct replay *rp = R(c);

	rp->cur = NULL;
	if (rp->dataset) {
		const struct forest_node *fn = forest_find(&rp->forest, blocked, n);

		recorded_free(&rp->forest_cur);
		if (!fn || !fn->n_traces)
			return NODE_NOT_RECORDED;
		for (size_t i = 0; i < fn->n_traces; i++)
			if (recorded_add_file(&rp->forest_cur, fn->traces[i], true))
				return -ENOMEM;
		rp->cur = &rp->forest_cur;
		return 0;
	}
	for (size_t i = 0; i < rp->n_rec; i++)
		if (flowid_set_same(&rp->rec[i].blocked, blocked, n) && rp->rec[i].n) {
			rp->cur = &rp->rec[i];
			return 0;
		}
	return NODE_NOT_RECORDED;
}

/* A capture through the XDP program, as the epoch-th trace of the run. */
static int replay_pcap(struct campaign *c, const char *pcap, const char *snapshot, struct trace_meta *meta,
		       struct flowid_set *ids)
{
	struct replay *rp = R(c);
	struct flow_table t;
	int err;

	err = trace_of_pcap(rp->run, &rp->epoch, pcap, &t);
	if (err)
		return err;
	meta->epoch = rp->epoch;
	meta->success = true;
	meta->score = 1;
	err = trace_write(snapshot, meta, &t, offline_name_strings_fd(rp->run), campaign_hosts(c));
	if (!err)
		err = trace_flowids(&t, offline_name_strings_fd(rp->run), campaign_hosts(c), ids);
	flows_free(&t);
	return err;
}

/* A snapshot of another campaign: copied, then read. */
static int replay_snapshot(const char *from, const char *snapshot, struct trace_meta *meta, bool success,
			   struct flowid_set *ids)
{
	struct trace_meta theirs;
	FILE *in, *out;
	char buf[65536];
	size_t n;
	int err = 0;

	in = fopen(from, "rb");
	out = in ? fopen(snapshot, "wb") : NULL;
	if (!in || !out) {
		pr_warn("%s: %s", in ? snapshot : from, strerror(errno));
		err = -errno;
	}
	while (!err && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			err = -EIO;
	if (in)
		fclose(in);
	if (out && fclose(out) && !err)
		err = -EIO;
	if (!err)
		err = trace_read(snapshot, &theirs, ids);
	meta->epoch = theirs.epoch;
	meta->success = success;
	meta->score = theirs.score;
	return err;
}

static int replay_iteration(struct campaign *c, int k, const char *snapshot, struct trace_meta *meta,
			    struct flowid_set *ids)
{
	struct replay *rp = R(c);
	const struct recorded *r = rp->cur;

	if (!r || k > r->n || !r->files[k - 1][0])
		return -ENOENT;
	if (campaign_stopping(c))
		return -EINTR;
	if (rp->dataset)
		return replay_pcap(c, r->files[k - 1], snapshot, meta, ids);
	return replay_snapshot(r->files[k - 1], snapshot, meta, r->success[k - 1], ids);
}

static void replay_end(struct campaign *c)
{
	R(c)->cur = NULL;
}

static void replay_close(struct campaign *c)
{
	struct replay *rp = R(c);

	if (!rp)
		return;
	for (size_t i = 0; i < rp->n_rec; i++)
		recorded_free(&rp->rec[i]);
	free(rp->rec);
	recorded_free(&rp->forest_cur);
	if (rp->dataset)
		forest_close(&rp->forest);
	if (rp->run)
		offline_close(rp->run);
	free(rp);
	*campaign_source_data(c) = NULL;
}

static const struct trace_source replay_ops = {
	.name = "replay",
	.begin = replay_begin,
	.iteration = replay_iteration,
	.end = replay_end,
	.close = replay_close,
};

int replay_source_open(struct campaign *c, const struct trace_source **ops)
{
	const struct experiment *e = campaign_experiment(c);
	struct replay *rp = calloc(1, sizeof(*rp));
	char path[PATH_MAX + 16];
	int err;

	if (!rp)
		return -ENOMEM;
	*campaign_source_data(c) = rp;
	*ops = &replay_ops;
	snprintf(rp->dir, sizeof(rp->dir), "%s", e->interaction.source);
	snprintf(path, sizeof(path), "%s/state.json", rp->dir);
	if (!access(path, R_OK)) {
		err = load_campaign(rp);
	} else if (forest_is_event_dir(rp->dir)) {
		struct offline_opts o = {};

		rp->dataset = true;
		err = forest_open(rp->dir, e->device_addrs[0], &rp->forest);
		if (!err && !(rp->run = offline_open(&o)))
			err = -EINVAL;
		if (!err && e->dns_cache[0]) {
			struct names_import_result res;

			err = names_import(e->dns_cache, offline_names_fd(rp->run),
					   offline_name_strings_fd(rp->run), &res);
		}
	} else {
		pr_warn("%s: neither a campaign directory (state.json) nor a dataset event (tree.json and "
			"node directories)", rp->dir);
		err = -EINVAL;
	}
	if (err)
		replay_close(c);
	return err;
}
