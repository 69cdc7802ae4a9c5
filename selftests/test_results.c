// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A campaign's results on the modelled device of test_tree.c (local
 * control with a cloud backup, a DNS lookup with a public fallback
 * resolver, a cloud connection nothing replaces): tree.json and
 * summary.json say what the tree says, the DNS view splits first-level
 * from hidden, tree.json reads back to the same tree, tree.dot is valid.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "check.h"
#include "results.h"

struct check_state check_state = { .suite = "results" };

enum { L, B1, B2, D, D2, C, N_FLOWS };

static struct flowid F[N_FLOWS];
static char dir[64], dir2[64];
static const struct results_meta meta = {
	.device_name = "plug", .device_addrs = { "10.0.0.35", "fd00::35" }, .n_device_addrs = 2,
	.event = "toggle", .iterations = 20, .capture_s = 20, .prune = true, .wall_s = 1234.5,
	.experiments = 7,
};

static struct flowid make(const char *src, const char *dst, const char *proto, int dport)
{
	struct flowid f = { .sport = FLOWID_PORT_ANY, .dport = dport };

	snprintf(f.src, sizeof(f.src), "%s", src);
	snprintf(f.dst, sizeof(f.dst), "%s", dst);
	snprintf(f.proto, sizeof(f.proto), "%s", proto);
	return f;
}

static void app(struct flowid *f, __u8 kind, const char *a, const char *b)
{
	f->app_kind = kind;
	snprintf(f->app_a, sizeof(f->app_a), "%s", a);
	snprintf(f->app_b, sizeof(f->app_b), "%s", b);
}

static bool is_blocked(const struct flowid *blocked, size_t n, int which)
{
	for (size_t i = 0; i < n; i++)
		if (flowid_equal(&blocked[i], &F[which]))
			return true;
	return false;
}

/* The device of test_tree.c: attempted flows are seen even when blocked. */
static int model(void *ctx, const struct flowid *blocked, size_t n, struct flowid_set *sig, int *m_plus)
{
	bool ok = true;

	(void)ctx;
	flowid_set_add(sig, &F[L]);
	if (is_blocked(blocked, n, L)) {
		flowid_set_add(sig, &F[B1]);
		ok = !is_blocked(blocked, n, B1);
		if (ok) {
			flowid_set_add(sig, &F[B2]);
			ok = !is_blocked(blocked, n, B2);
		}
	}
	if (ok) {
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
	*m_plus = ok ? 20 : 3;
	if (!ok) {
		flowid_set_free(sig);
		return NODE_FAILED;
	}
	return 0;
}

static void setup(void)
{
	F[L] = make("10.0.0.20", "10.0.0.35", "tcp", 9999);
	F[B1] = make("10.0.0.20", "backup.example", "tcp", 443);
	F[B2] = make("10.0.0.35", "relay.example", "tcp", 80);
	app(&F[B2], IOTPROF_APP_HTTP, "GET", "/x\"y\\z");	/* quotes for the DOT escaping */
	F[D] = make("10.0.0.35", "10.0.0.1", "udp", 53);
	app(&F[D], IOTPROF_APP_DNS, "Time.Example.", "A");
	F[D2] = make("10.0.0.35", "dns.public.example", "udp", 53);
	app(&F[D2], IOTPROF_APP_DNS, "api.example.", "A");	/* a first-level name: not hidden */
	F[C] = make("10.0.0.35", "api.example", "tcp", 443);
}

static void path_in(char *buf, size_t len, const char *d, const char *name)
{
	snprintf(buf, len, "%s/%s", d, name);
}

static struct json_object *read_json(const char *d, const char *name)
{
	char p[128];

	path_in(p, sizeof(p), d, name);
	return json_object_from_file(p);
}

static bool file_nonempty(const char *d, const char *name)
{
	char p[128];
	FILE *f;
	long size = 0;

	path_in(p, sizeof(p), d, name);
	f = fopen(p, "r");
	if (f && !fseek(f, 0, SEEK_END))
		size = ftell(f);
	if (f)
		fclose(f);
	return size > 0;
}

static bool has_dot(void)
{
	return !system("command -v dot >/dev/null 2>&1");
}

/* Is each name of want in the JSON array of strings, and nothing else? */
static bool strings_are(struct json_object *a, const char *const *want, size_t n)
{
	if (!a || json_object_array_length(a) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < n && !found; j++)
			found = !strcmp(json_object_get_string(json_object_array_get_idx(a, j)), want[i]);
		if (!found)
			return false;
	}
	return true;
}

