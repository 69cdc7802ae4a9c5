// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * iotprof merge: a device's profile from its event trees (DESIGN.md, Job 1
 * step 5).  Each campaign gives its first-level and hidden Flow IDs; the
 * profile lists every Flow ID once, with the events it belongs to, and
 * marks it hidden when it is hidden in every one of them: a Flow ID one
 * event needs at once is no backup path of the device.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "log.h"
#include "results.h"

int cmd_merge(int argc, char **argv, const char *pin_dir);	/* for commands.h */

struct event_in {
	struct results_info info;
	struct tree_results r;
};

struct profile_flow {
	struct flowid f;
	bool hidden;		/* hidden in every event it appears in */
	bool *in;		/* per event */
};

struct profile {
	struct profile_flow *v;
	size_t n, cap, n_events;
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: iotprof merge [--out PROFILE.json] [--device NAME] CAMPAIGN...\n"
"\n"
"Merges the event trees of one device (campaign directories or their tree.json)\n"
"into its profile: every Flow ID once, with its events, hidden when it is hidden\n"
"in every event it appears in (docs/RESULTS.md).  Trees of different devices are\n"
"refused unless --device names the device they are merged as.\n"
"  --out FILE     write the profile there (default: standard output)\n"
"  --device NAME  the device's name in the profile; allows differing trees\n");
}

static int profile_add(struct profile *p, const struct flowid *f, size_t event, bool hidden)
{
	struct profile_flow *pf;

	for (size_t i = 0; i < p->n; i++) {
		if (flowid_equal(&p->v[i].f, f)) {
			p->v[i].in[event] = true;
			p->v[i].hidden &= hidden;
			return 0;
		}
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 32;
		struct profile_flow *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	pf = &p->v[p->n];
	pf->in = calloc(p->n_events, sizeof(*pf->in));
	if (!pf->in)
		return -ENOMEM;
	pf->f = *f;
	pf->hidden = hidden;
	pf->in[event] = true;
	p->n++;
	return 0;
}

static void profile_free(struct profile *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].in);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static int profile_build(struct profile *p, const struct event_in *ev, size_t n)
{
	int err = 0;

	p->n_events = n;
	for (size_t e = 0; e < n && !err; e++) {
		for (size_t i = 0; i < ev[e].r.first_level.n && !err; i++)
			err = profile_add(p, &ev[e].r.first_level.v[i], e, false);
		for (size_t i = 0; i < ev[e].r.hidden.n && !err; i++)
			err = profile_add(p, &ev[e].r.hidden.v[i], e, true);
	}
	return err;
}

/* Every address any tree names for the device, each once. */
static struct json_object *device_json(const char *name, const struct event_in *ev, size_t n)
{
	struct json_object *d = json_object_new_object(), *a = json_object_new_array();

	for (size_t e = 0; e < n; e++) {
		for (int i = 0; i < ev[e].info.n_device_addrs; i++) {
			const char *addr = ev[e].info.device_addrs[i];
			bool seen = false;

			for (size_t j = 0; j < json_object_array_length(a) && !seen; j++)
				seen = !strcmp(json_object_get_string(json_object_array_get_idx(a, j)), addr);
			if (!seen)
				json_object_array_add(a, json_object_new_string(addr));
		}
	}
	json_object_object_add(d, "name", json_object_new_string(name));
	json_object_object_add(d, "addresses", a);
	return d;
}

