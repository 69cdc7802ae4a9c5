// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * simhome expect: the tree a campaign must find, from the spec alone.  The
 * walk is the profiler's own (tree_build, tree_results); only the
 * experiments come from the model.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "model.h"
#include "tree_json.h"
#include "simhome.h"
#include "tree.h"

static struct json_object *tree_json(const struct tree *t, const struct flowid_set *first_level)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "nodes", tree_nodes_json(t, first_level));
	return o;
}

/* configs/well-known-ports of the tree the binary was built in
 * (BUILD/tools/simhome/simhome-sim), else the installed one. */
static const char *default_well_known(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = 0;
		snprintf(buf, len, "%s/../../../configs/well-known-ports", dirname(exe));
		if (!access(buf, R_OK))
			return buf;
	}
	snprintf(buf, len, "/usr/share/iotprof/configs/well-known-ports");
	return access(buf, R_OK) ? NULL : buf;
}

static void usage(FILE *out)
{
	fprintf(out,
"usage: simhome expect SPEC --device NAME --event EVENT [options]\n"
"\n"
"Prints, as JSON, the first-level and hidden Flow IDs and the tree that a\n"
"campaign on the simulated home must find (summary.json's first_level and\n"
"hidden, tree.json's nodes).\n"
"  --iterations M    m of the campaign (default 3)\n"
"  --max-depth N     the campaign's limits (default none)\n"
"  --max-nodes N\n"
"  --prune node|none node pruning (default node)\n"
"  --well-known FILE the campaign's well-known ports (default: configs/well-known-ports)\n");
}

int cmd_expect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' }, { "event", required_argument, NULL, 'e' },
		{ "iterations", required_argument, NULL, 'm' }, { "max-depth", required_argument, NULL, 'D' },
		{ "max-nodes", required_argument, NULL, 'N' }, { "prune", required_argument, NULL, 'p' },
		{ "well-known", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' }, {}
	};
	const char *device = NULL, *event = NULL, *wk_path = NULL;
	static struct well_known wk;
	char wk_buf[PATH_MAX];
	struct tree_limits lim = { .prune = true };
	struct home_spec s;
	struct tree_results r;
	struct model m;
	struct tree t;
	struct json_object *o;
	int c, dev, ev, iterations = 3, err;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': device = optarg; break;
		case 'e': event = optarg; break;
		case 'm': iterations = atoi(optarg); break;
		case 'D': lim.max_depth = atoi(optarg); break;
		case 'N': lim.max_nodes = strtoul(optarg, NULL, 10); break;
		case 'p':
			if (strcmp(optarg, "node") && strcmp(optarg, "none")) {
				fprintf(stderr, "simhome expect: --prune node or none\n");
				return 2;
			}
			lim.prune = !strcmp(optarg, "node");
			break;
		case 'w': wk_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || !device || !event || iterations < 1 || iterations > 1000) {
		usage(stderr);
		return 2;
	}
	if (spec_load(argv[optind], &s))
		return 1;
	if ((dev = spec_device(&s, device)) < 0 || (ev = spec_event(&s.devices[dev], event)) < 0) {
		fprintf(stderr, "simhome expect: %s: no %s \"%s\"\n", argv[optind], dev < 0 ? "device" : "event",
			dev < 0 ? device : event);
		spec_free(&s);
		return 1;
	}
	if (!wk_path)
		wk_path = default_well_known(wk_buf, sizeof(wk_buf));
	if (!wk_path)
		fprintf(stderr, "simhome expect: warning: no well-known ports file (--well-known FILE)\n");
	else if (well_known_load(wk_path, &wk)) {
		spec_free(&s);
		return 1;
	}
	model_init(&m, &s, dev, ev, iterations, wk_path ? &wk : NULL);
	err = tree_build(model_experiment, &m, &lim, &t);
	if (!err)
		err = tree_results(&t, &r);
	if (err) {
		fprintf(stderr, "simhome expect: %s\n", strerror(-err));
		model_free(&m);
		spec_free(&s);
		return 1;
	}
	o = json_object_new_object();
	json_object_object_add(o, "device", json_object_new_string(device));
	json_object_object_add(o, "event", json_object_new_string(event));
	json_object_object_add(o, "iterations", json_object_new_int(iterations));
	json_object_object_add(o, "first_level", flowid_set_to_json(&r.first_level));
	json_object_object_add(o, "hidden", flowid_set_to_json(&r.hidden));
	json_object_object_add(o, "robustness", json_object_new_int((int)r.hidden.n));
	json_object_object_add(o, "experiments", json_object_new_int((int)m.experiments));
	json_object_object_add(o, "max_event_s", json_object_new_double(m.max_duration));
	json_object_object_add(o, "tree", tree_json(&t, &r.first_level));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	tree_results_free(&r);
	tree_free(&t);
	model_free(&m);
	spec_free(&s);
	return 0;
}
