// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The campaign engine: the experiment callback of the breadth-first tree
 * (tree.c), the checkpoint that makes a campaign resumable, progress, and
 * the results at the end.  Where the traces come from is a trace_source:
 * live.c performs the experiments, replay.c reads recorded ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libgen.h>
#include <limits.h>
#include <json-c/json.h>
#include "campaign.h"
#include "log.h"
#include "paths.h"
#include "results.h"
#include "tree.h"

#define STATE_FILE "state.json"
#define EXPERIMENT_FILE "experiment.yaml"

struct trace_record {
	char file[64];		/* relative to the campaign directory */
	bool success;
};

/* One experiment: finished, or the one under way. */
struct exp_record {
	int id;
	struct flowid_set blocked;
	int status;		/* NODE_EXPANDED, NODE_FAILED, NODE_NOT_RECORDED */
	int m_plus;
	struct flowid_set signature;
	struct trace_record *traces;
	int n_traces;
};

struct campaign {
	struct experiment e;
	char dir[PATH_MAX];
	char exp_base[PATH_MAX];	/* the experiment file's own directory */
	struct campaign_opts o;
	struct trace_hosts hosts;
	struct well_known wk;
	const struct trace_source *src;
	void *src_data;

	struct exp_record *done;	/* finished experiments, by id */
	size_t n_done;
	struct exp_record cur;		/* under way: cur.id >= 0 */
	bool have_cur;

	const struct tree *tree;	/* being built: for the queue length */
	double wall_before;		/* seconds spent in earlier sessions */
	double started;			/* this session's start */
	double iter_s_sum;		/* for the ETA */
	int iter_n;
	size_t experiments_run;		/* in this session */
	const char *stopped_by;
};

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

const struct experiment *campaign_experiment(const struct campaign *c) { return &c->e; }
const char *campaign_dir(const struct campaign *c) { return c->dir; }
const struct trace_hosts *campaign_hosts(const struct campaign *c) { return &c->hosts; }
void **campaign_source_data(struct campaign *c) { return &c->src_data; }
bool campaign_stopping(const struct campaign *c) { (void)c; return stop_requested; }

bool campaign_sleep(struct campaign *c, double seconds)
{
	double end = now_s() + seconds;

	while (!stop_requested) {
		double left = end - now_s();
		struct timespec ts;

		if (left <= 0)
			return true;
		if (left > 1)
			left = 1;	/* wake up to renew leases and notice signals */
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
		if (c->src->keepalive)
			c->src->keepalive(c);
	}
	return false;
}

/* ---- the checkpoint ---------------------------------------------------- */

static void exp_record_free(struct exp_record *r)
{
	flowid_set_free(&r->blocked);
	flowid_set_free(&r->signature);
	free(r->traces);
	memset(r, 0, sizeof(*r));
}

static const char *status_name(int s)
{
	return s == NODE_FAILED ? "failed" : s == NODE_NOT_RECORDED ? "not-recorded" : "expanded";
}

static struct json_object *exp_record_json(const struct exp_record *r, bool finished)
{
	struct json_object *o = json_object_new_object(), *tr = json_object_new_array();

	json_object_object_add(o, "id", json_object_new_int(r->id));
	json_object_object_add(o, "blocked", flowid_set_to_json(&r->blocked));
	if (finished) {
		json_object_object_add(o, "status", json_object_new_string(status_name(r->status)));
		json_object_object_add(o, "m_plus", json_object_new_int(r->m_plus));
		json_object_object_add(o, "signature", flowid_set_to_json(&r->signature));
	}
	for (int i = 0; i < r->n_traces; i++) {
		struct json_object *t = json_object_new_object();

		json_object_object_add(t, "file", json_object_new_string(r->traces[i].file));
		json_object_object_add(t, "success", json_object_new_boolean(r->traces[i].success));
		json_object_array_add(tr, t);
	}
	json_object_object_add(o, "traces", tr);
	return o;
}