static struct json_object *profile_json(const char *name, const struct event_in *ev, size_t n,
					const struct profile *p)
{
	struct json_object *o = json_object_new_object(), *events = json_object_new_array(),
			   *flows = json_object_new_array(), *dns;
	struct flowid_set first = {}, hidden = {};
	size_t n_hidden = 0;

	for (size_t e = 0; e < n; e++) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "event", json_object_new_string(ev[e].info.event));
		json_object_object_add(j, "source", json_object_new_string(ev[e].info.path));
		json_object_object_add(j, "iterations", json_object_new_int(ev[e].info.iterations));
		json_object_object_add(j, "stopped_by", ev[e].info.stopped_by[0] ?
				       json_object_new_string(ev[e].info.stopped_by) : NULL);
		json_object_object_add(j, "robustness_score", json_object_new_int64((int64_t)ev[e].r.hidden.n));
		json_object_object_add(j, "first_level", flowid_set_to_json(&ev[e].r.first_level));
		json_object_object_add(j, "hidden", flowid_set_to_json(&ev[e].r.hidden));
		json_object_array_add(events, j);
	}
	for (size_t i = 0; i < p->n; i++) {
		struct json_object *j = json_object_new_object(), *names = json_object_new_array();

		for (size_t e = 0; e < n; e++)
			if (p->v[i].in[e])
				json_object_array_add(names, json_object_new_string(ev[e].info.event));
		json_object_object_add(j, "flow", flowid_to_json(&p->v[i].f));
		json_object_object_add(j, "events", names);
		json_object_object_add(j, "hidden", json_object_new_boolean(p->v[i].hidden));
		json_object_array_add(flows, j);
		n_hidden += p->v[i].hidden;
		if (flowid_set_add(p->v[i].hidden ? &hidden : &first, &p->v[i].f))
			goto nomem;
	}
	dns = results_dns_json(&first, &hidden);
	if (!dns)
		goto nomem;
	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "device", device_json(name, ev, n));
	json_object_object_add(o, "events", events);
	json_object_object_add(o, "flows", flows);
	json_object_object_add(o, "hidden_flows", json_object_new_int64((int64_t)n_hidden));
	json_object_object_add(o, "dns", dns);
	flowid_set_free(&first);
	flowid_set_free(&hidden);
	return o;
nomem:
	flowid_set_free(&first);
	flowid_set_free(&hidden);
	json_object_put(events);
	json_object_put(flows);
	json_object_put(o);
	return NULL;
}

/* One device, one campaign per event. */
static int check_trees(const struct event_in *ev, size_t n, const char *device)
{
	for (size_t i = 1; i < n; i++) {
		if (!device && strcmp(ev[i].info.device_name, ev[0].info.device_name)) {
			pr_warn("merge: %s is device '%s' but %s is device '%s': not one device's events "
				"(--device NAME merges them anyway)", ev[0].info.path, ev[0].info.device_name,
				ev[i].info.path, ev[i].info.device_name);
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(ev[i].info.event, ev[j].info.event)) {
				pr_warn("merge: event '%s' is in both %s and %s: give one campaign per event",
					ev[i].info.event, ev[j].info.path, ev[i].info.path);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int cmd_merge(int argc, char **argv, const char *pin_dir)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *out = NULL, *device = NULL;
	struct json_object *profile = NULL;
	struct profile p = {};
	struct event_in *ev = NULL;
	char *text = NULL;
	int c, n = 0, err = 0;

	(void)pin_dir;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'd': device = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	n = argc - optind;
	if (n < 1) {
		pr_warn("merge: no campaign given");
		usage(stderr);
		return 2;
	}
	if (device && (!*device || strlen(device) >= RESULTS_NAME_MAX)) {
		pr_warn("merge: --device must be 1 to %d bytes", RESULTS_NAME_MAX - 1);
		return 2;
	}
	ev = calloc(n, sizeof(*ev));
	if (!ev) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (int i = 0; i < n && !err; i++) {
		struct tree t;

		err = results_load_tree(argv[optind + i], &t, &ev[i].info);
		if (err)
			break;
		err = tree_results(&t, &ev[i].r);
		tree_free(&t);
		if (!err && ev[i].info.stopped_by[0])
			pr_warn("warning: %s: the walk was stopped by %s; its hidden Flow IDs may be incomplete",
				ev[i].info.path, ev[i].info.stopped_by);
	}
	err = err ?: check_trees(ev, n, device) ?: profile_build(&p, ev, n);
	if (err)
		goto cleanup;
	profile = profile_json(device ? device : ev[0].info.device_name, ev, n, &p);
	if (!profile || asprintf(&text, "%s\n", json_object_to_json_string_ext(profile,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)) < 0) {
		text = NULL;
		err = -ENOMEM;
		goto cleanup;
	}
	if (out && strcmp(out, "-"))
		err = results_write_file(out, text);
	else if (fputs(text, stdout) < 0 || fflush(stdout))
		err = -EIO;
	if (!err && out)
		pr_info("%s: %d events, %zu Flow IDs of which %zu hidden in every event they appear in", out, n,
			p.n, (size_t)json_object_get_int64(json_object_object_get(profile, "hidden_flows")));
cleanup:
	if (err == -ENOMEM)
		pr_warn("merge: out of memory");
	for (int i = 0; i < n && ev; i++)	/* calloc'ed: the unloaded ones are empty */
		tree_results_free(&ev[i].r);
	free(ev);
	free(text);
	json_object_put(profile);
	profile_free(&p);
	return err ? 1 : 0;
}