/* The JSON array holds exactly these Flow IDs (it has no duplicates). */
static bool flows_are(struct json_object *a, const int *want, size_t n)
{
	if (!a || json_object_array_length(a) != n)
		return false;
	for (size_t w = 0; w < n; w++) {
		bool found = false;

		for (size_t i = 0; i < n && !found; i++) {
			struct flowid f;

			found = !flowid_from_json(json_object_array_get_idx(a, i), &f, "summary") &&
				flowid_equal(&f, &F[want[w]]);
		}
		if (!found)
			return false;
	}
	return true;
}

static struct json_object *get(struct json_object *o, const char *path)
{
	char buf[128], *save, *key;

	snprintf(buf, sizeof(buf), "%s", path);
	for (key = strtok_r(buf, ".", &save); key && o; key = strtok_r(NULL, ".", &save))
		o = json_object_object_get(o, key);
	return o;
}

static void build(struct tree *t, int max_depth)
{
	struct tree_limits lim = { .prune = true, .max_depth = max_depth };

	EXPECT(tree_build(model, NULL, &lim, t) == 0, "tree_build");
}

static void test_write_files(void)
{
	static const char *const names[] = { "tree.json", "summary.json", "tree.dot" };
	struct tree t;
	char cmd[128];
	FILE *ls;
	int leftovers = 0;

	build(&t, 0);
	EXPECT(results_write(dir, &meta, &t) == 0, "results_write");
	for (size_t i = 0; i < 3; i++)
		EXPECT(file_nonempty(dir, names[i]), "%s written", names[i]);
	snprintf(cmd, sizeof(cmd), "ls -a %s | grep -c tmp", dir);
	ls = popen(cmd, "r");
	EXPECT(ls && fscanf(ls, "%d", &leftovers) == 1 && leftovers == 0, "no temporary files left");
	if (ls)
		pclose(ls);
	tree_free(&t);
}

static void test_tree_json(void)
{
	struct json_object *o = read_json(dir, "tree.json"), *nodes;
	size_t hidden = 0, n;
	struct tree t;

	build(&t, 0);
	if (!EXPECT(o != NULL, "tree.json parses"))
		goto out;
	EXPECT_EQ(json_object_get_int(get(o, "version")), 1, "version");
	EXPECT(!strcmp(json_object_get_string(get(o, "device.name")), "plug"), "device.name");
	EXPECT_EQ(json_object_array_length(get(o, "device.addresses")), 2, "device.addresses");
	EXPECT(!strcmp(json_object_get_string(get(o, "event")), "toggle"), "event");
	EXPECT(!strcmp(json_object_get_string(get(o, "prune")), "node"), "prune");
	EXPECT_EQ(json_object_get_int(get(o, "iterations")), 20, "iterations");
	nodes = get(o, "nodes");
	n = json_object_array_length(nodes);
	EXPECT_EQ(n, t.n, "one JSON node per tree node");
	for (size_t i = 0; i < n && i < t.n; i++) {
		struct json_object *j = json_object_array_get_idx(nodes, i), *blocked = get(j, "blocked");
		struct flowid f, last;

		EXPECT_EQ(json_object_get_int(get(j, "id")), i, "id");
		EXPECT_EQ(json_object_get_int(get(j, "parent")), t.v[i].parent, "parent");
		EXPECT_EQ(json_object_array_length(blocked), t.v[i].depth, "blocked path length = depth");
		hidden += json_object_get_boolean(get(j, "hidden"));
		if (i == 0) {
			EXPECT(json_object_object_get_ex(j, "flow", NULL) && !get(j, "flow"), "root flow null");
			EXPECT(!strcmp(json_object_get_string(get(j, "status")), "expanded"), "root expanded");
			continue;
		}
		EXPECT(flowid_from_json(get(j, "flow"), &f, "node") == 0 && flowid_equal(&f, &t.v[i].flow), "flow");
		EXPECT(flowid_from_json(json_object_array_get_idx(blocked, t.v[i].depth - 1), &last, "blocked") == 0 &&
		       flowid_equal(&last, &t.v[i].flow), "the blocked path ends with the node's Flow ID");
	}
	/* hidden nodes: every node of B1, B2 or D2 (some are pruned copies) */
	for (size_t i = 1; i < t.n; i++)
		hidden -= is_blocked(&t.v[i].flow, 1, B1) || is_blocked(&t.v[i].flow, 1, B2) ||
			  is_blocked(&t.v[i].flow, 1, D2);
	EXPECT_EQ(hidden, 0, "\"hidden\" marks exactly the nodes of hidden Flow IDs");
out:
	json_object_put(o);
	tree_free(&t);
}