/* dir/name, whole or not at all (a temporary file, fsync, rename). */
static int write_atomically(const char *dir, const char *name, const char *text)
{
	char path[2 * PATH_MAX + 256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return results_write_file(path, text);
}

static int state_save(struct campaign *c, const char *status)
{
	struct json_object *o = json_object_new_object(), *done = json_object_new_array();
	int err;

	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "experiment", json_object_new_string(EXPERIMENT_FILE));
	json_object_object_add(o, "experiment_dir", json_object_new_string(c->exp_base));
	json_object_object_add(o, "source", json_object_new_string(c->src->name));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "wall_s", json_object_new_double(c->wall_before + now_s() - c->started));
	for (size_t i = 0; i < c->n_done; i++)
		json_object_array_add(done, exp_record_json(&c->done[i], true));
	json_object_object_add(o, "experiments", done);
	json_object_object_add(o, "current", c->have_cur ? exp_record_json(&c->cur, false) : NULL);
	err = write_atomically(c->dir, STATE_FILE,
			       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return err;
}

static int exp_record_from_json(struct json_object *o, struct exp_record *r, bool finished, const char *where)
{
	struct json_object *v, *tr;
	char w[512];
	int err;

	memset(r, 0, sizeof(*r));
	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "id", &v)) {
		pr_warn("%s: not an experiment record", where);
		return -EINVAL;
	}
	r->id = json_object_get_int(v);
	snprintf(w, sizeof(w), "%s.blocked", where);
	err = flowid_set_from_json(json_object_object_get(o, "blocked"), &r->blocked, w);
	if (!err && finished) {
		const char *st = json_object_get_string(json_object_object_get(o, "status"));

		r->status = !st ? -1 : !strcmp(st, "failed") ? NODE_FAILED :
			    !strcmp(st, "not-recorded") ? NODE_NOT_RECORDED :
			    !strcmp(st, "expanded") ? NODE_EXPANDED : -1;
		if (r->status < 0) {
			pr_warn("%s: unknown status \"%s\"", where, st ?: "(none)");
			err = -EINVAL;
		}
		r->m_plus = json_object_get_int(json_object_object_get(o, "m_plus"));
		snprintf(w, sizeof(w), "%s.signature", where);
		if (!err)
			err = flowid_set_from_json(json_object_object_get(o, "signature"), &r->signature, w);
	}
	if (!err && json_object_object_get_ex(o, "traces", &tr) && json_object_is_type(tr, json_type_array)) {
		r->n_traces = json_object_array_length(tr);
		r->traces = calloc(r->n_traces + 1, sizeof(*r->traces));
		if (!r->traces)
			err = -ENOMEM;
		for (int i = 0; !err && i < r->n_traces; i++) {
			struct json_object *t = json_object_array_get_idx(tr, i);

			snprintf(r->traces[i].file, sizeof(r->traces[i].file), "%s",
				 json_object_get_string(json_object_object_get(t, "file")) ?: "");
			r->traces[i].success = json_object_get_boolean(json_object_object_get(t, "success"));
		}
	}
	if (err)
		exp_record_free(r);
	return err;
}

static int state_load(struct campaign *c)
{
	char path[PATH_MAX + 16], w[PATH_MAX + 64];
	struct json_object *o, *done, *cur;
	int err = 0;

	snprintf(path, sizeof(path), "%s/%s", c->dir, STATE_FILE);
	o = json_object_from_file(path);
	if (!o || !json_object_object_get_ex(o, "experiments", &done) ||
	    !json_object_is_type(done, json_type_array)) {
		pr_warn("%s: not a campaign checkpoint%s", path, o ? "" : " (missing or not JSON)");
		json_object_put(o);
		return -EINVAL;
	}
	c->wall_before = json_object_get_double(json_object_object_get(o, "wall_s"));
	snprintf(c->exp_base, sizeof(c->exp_base), "%s",
		 json_object_get_string(json_object_object_get(o, "experiment_dir")) ?: c->dir);
	c->n_done = json_object_array_length(done);
	c->done = calloc(c->n_done + 1, sizeof(*c->done));
	if (!c->done)
		err = -ENOMEM;
	for (size_t i = 0; !err && i < c->n_done; i++) {
		snprintf(w, sizeof(w), "%s: experiments[%zu]", path, i);
		err = exp_record_from_json(json_object_array_get_idx(done, i), &c->done[i], true, w);
	}
	if (!err && json_object_object_get_ex(o, "current", &cur) && cur) {
		snprintf(w, sizeof(w), "%s: current", path);
		err = exp_record_from_json(cur, &c->cur, false, w);
		c->have_cur = !err;
	}
	json_object_put(o);
	return err;
}

/* ---- the experiment callback ------------------------------------------ */

static size_t pending_nodes(const struct campaign *c)
{
	size_t n = 0;

	for (size_t i = 0; c->tree && i < c->tree->n; i++)
		n += c->tree->v[i].status == NODE_PENDING;
	return n ? n - 1 : 0;	/* the one under way is pending too */
}

static void format_duration(double s, char *buf, size_t len)
{
	long t = lround(s);

	if (t >= 3600)
		snprintf(buf, len, "%ldh%02ldm", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, len, "%lds", t);
}

static void progress(struct campaign *c, int depth, int k, int ok, bool success)
{
	int m = c->e.iterations;
	double avg = c->iter_n ? c->iter_s_sum / c->iter_n : 0;
	size_t queued = pending_nodes(c);
	char eta[32];

	if (c->o.quiet)
		return;
	format_duration(avg * ((m - k) + (double)queued * m), eta, sizeof(eta));
	fprintf(stderr, "node %d depth %d: iteration %d/%d %s, %d/%d successful; %zu node%s queued, ETA %s%s\n",
		c->cur.id, depth, k, m, success ? "ok" : "FAILED", ok, k, queued, queued == 1 ? "" : "s",
		c->iter_n ? "" : "~", c->iter_n ? eta : "?");
}

static int trace_add(struct exp_record *r, const char *file, bool success)
{
	struct trace_record *t = realloc(r->traces, (r->n_traces + 1) * sizeof(*t));

	if (!t)
		return -ENOMEM;
	r->traces = t;
	snprintf(t[r->n_traces].file, sizeof(t[r->n_traces].file), "%s", file);
	t[r->n_traces++].success = success;
	return 0;
}

static bool out_of_time(struct campaign *c)
{
	return c->e.max_wall_s > 0 && c->wall_before + now_s() - c->started >= c->e.max_wall_s;
}