static void test_summary_json(void)
{
	static const char *const dom_first[] = { "api.example", "time.example" };
	static const char *const dom_hidden[] = { "backup.example", "dns.public.example", "relay.example" };
	static const char *const res_first[] = { "10.0.0.1" }, *const res_hidden[] = { "dns.public.example" };
	static const int first[] = { L, D, C }, hidden[] = { B1, B2, D2 };
	struct json_object *o = read_json(dir, "summary.json");

	if (!EXPECT(o != NULL, "summary.json parses"))
		return;
	EXPECT(flows_are(get(o, "first_level"), first, 3), "first_level = L, D, C");
	EXPECT(flows_are(get(o, "hidden"), hidden, 3), "hidden = B1, B2, D2");
	EXPECT_EQ(json_object_get_int(get(o, "robustness_score")), 3, "robustness_score");
	EXPECT_EQ(json_object_get_int(get(o, "unique")), 6, "unique");
	EXPECT_EQ(json_object_get_int(get(o, "failed_nodes")), 4, "failed_nodes");
	EXPECT_EQ(json_object_get_int(get(o, "not_recorded")), 0, "not_recorded");
	EXPECT_EQ(json_object_get_int(get(o, "experiments")), 7, "experiments");
	EXPECT(get(o, "nodes") && json_object_get_int(get(o, "nodes")) > 7, "nodes");
	EXPECT(json_object_object_get_ex(o, "stopped_by", NULL) && !get(o, "stopped_by"), "stopped_by null");
	EXPECT(json_object_get_double(get(o, "wall_s")) == 1234.5, "wall_s");
	EXPECT(strings_are(get(o, "dns.domains.first_level"), dom_first, 2), "first-level domains: %s",
	       json_object_to_json_string(get(o, "dns.domains")));
	EXPECT(strings_are(get(o, "dns.domains.hidden"), dom_hidden, 3), "hidden domains");
	EXPECT(strings_are(get(o, "dns.resolvers.first_level"), res_first, 1), "first-level resolvers: %s",
	       json_object_to_json_string(get(o, "dns.resolvers")));
	EXPECT(strings_are(get(o, "dns.resolvers.hidden"), res_hidden, 1), "hidden resolvers");
	json_object_put(o);
}

static void test_load_round_trip(void)
{
	struct results_info info;
	struct results_meta m;
	struct tree t, back;
	char p[128], a[128], b[128], cmd[300];

	build(&t, 0);
	EXPECT(results_load_tree(dir, &back, &info) == 0, "load from the directory");
	EXPECT_EQ(back.n, t.n, "nodes");
	for (size_t i = 0; i < t.n && i < back.n; i++)
		EXPECT(back.v[i].parent == t.v[i].parent && back.v[i].depth == t.v[i].depth &&
		       back.v[i].status == t.v[i].status && back.v[i].m_plus == t.v[i].m_plus &&
		       (!i || flowid_equal(&back.v[i].flow, &t.v[i].flow)), "node %zu read back", i);
	EXPECT(!strcmp(info.device_name, "plug") && info.n_device_addrs == 2 &&
	       !strcmp(info.device_addrs[1], "fd00::35") && !strcmp(info.event, "toggle") &&
	       info.iterations == 20 && info.capture_s == 20 && info.prune && !info.stopped_by[0], "meta");
	/* written again from what was read: the same tree.json */
	results_info_meta(&info, &m);
	EXPECT(results_write(dir2, &m, &back) == 0, "rewrite");
	path_in(a, sizeof(a), dir, "tree.json");
	path_in(b, sizeof(b), dir2, "tree.json");
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", a, b);
	EXPECT(system(cmd) == 0, "tree.json identical after a round trip");
	tree_free(&back);
	path_in(p, sizeof(p), dir, "tree.json");
	EXPECT(results_load_tree(p, &back, &info) == 0 && back.n == t.n, "load from the file");
	tree_free(&back);
	tree_free(&t);
}