/* Runs (or continues) the iterations of the experiment under way. */
static int run_iterations(struct campaign *c, int depth, struct flowid_set *ok_traces, int *n_ok)
{
	int m = c->e.iterations, err = 0;
	char node_dir[PATH_MAX + 32];

	snprintf(node_dir, sizeof(node_dir), "%s/nodes/%03d", c->dir, c->cur.id);
	if (mkdir(node_dir, 0755) && errno != EEXIST) {
		pr_warn("%s: %s", node_dir, strerror(errno));
		return -errno;
	}
	/* Iterations a killed run finished count as they were. */
	for (int i = 0; i < c->cur.n_traces; i++) {
		char path[PATH_MAX + 96];
		struct trace_meta meta;

		if (!c->cur.traces[i].success)
			continue;
		snprintf(path, sizeof(path), "%s/%s", c->dir, c->cur.traces[i].file);
		err = trace_read(path, &meta, &ok_traces[*n_ok]);
		if (err)
			return err;
		(*n_ok)++;
	}
	for (int k = c->cur.n_traces + 1; k <= m; k++) {
		struct trace_meta meta = { .node = c->cur.id, .iteration = k };
		char rel[64], path[PATH_MAX + 96];
		double t0 = now_s();
		int rc;

		if (stop_requested)
			return -EINTR;
		snprintf(rel, sizeof(rel), "nodes/%03d/trace-%02d.json.gz", c->cur.id, k);
		snprintf(path, sizeof(path), "%s/%s", c->dir, rel);
		meta.started = t0;
		rc = c->src->iteration(c, k, path, &meta, &ok_traces[*n_ok]);
		if (rc == -ENOENT) {		/* replay: not that many traces */
			meta.success = false;
			rel[0] = 0;
		} else if (rc == -EINTR) {
			flowid_set_free(&ok_traces[*n_ok]);
			return rc;
		} else if (rc) {
			flowid_set_free(&ok_traces[*n_ok]);
			return rc;
		}
		if (meta.success)
			(*n_ok)++;
		else
			flowid_set_free(&ok_traces[*n_ok]);
		err = trace_add(&c->cur, rel, meta.success);
		if (!err)
			err = state_save(c, "running");
		if (err)
			return err;
		/* The pause lets the device settle; none after the last one of a
		 * replay, where nothing happens in between. */
		if (strcmp(c->src->name, "replay") && k < m) {
			double lo = c->e.pause_min_s, hi = c->e.pause_max_s;

			if (!campaign_sleep(c, lo + (hi - lo) * (rand() / (RAND_MAX + 1.0))))
				err = -EINTR;
		}
		c->iter_s_sum += now_s() - t0;
		c->iter_n++;
		progress(c, depth, k, *n_ok, meta.success);
		if (err)
			return err;
	}
	return 0;
}

static int experiment_cb(void *ctx, const struct flowid *blocked, size_t n, struct flowid_set *sig, int *m_plus)
{
	struct campaign *c = ctx;
	struct flowid_set *ok_traces = NULL;
	int n_ok = 0, rc, err = 0, m = c->e.iterations;
	struct exp_record *done;

	for (size_t i = 0; i < c->n_done; i++) {
		struct exp_record *r = &c->done[i];

		if (!flowid_set_same(&r->blocked, blocked, n))
			continue;
		*m_plus = r->m_plus;
		if (r->status != NODE_EXPANDED)
			return r->status;
		for (size_t j = 0; j < r->signature.n; j++)
			if (flowid_set_add(sig, &r->signature.v[j]))
				return -ENOMEM;
		return 0;
	}
	if (stop_requested)
		return -EINTR;
	if (out_of_time(c)) {
		c->stopped_by = "max-time";
		return -ETIME;
	}
	/* A new experiment, or the one a killed run left unfinished. */
	if (c->have_cur && !flowid_set_same(&c->cur.blocked, blocked, n)) {
		pr_warn("%s: the checkpoint's unfinished experiment %d is not the next one; starting it over",
			c->dir, c->cur.id);
		exp_record_free(&c->cur);
		c->have_cur = false;
	}
	if (!c->have_cur) {
		c->cur.id = c->n_done;
		for (size_t i = 0; i < n; i++)
			if (flowid_set_add(&c->cur.blocked, &blocked[i]))
				return -ENOMEM;
		c->have_cur = true;
	}
	if (!c->o.quiet)
		fprintf(stderr, "node %d depth %zu: blocking %zu Flow ID%s\n", c->cur.id, n, n, n == 1 ? "" : "s");

	rc = c->src->begin(c, blocked, n);
	if (rc < 0)
		return rc;
	ok_traces = calloc(m + 1, sizeof(*ok_traces));
	if (!ok_traces) {
		c->src->end(c);
		return -ENOMEM;
	}
	if (rc != NODE_NOT_RECORDED)
		err = run_iterations(c, (int)n, ok_traces, &n_ok);
	c->src->end(c);
	c->experiments_run++;
	if (err)
		goto out;

	done = realloc(c->done, (c->n_done + 1) * sizeof(*done));
	if (!done) {
		err = -ENOMEM;
		goto out;
	}
	c->done = done;
	done = &c->done[c->n_done];
	*done = c->cur;
	memset(&c->cur, 0, sizeof(c->cur));
	c->have_cur = false;
	done->m_plus = n_ok;
	if (rc == NODE_NOT_RECORDED)
		done->status = NODE_NOT_RECORDED;
	else if (2 * n_ok < m)		/* m+ < m/2: the event failed */
		done->status = NODE_FAILED;
	else
		done->status = NODE_EXPANDED;
	if (done->status == NODE_EXPANDED)
		err = flowid_signature(ok_traces, n_ok, &c->wk, &done->signature);
	c->n_done++;
	if (!err)
		err = state_save(c, "running");
	if (!err) {
		char path[PATH_MAX + 32];
		struct json_object *o = exp_record_json(done, true);

		snprintf(path, sizeof(path), "%s/nodes/%03d", c->dir, done->id);
		mkdir(path, 0755);	/* not-recorded nodes have no traces */
		snprintf(path, sizeof(path), "nodes/%03d/node.json", done->id);
		err = write_atomically(c->dir, path, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	if (!c->o.quiet)
		fprintf(stderr, "node %d: %s, m+ = %d/%d, %zu Flow IDs\n", done->id, status_name(done->status),
			n_ok, m, done->signature.n);
	*m_plus = done->m_plus;
	for (size_t j = 0; !err && j < done->signature.n; j++)
		if (flowid_set_add(sig, &done->signature.v[j]))
			err = -ENOMEM;
	if (!err && done->status != NODE_EXPANDED)
		err = done->status;
out:
	for (int i = 0; i <= m; i++)
		flowid_set_free(&ok_traces[i]);
	free(ok_traces);
	return err;
}

/* ---- the whole campaign ------------------------------------------------- */

static int prepare(struct campaign *c)
{
	char buf[PATH_MAX];
	const char *wk = c->e.well_known[0] ? c->e.well_known
					    : shipped_file("configs/well-known-ports", buf, sizeof(buf));
	int err;

	for (int i = 0; i < c->e.n_device_addrs; i++)
		if ((err = trace_hosts_add(&c->hosts, c->e.device_addrs[i])))
			return err;
	c->hosts.keep_control = c->e.keep_control;
	if (c->e.phone[0] && (err = trace_hosts_add(&c->hosts, c->e.phone)))
		return err;
	if (!wk)
		pr_warn("warning: no well-known ports list found; only ports fixed across traces are kept");
	else if ((err = well_known_load(wk, &c->wk)))
		return err;
	c->hosts.client_port_lo = c->wk.eph_lo;
	c->hosts.client_port_hi = c->wk.eph_hi;
	srand(c->e.seed ? c->e.seed : (unsigned)time(NULL) ^ (unsigned)getpid());
	return c->e.interaction.kind == INTERACTION_REPLAY ? replay_source_open(c, &c->src)
							   : live_source_open(c, &c->src);
}

static int finish(struct campaign *c, int err)
{
	struct results_meta meta = {
		.device_name = c->e.device_name,
		.n_device_addrs = c->e.n_device_addrs,
		.event = c->e.event,
		.iterations = c->e.iterations,
		.capture_s = c->e.capture_s,
		.prune = c->e.prune,
		.experiments = c->n_done,
	};
	struct tree *t = (struct tree *)c->tree;
	bool stopped = err == -EINTR || err == -ETIME;
	int rc = 0;

	for (int i = 0; i < c->e.n_device_addrs; i++)
		meta.device_addrs[i] = c->e.device_addrs[i];
	meta.wall_s = c->wall_before + now_s() - c->started;
	meta.stopped_by = err == -EINTR ? "signal" : c->stopped_by;
	if (err && !stopped) {
		pr_warn("campaign stopped: %s; 'iotprof run --resume %s' continues it", strerror(-err), c->dir);
		state_save(c, "stopped");
		return 1;
	}
	if (state_save(c, err == -EINTR ? "stopped" : "finished"))
		return 1;
	if (results_write(c->dir, &meta, t))
		return 1;
	if (!c->o.quiet || !err)
		results_print_summary(stdout, &meta, t);
	if (err == -EINTR) {
		fprintf(stderr, "campaign interrupted; 'iotprof run --resume %s' continues it\n", c->dir);
		rc = 3;
	}
	return rc;
}

static int walk(struct campaign *c)
{
	struct sigaction sa = { .sa_handler = on_stop_signal }, old[3];
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct tree_limits lim = {
		.max_depth = c->e.max_depth,
		.max_nodes = c->e.max_nodes > 0 ? (size_t)c->e.max_nodes : 0,
		.prune = c->e.prune,
	};
	struct tree t = {};
	int err, rc;

	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	c->tree = &t;
	c->started = now_s();
	err = tree_build(experiment_cb, c, &lim, &t);
	if (!err && lim.max_nodes && t.n >= lim.max_nodes)
		c->stopped_by = "max-nodes";
	for (size_t i = 0; !err && !c->stopped_by && lim.max_depth && i < t.n; i++)
		if (t.v[i].status == NODE_PENDING)
			c->stopped_by = "max-depth";
	rc = finish(c, err);
	if (c->src->close)
		c->src->close(c);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	tree_free(&t);
	return rc;
}

static void campaign_free(struct campaign *c)
{
	for (size_t i = 0; i < c->n_done; i++)
		exp_record_free(&c->done[i]);
	free(c->done);
	exp_record_free(&c->cur);
	free(c);
}

static int copy_file(const char *from, const char *dir, const char *name)
{
	FILE *f = fopen(from, "r");
	char *text = NULL;
	size_t len = 0;
	int err;

	if (!f) {
		pr_warn("%s: %s", from, strerror(errno));
		return -errno;
	}
	{
		FILE *m = open_memstream(&text, &len);
		char buf[8192];
		size_t n;

		while (m && (n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, m);
		if (m)
			fclose(m);
	}
	fclose(f);
	err = text ? write_atomically(dir, name, text) : -ENOMEM;
	free(text);
	return err;
}

int campaign_run(const struct experiment *e, const char *dir, const struct campaign_opts *o)
{
	struct campaign *c = calloc(1, sizeof(*c));
	char path[PATH_MAX + 16];
	int rc;

	if (!c)
		return 1;
	c->e = *e;
	c->o = *o;
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	{
		char copy[PATH_MAX];

		snprintf(copy, sizeof(copy), "%s", e->path);
		if (!realpath(dirname(copy), c->exp_base))
			snprintf(c->exp_base, sizeof(c->exp_base), ".");
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		pr_warn("%s: %s", dir, strerror(errno));
		rc = 1;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	if (!access(path, F_OK)) {
		pr_warn("%s already holds a campaign; continue it with 'iotprof run --resume %s' or choose "
			"another --out", dir, dir);
		rc = 1;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/nodes", dir);
	if ((mkdir(path, 0755) && errno != EEXIST) || copy_file(e->path, dir, EXPERIMENT_FILE) ||
	    prepare(c)) {
		rc = 1;
		goto out;
	}
	c->started = now_s();
	if (state_save(c, "running")) {
		rc = 1;
		goto out;
	}
	rc = walk(c);
out:
	campaign_free(c);
	return rc;
}

int campaign_resume(const char *dir, const struct campaign_opts *o)
{
	struct campaign *c = calloc(1, sizeof(*c));
	char path[PATH_MAX + 16];
	int rc = 1;

	if (!c)
		return 1;
	c->o = *o;
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/%s", dir, EXPERIMENT_FILE);
	if (state_load(c) || experiment_load_in(path, c->exp_base, &c->e) || prepare(c))
		goto out;
	if (!o->quiet)
		fprintf(stderr, "resuming %s: %zu experiments finished%s\n", dir, c->n_done,
			c->have_cur ? ", one under way" : "");
	rc = walk(c);
out:
	campaign_free(c);
	return rc;
}