static int load_text(const char *text)
{
	struct results_info info;
	struct tree t;
	char p[128];
	FILE *f;
	int err;

	path_in(p, sizeof(p), dir2, "bad.json");
	f = fopen(p, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	fclose(f);
	err = results_load_tree(p, &t, &info);
	if (err)
		EXPECT(t.n == 0 && !t.v, "nothing left allocated on error");
	tree_free(&t);
	unlink(p);
	return err;
}

#define HEAD "{\"version\":1,\"device\":{\"name\":\"d\",\"addresses\":[]},\"event\":\"e\",\"nodes\":["
#define ROOT "{\"id\":0,\"parent\":-1,\"depth\":0,\"flow\":null,\"status\":\"expanded\"}"
#define FLOW "{\"src\":\"a\",\"dst\":\"b\",\"proto\":\"tcp\",\"sport\":null,\"dport\":1,\"app\":null}"
/* node 1: its parent, depth, flow and status */
#define CHILD(parent, depth, flow, status) \
	",{\"id\":1,\"parent\":" #parent ",\"depth\":" #depth ",\"flow\":" flow ",\"status\":\"" status "\"}"

/* Loading this text fails with -EINVAL (the reason goes to stderr). */
static bool refused(const char *text)
{
	return load_text(text) == -EINVAL;
}

static void test_load_errors(void)
{
	fprintf(stderr, "test_load_errors: the errors below are expected\n");
	EXPECT(load_text(HEAD ROOT "]}") == 0, "minimal tree accepted");
	EXPECT(load_text(HEAD ROOT CHILD(0, 1, FLOW, "leaf") "]}") == 0, "one child accepted");
	EXPECT(refused("{\"version\":2,\"device\":{\"name\":\"d\"},\"event\":\"e\",\"nodes\":[" ROOT "]}"),
	       "version 2 refused");
	EXPECT(refused(HEAD ROOT), "truncated JSON refused");
	EXPECT(refused(HEAD "]}"), "no root refused");
	EXPECT(refused(HEAD ROOT "," ROOT "]}"), "duplicate id refused");
	EXPECT(refused(HEAD ROOT CHILD(0, 2, FLOW, "leaf") "]}"), "wrong depth refused");
	EXPECT(refused(HEAD ROOT CHILD(1, 1, FLOW, "leaf") "]}"), "own parent refused");
	EXPECT(refused(HEAD ROOT CHILD(0, 1, FLOW, "done") "]}"), "unknown status refused");
	EXPECT(refused(HEAD ROOT CHILD(0, 1, "null", "leaf") "]}"), "a node without a flow refused");
	EXPECT(refused("{\"version\":1,\"event\":\"e\",\"nodes\":[" ROOT "]}"), "no device refused");
}

static void test_dot(void)
{
	char p[128], cmd[300];
	FILE *f;
	char line[1024];
	bool escaped = false;

	path_in(p, sizeof(p), dir, "tree.dot");
	f = fopen(p, "r");
	while (f && fgets(line, sizeof(line), f))
		escaped |= !!strstr(line, "/x\\\"y\\\\z");
	if (f)
		fclose(f);
	EXPECT(escaped, "quote and backslash of a URI escaped in tree.dot");
	if (!has_dot()) {
		check_skip("Graphviz dot not installed");
		return;
	}
	snprintf(cmd, sizeof(cmd), "dot -Tsvg %s -o /dev/null", p);
	EXPECT(system(cmd) == 0, "dot -Tsvg accepts tree.dot");
	EXPECT(file_nonempty(dir, "tree.svg"), "tree.svg written");
}

static void test_print_summary(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct tree t;

	build(&t, 0);
	results_print_summary(f, &meta, &t);
	fclose(f);
	EXPECT(strstr(text, "first-level Flow IDs (3)") != NULL, "first-level table");
	EXPECT(strstr(text, "hidden Flow IDs (3)") != NULL, "hidden table");
	EXPECT(strstr(text, "robustness score: 3") != NULL, "robustness score");
	EXPECT(strstr(text, "dns.public.example") != NULL, "resolvers");
	free(text);
	tree_free(&t);
}

static void test_limit_stopped(void)
{
	struct results_meta m = meta;
	struct results_info info;
	struct json_object *o;
	struct tree t, back;

	build(&t, 2);
	m.stopped_by = "max-depth";
	EXPECT(results_write(dir2, &m, &t) == 0, "results_write");
	o = read_json(dir2, "summary.json");
	EXPECT(o && !strcmp(json_object_get_string(get(o, "stopped_by")) ?: "", "max-depth"), "stopped_by");
	EXPECT(o && json_object_get_int(get(o, "pending_nodes")) > 0, "pending nodes counted");
	json_object_put(o);
	EXPECT(results_load_tree(dir2, &back, &info) == 0 && !strcmp(info.stopped_by, "max-depth"),
	       "stopped_by read back");
	for (size_t i = 1; i < back.n; i++)
		EXPECT(back.v[i].depth < 2 || back.v[i].status == NODE_PENDING || back.v[i].status == NODE_PRUNED,
		       "depth-2 node %zu not expanded", i);
	tree_free(&back);
	tree_free(&t);
}

int main(void)
{
	char cmd[200];
	int failed;

	setup();
	snprintf(dir, sizeof(dir), "/tmp/test_results.XXXXXX");
	snprintf(dir2, sizeof(dir2), "/tmp/test_results2.XXXXXX");
	if (!mkdtemp(dir) || !mkdtemp(dir2)) {
		printf("FAIL: results: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	RUN(test_write_files);
	RUN(test_tree_json);
	RUN(test_summary_json);
	RUN(test_load_round_trip);
	RUN(test_load_errors);
	RUN(test_dot);
	RUN(test_print_summary);
	RUN(test_limit_stopped);
	failed = check_state.cases_failed;
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir, dir2);
	if (system(cmd))
		printf("  could not remove %s and %s\n", dir, dir2);
	return failed ? 1 : 0;
}
