// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A campaign's results: tree.json, summary.json, tree.dot, tree.svg, the
 * printed summary, and reading tree.json back.  The JSON shapes are a
 * contract (docs/RESULTS.md): merge, export and replay read them, and so
 * do people's scripts.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>
#include "log.h"
#include "results.h"
#include "tree_json.h"

extern char **environ;

#define JSON_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

static bool is_address(const char *text)
{
	unsigned char a[16];

	return inet_pton(AF_INET, text, a) == 1 || inet_pton(AF_INET6, text, a) == 1;
}

/* "dns example.com A", "http GET /x", "coap CON 0.01 /p", or "". */
static void app_text(const struct flowid *f, char *buf, size_t len)
{
	const char *kind = f->app_kind == IOTPROF_APP_DNS ? "dns" : f->app_kind == IOTPROF_APP_HTTP ?
			   "http" : f->app_kind == IOTPROF_APP_COAP ? "coap" : NULL;

	if (!kind) {
		buf[0] = 0;
		return;
	}
	snprintf(buf, len, "%s %s%s%s%s%s", kind, f->app_a, *f->app_b ? " " : "", f->app_b,
		 *f->app_c ? " " : "", f->app_c);
}

/* A number as JSON text with at most 3 decimals (no 0.30000000000000004). */
static struct json_object *json_number(double v)
{
	char buf[64];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%.3f", v);

	while (n > 1 && buf[n - 1] == '0')
		buf[--n] = 0;
	if (buf[n - 1] == '.')
		buf[--n] = 0;
	return json_object_new_double_s(v, buf);
}

static struct json_object *json_string_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static struct json_object *device_json(const struct results_meta *m)
{
	struct json_object *d = json_object_new_object(), *a = json_object_new_array();

	for (int i = 0; i < m->n_device_addrs && i < RESULTS_ADDRS_MAX; i++)
		json_object_array_add(a, json_object_new_string(m->device_addrs[i]));
	json_object_object_add(d, "name", json_object_new_string(m->device_name ? m->device_name : ""));
	json_object_object_add(d, "addresses", a);
	return d;
}

/* The members tree.json and summary.json share. */
static void add_campaign(struct json_object *o, const struct results_meta *m)
{
	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "device", device_json(m));
	json_object_object_add(o, "event", json_object_new_string(m->event ? m->event : ""));
	json_object_object_add(o, "iterations", json_object_new_int(m->iterations));
	json_object_object_add(o, "capture_s", json_number(m->capture_s));
	json_object_object_add(o, "prune", json_object_new_string(m->prune ? "node" : "none"));
	json_object_object_add(o, "stopped_by", json_string_or_null(m->stopped_by));
}

static struct json_object *tree_json(const struct results_meta *m, const struct tree *t,
				     const struct flowid_set *first_level)
{
	struct json_object *o = json_object_new_object();

	add_campaign(o, m);
	json_object_object_add(o, "nodes", tree_nodes_json(t, first_level));
	return o;
}

/* Distinct names, in lower case and without a trailing dot. */
struct names {
	char **v;
	size_t n, cap;
};

static bool names_has(const struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcasecmp(s->v[i], name))
			return true;
	return false;
}

static int names_add(struct names *s, const char *name)
{
	char *copy;
	size_t len = strlen(name);

	while (len > 1 && name[len - 1] == '.')
		len--;
	if (!len || !(copy = strndup(name, len)))
		return len ? -ENOMEM : 0;
	for (char *c = copy; *c; c++)
		*c = tolower((unsigned char)*c);
	if (names_has(s, copy)) {
		free(copy);
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			free(copy);
			return -ENOMEM;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = copy;
	return 0;
}

static void names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int names_cmp(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* Domains: DNS query names and the host names of src/dst.  Resolvers: the
 * destination of DNS Flow IDs. */
static int dns_collect(const struct flowid_set *s, struct names *domains, struct names *resolvers)
{
	int err = 0;

	for (size_t i = 0; i < s->n && !err; i++) {
		const struct flowid *f = &s->v[i];
		bool dns = f->app_kind == IOTPROF_APP_DNS || f->dport == 53;

		if (f->app_kind == IOTPROF_APP_DNS)
			err = names_add(domains, f->app_a);
		if (!err && !is_address(f->src))
			err = names_add(domains, f->src);
		if (!err && !is_address(f->dst))
			err = names_add(domains, f->dst);
		if (!err && dns)
			err = names_add(resolvers, f->dst);
	}
	return err;
}

/* {"first_level":[...], "hidden":[...]}: hidden = not among the first. */
static struct json_object *split_json(struct names *first, struct names *all_hidden)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array(),
			   *h = json_object_new_array();

	qsort(first->v, first->n, sizeof(first->v[0]), names_cmp);
	qsort(all_hidden->v, all_hidden->n, sizeof(all_hidden->v[0]), names_cmp);
	for (size_t i = 0; i < first->n; i++)
		json_object_array_add(a, json_object_new_string(first->v[i]));
	for (size_t i = 0; i < all_hidden->n; i++)
		if (!names_has(first, all_hidden->v[i]))
			json_object_array_add(h, json_object_new_string(all_hidden->v[i]));
	json_object_object_add(o, "first_level", a);
	json_object_object_add(o, "hidden", h);
	return o;
}

struct json_object *results_dns_json(const struct flowid_set *first_level, const struct flowid_set *hidden)
{
	struct names fd = {}, fr = {}, hd = {}, hr = {};
	struct json_object *o = NULL;

	if (!dns_collect(first_level, &fd, &fr) && !dns_collect(hidden, &hd, &hr)) {
		o = json_object_new_object();
		json_object_object_add(o, "domains", split_json(&fd, &hd));
		json_object_object_add(o, "resolvers", split_json(&fr, &hr));
	}
	names_free(&fd);
	names_free(&fr);
	names_free(&hd);
	names_free(&hr);
	return o;
}

static size_t count_status(const struct tree *t, enum node_status s)
{
	size_t n = 0;

	for (size_t i = 1; i < t->n; i++)
		n += t->v[i].status == s;
	return n;
}

static struct json_object *summary_json(const struct results_meta *m, const struct tree *t,
					const struct tree_results *r)
{
	struct json_object *o = json_object_new_object(), *dns = results_dns_json(&r->first_level, &r->hidden);

	if (!dns) {
		json_object_put(o);
		return NULL;
	}
	add_campaign(o, m);
	json_object_object_add(o, "experiments", json_object_new_int64((int64_t)m->experiments));
	json_object_object_add(o, "wall_s", json_number(m->wall_s));
	json_object_object_add(o, "root_status",
			       json_object_new_string(t->n ? tree_status_name(t->v[0].status) : "pending"));
	json_object_object_add(o, "nodes", json_object_new_int64((int64_t)t->n));
	json_object_object_add(o, "unique", json_object_new_int64((int64_t)r->unique));
	json_object_object_add(o, "failed_nodes", json_object_new_int64((int64_t)r->failed));
	json_object_object_add(o, "not_recorded", json_object_new_int64((int64_t)r->not_recorded));
	json_object_object_add(o, "pruned_nodes", json_object_new_int64((int64_t)count_status(t, NODE_PRUNED)));
	json_object_object_add(o, "pending_nodes", json_object_new_int64((int64_t)count_status(t, NODE_PENDING)));
	json_object_object_add(o, "robustness_score", json_object_new_int64((int64_t)r->hidden.n));
	json_object_object_add(o, "first_level", flowid_set_to_json(&r->first_level));
	json_object_object_add(o, "hidden", flowid_set_to_json(&r->hidden));
	json_object_object_add(o, "dns", dns);
	return o;
}

/* Text inside a DOT quoted string: quotes and backslashes escaped, bytes
 * that are not printable ASCII shown as \xNN (dot wants valid UTF-8). */
static void dot_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\\\x%02x", c);
		else
			fputc(c, out);
	}
}

static void dot_port(FILE *out, const struct flowid *f, int port)
{
	if (port != FLOWID_PORT_ANY)
		fprintf(out, ":%d", port);
	else if (!strcmp(f->proto, "tcp") || !strcmp(f->proto, "udp"))
		fputs(":*", out);
}

/* "proto src→dst:dport", the application data on a second line. */
static void dot_flow_label(FILE *out, const struct flowid *f)
{
	char app[3 * IOTPROF_URI_MAX + 16];

	dot_text(out, f->proto);
	fputc(' ', out);
	dot_text(out, f->src);
	if (f->sport != FLOWID_PORT_ANY)
		fprintf(out, ":%d", f->sport);
	fputs(" \xe2\x86\x92 ", out);
	dot_text(out, f->dst);
	dot_port(out, f, f->dport);
	app_text(f, app, sizeof(app));
	if (*app) {
		fputs("\\n", out);
		dot_text(out, app);
	}
}

static void dot_node(FILE *out, const struct results_meta *m, const struct tree *t, size_t i, bool hidden)
{
	const struct tree_node *n = &t->v[i];
	const char *color = "black", *font = "black", *fill = "white";
	const char *line = n->status == NODE_FAILED ? "dashed" : n->status == NODE_NOT_RECORDED ? "dotted" :
			   n->status == NODE_PENDING ? "diagonals" : NULL;
	char style[32];

	snprintf(style, sizeof(style), "%s%s%s", hidden ? "filled" : "", hidden && line ? "," : "",
		 line ? line : hidden ? "" : "solid");
	if (hidden) {
		color = "red3";
		fill = "mistyrose";
	}
	if (n->status == NODE_PRUNED) {
		color = "grey60";
		font = "grey45";
	}
	fprintf(out, "  n%zu [label=\"", i);
	if (i == 0) {
		fputs("event ", out);
		dot_text(out, m->event ? m->event : "");
		fputs("\\ndevice ", out);
		dot_text(out, m->device_name ? m->device_name : "");
	} else {
		dot_flow_label(out, &n->flow);
	}
	fprintf(out, "\\n%s", tree_status_name(n->status));
	if (n->status == NODE_EXPANDED || n->status == NODE_LEAF || n->status == NODE_FAILED)
		fprintf(out, ", m+=%d", n->m_plus);
	fprintf(out, "\" style=\"%s\" color=\"%s\" fontcolor=\"%s\" fillcolor=\"%s\"];\n", style, color,
		font, fill);
}

static void dot_write(FILE *out, const struct results_meta *m, const struct tree *t,
		      const struct flowid_set *first_level)
{
	fputs("digraph iotprof {\n  label=\"", out);
	dot_text(out, m->device_name ? m->device_name : "");
	fputs(": ", out);
	dot_text(out, m->event ? m->event : "");
	fputs("\";\n  labelloc=t;\n  rankdir=LR;\n"
	      "  node [shape=box fontname=\"Helvetica\" fontsize=10];\n", out);
	for (size_t i = 0; i < t->n; i++)
		dot_node(out, m, t, i, i && !flowid_set_has(first_level, &t->v[i].flow));
	for (size_t i = 1; i < t->n; i++)
		if (t->v[i].parent >= 0)
			fprintf(out, "  n%d -> n%zu;\n", t->v[i].parent, i);
	fputs("  subgraph cluster_legend {\n    label=\"legend\";\n    fontsize=10;\n"
	      "    legend_first [label=\"first-level Flow ID\"];\n"
	      "    legend_hidden [label=\"hidden Flow ID\" style=filled color=red3 fillcolor=mistyrose];\n"
	      "    legend_failed [label=\"failed: the event failed with it blocked\" style=dashed];\n"
	      "    legend_not_recorded [label=\"not recorded (replay)\" style=dotted];\n"
	      "    legend_pruned [label=\"pruned: expanded elsewhere\" color=grey60 fontcolor=grey45];\n"
	      "    legend_pending [label=\"pending: a limit stopped the walk\" style=diagonals];\n"
	      "    legend_first -> legend_hidden -> legend_failed -> legend_not_recorded -> legend_pruned"
	      " -> legend_pending [style=invis];\n  }\n}\n", out);
}

/* A temporary file beside path, renamed over it once complete. */
static int tmp_open(const char *path, char *tmp, size_t len, FILE **f)
{
	int fd, err;

	if ((size_t)snprintf(tmp, len, "%s.tmp.XXXXXX", path) >= len) {
		pr_warn("%s: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || fchmod(fd, 0644) || !(*f = fdopen(fd, "w"))) {
		err = -errno;
		pr_warn("%s: %s", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return err;
	}
	return 0;
}

static int tmp_commit(FILE *f, const char *tmp, const char *path)
{
	int err = 0;

	if (fflush(f) || ferror(f) || fsync(fileno(f)))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		pr_warn("%s: %s", path, strerror(-err));
		unlink(tmp);
	}
	return err;
}

int results_write_file(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	FILE *f;
	int err = tmp_open(path, tmp, sizeof(tmp), &f);

	if (err)
		return err;
	fputs(text, f);
	return tmp_commit(f, tmp, path);
}

static int join(char *buf, size_t len, const char *dir, const char *name)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len) {
		pr_warn("%s/%s: path too long", dir, name);
		return -ENAMETOOLONG;
	}
	return 0;
}

static int write_json(const char *dir, const char *name, struct json_object *o)
{
	char path[PATH_MAX], *text;
	int err = join(path, sizeof(path), dir, name);

	if (err)
		return err;
	if (asprintf(&text, "%s\n", json_object_to_json_string_ext(o, JSON_FLAGS)) < 0)
		return -ENOMEM;
	err = results_write_file(path, text);
	free(text);
	return err;
}

/* Graphviz is optional: without it there is no SVG, and nothing else is
 * lost.  A dot that refuses our file is a bug, reported, not fatal. */
static void render_svg(const char *dot_path, const char *svg_path)
{
	char tmp[PATH_MAX], prog[] = "dot", fmt[] = "-Tsvg", opt_o[] = "-o", in[PATH_MAX];
	char *argv[] = { prog, fmt, opt_o, tmp, in, NULL };
	int fd, rc, status;
	pid_t pid;

	snprintf(in, sizeof(in), "%s", dot_path);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", svg_path) >= sizeof(tmp) ||
	    (fd = mkstemp(tmp)) < 0) {
		pr_warn("warning: %s: cannot create a temporary file; no SVG", svg_path);
		return;
	}
	if (fchmod(fd, 0644))	/* dot writes into the file as it is: mkstemp made it 0600 */
		pr_warn("warning: %s: %s", tmp, strerror(errno));
	close(fd);
	rc = posix_spawnp(&pid, prog, NULL, NULL, argv, environ);
	if (rc) {
		if (rc == ENOENT)
			pr_warn("warning: Graphviz 'dot' not found: no %s (apt-get install graphviz)", svg_path);
		else
			pr_warn("warning: dot: %s; no %s", strerror(rc), svg_path);
		unlink(tmp);
		unlink(svg_path);	/* an older rendering would show another tree */
		return;
	}
	while ((rc = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (rc < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		status = rc < 0 ? -errno : status;
		pr_warn("warning: dot -Tsvg %s failed (status %d); no %s", dot_path, status, svg_path);
		unlink(tmp);
		unlink(svg_path);
	} else if (rename(tmp, svg_path)) {
		pr_warn("warning: %s: %s", svg_path, strerror(errno));
		unlink(tmp);
	}
}

static int write_dot(const char *dir, const struct results_meta *m, const struct tree *t,
		     const struct flowid_set *first_level)
{
	char path[PATH_MAX], svg[PATH_MAX], tmp[PATH_MAX];
	FILE *f;
	int err = join(path, sizeof(path), dir, "tree.dot") ?: join(svg, sizeof(svg), dir, "tree.svg") ?:
		  tmp_open(path, tmp, sizeof(tmp), &f);

	if (err)
		return err;
	dot_write(f, m, t, first_level);
	err = tmp_commit(f, tmp, path);
	if (!err)
		render_svg(path, svg);
	return err;
}

int results_write(const char *dir, const struct results_meta *m, const struct tree *t)
{
	struct json_object *tree = NULL, *summary = NULL;
	struct tree_results r;
	int err;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		err = -errno;
		pr_warn("%s: %s", dir, strerror(errno));
		return err;
	}
	err = tree_results(t, &r);
	if (err)
		goto cleanup;
	tree = tree_json(m, t, &r.first_level);
	summary = summary_json(m, t, &r);
	if (!tree || !summary) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = write_json(dir, "tree.json", tree) ?: write_json(dir, "summary.json", summary) ?:
	      write_dot(dir, m, t, &r.first_level);
cleanup:
	if (err == -ENOMEM)
		pr_warn("%s: out of memory writing the results", dir);
	json_object_put(tree);
	json_object_put(summary);
	tree_results_free(&r);
	return err;
}

static void print_flows(FILE *out, const char *title, const struct flowid_set *s)
{
	char app[3 * IOTPROF_URI_MAX + 16];

	fprintf(out, "\n%s (%zu):\n", title, s->n);
	if (!s->n)
		return;
	fprintf(out, "  %-5s  %-30s  %-30s  %5s  %5s  %s\n", "PROTO", "SOURCE", "DESTINATION", "SPORT",
		"DPORT", "APPLICATION");
	for (size_t i = 0; i < s->n; i++) {
		const struct flowid *f = &s->v[i];
		char sport[8] = "*", dport[8] = "*";

		if (f->sport != FLOWID_PORT_ANY)
			snprintf(sport, sizeof(sport), "%d", f->sport);
		if (f->dport != FLOWID_PORT_ANY)
			snprintf(dport, sizeof(dport), "%d", f->dport);
		app_text(f, app, sizeof(app));
		fprintf(out, "  %-5s  %-30s  %-30s  %5s  %5s%s%s\n", f->proto, f->src, f->dst, sport, dport,
			*app ? "  " : "", app);
	}
}

static void print_names(FILE *out, const char *title, struct json_object *split)
{
	static const char *const sides[] = { "first_level", "hidden" };

	fprintf(out, "%s:\n", title);
	for (size_t s = 0; s < 2; s++) {
		struct json_object *a = json_object_object_get(split, sides[s]);
		size_t n = json_object_array_length(a);

		fprintf(out, "  %-11s %2zu%s", s ? "hidden" : "first-level", n, n ? "  " : "\n");
		for (size_t i = 0; i < n; i++)
			fprintf(out, "%s%s", json_object_get_string(json_object_array_get_idx(a, i)),
				i + 1 < n ? ", " : "\n");
	}
}

/* "1h02m03s", "4m10s", "12s" */
static void duration_text(double s, char *buf, size_t len)
{
	long v = s > 0 ? (long)(s + 0.5) : 0;

	if (v >= 3600)
		snprintf(buf, len, "%ldh%02ldm%02lds", v / 3600, v / 60 % 60, v % 60);
	else if (v >= 60)
		snprintf(buf, len, "%ldm%02lds", v / 60, v % 60);
	else
		snprintf(buf, len, "%lds", v);
}

void results_print_summary(FILE *out, const struct results_meta *m, const struct tree *t)
{
	struct json_object *dns = NULL;
	struct tree_results r;
	char wall[32];

	if (tree_results(t, &r) || !(dns = results_dns_json(&r.first_level, &r.hidden))) {
		pr_warn("summary: out of memory");
		goto cleanup;
	}
	fprintf(out, "device %s", m->device_name ? m->device_name : "?");
	for (int i = 0; i < m->n_device_addrs && i < RESULTS_ADDRS_MAX; i++)
		fprintf(out, "%s%s", i ? ", " : " (", m->device_addrs[i]);
	duration_text(m->wall_s, wall, sizeof(wall));
	fprintf(out, "%s, event %s: %d iterations, %zu experiments in %s, pruning %s\n",
		m->n_device_addrs ? ")" : "", m->event ? m->event : "?", m->iterations, m->experiments,
		wall, m->prune ? "node" : "none");
	if (m->stopped_by)
		fprintf(out, "stopped by %s: pending nodes were not explored, hidden Flow IDs may be missing\n",
			m->stopped_by);
	if (t->n && t->v[0].status == NODE_FAILED)
		fprintf(out, "the event failed with nothing blocked: no signature\n");
	print_flows(out, "first-level Flow IDs", &r.first_level);
	print_flows(out, "hidden Flow IDs", &r.hidden);
	fprintf(out, "\nrobustness score: %zu (hidden Flow IDs)\n", r.hidden.n);
	print_names(out, "DNS domains", json_object_object_get(dns, "domains"));
	print_names(out, "DNS resolvers", json_object_object_get(dns, "resolvers"));
	fprintf(out, "nodes: %zu (%zu failed, %zu not recorded, %zu pruned, %zu pending); %zu unique Flow IDs\n",
		t->n, r.failed, r.not_recorded, count_status(t, NODE_PRUNED), count_status(t, NODE_PENDING),
		r.unique);
cleanup:
	json_object_put(dns);
	tree_results_free(&r);
}


int results_read_json(const char *path, struct json_object **out)
{
	struct json_tokener *tok = NULL;
	size_t len = 0, cap = 0, end, line = 1;
	char *buf = NULL;
	FILE *f = fopen(path, "r");
	int err = 0;

	*out = NULL;
	if (!f) {
		err = -errno;
		pr_warn("%s: %s", path, strerror(errno));
		return err;
	}
	for (;;) {
		if (len + 4096 > cap) {
			char *b = realloc(buf, cap = 2 * cap + 8192);

			if (!b) {
				err = -ENOMEM;
				goto cleanup;
			}
			buf = b;
		}
		size_t got = fread(buf + len, 1, cap - len, f);

		len += got;
		if (!got)
			break;
	}
	if (ferror(f)) {
		err = -EIO;
		pr_warn("%s: read error", path);
		goto cleanup;
	}
	tok = json_tokener_new();
	if (!tok) {
		err = -ENOMEM;
		goto cleanup;
	}
	*out = json_tokener_parse_ex(tok, buf, (int)len);
	end = json_tokener_get_parse_end(tok);
	while (end < len && strchr(" \t\r\n", buf[end]))
		end++;
	if (json_tokener_get_error(tok) != json_tokener_success || end < len || !*out) {
		for (size_t i = 0; i < end && i < len; i++)
			line += buf[i] == '\n';
		pr_warn("%s:%zu: %s", path, line,
			json_tokener_get_error(tok) == json_tokener_continue ? "the JSON text ends too early" :
			json_tokener_get_error(tok) != json_tokener_success ?
			json_tokener_error_desc(json_tokener_get_error(tok)) :
			*out ? "text after the JSON value" : "null instead of a JSON object");
		json_object_put(*out);
		*out = NULL;
		err = -EINVAL;
	}
cleanup:
	if (err == -ENOMEM)
		pr_warn("%s: out of memory", path);
	if (tok)
		json_tokener_free(tok);
	free(buf);
	fclose(f);
	return err;
}

/* A member of the given type (an int is a number too); absent or null is
 * *v = NULL, an error when required. */
static int member(struct json_object *o, const char *key, enum json_type type, bool required,
		  struct json_object **v, const char *where)
{
	static const char *const what[] = {
		[json_type_boolean] = "true or false", [json_type_double] = "a number",
		[json_type_int] = "an integer", [json_type_object] = "an object",
		[json_type_array] = "an array", [json_type_string] = "a string",
	};

	if (!json_object_object_get_ex(o, key, v) || !*v) {
		*v = NULL;
		if (required)
			pr_warn("%s: \"%s\" is missing", where, key);
		return required ? -EINVAL : 0;
	}
	if (!json_object_is_type(*v, type) &&
	    !(type == json_type_double && json_object_is_type(*v, json_type_int))) {
		pr_warn("%s: \"%s\" must be %s", where, key, what[type]);
		return -EINVAL;
	}
	return 0;
}

static int member_int(struct json_object *o, const char *key, bool required, int *out, const char *where)
{
	struct json_object *v;
	int err = member(o, key, json_type_int, required, &v, where);

	if (err || !v)
		return err;
	if (json_object_get_int64(v) < INT_MIN || json_object_get_int64(v) > INT_MAX) {
		pr_warn("%s: \"%s\" is out of range", where, key);
		return -EINVAL;
	}
	*out = (int)json_object_get_int64(v);
	return 0;
}

static int copy_string(struct json_object *v, char *buf, size_t len, const char *key, const char *where)
{
	if ((size_t)json_object_get_string_len(v) >= len) {
		pr_warn("%s: \"%s\" is longer than %zu bytes", where, key, len - 1);
		return -EINVAL;
	}
	memcpy(buf, json_object_get_string(v), json_object_get_string_len(v) + 1);
	return 0;
}

static int member_string(struct json_object *o, const char *key, bool required, char *buf, size_t len,
			 const char *where)
{
	struct json_object *v;
	int err = member(o, key, json_type_string, required, &v, where);

	return err || !v ? err : copy_string(v, buf, len, key, where);
}

static int info_from_json(struct json_object *root, struct results_info *info, const char *path)
{
	struct json_object *dev, *addrs, *v;
	char where[PATH_MAX + 16], prune[8] = "node";
	int version = 0, err;

	if (!json_object_is_type(root, json_type_object)) {
		pr_warn("%s: not a JSON object", path);
		return -EINVAL;
	}
	err = member_int(root, "version", true, &version, path);
	if (!err && version != 1) {
		pr_warn("%s: version %d: this iotprof reads version 1", path, version);
		return -EINVAL;
	}
	snprintf(where, sizeof(where), "%s: device", path);
	err = err ?: member(root, "device", json_type_object, true, &dev, path) ?:
	      member_string(dev, "name", true, info->device_name, sizeof(info->device_name), where) ?:
	      member(dev, "addresses", json_type_array, false, &addrs, where);
	if (err)
		return err;
	for (size_t i = 0; addrs && i < json_object_array_length(addrs); i++) {
		v = json_object_array_get_idx(addrs, i);
		if (i >= RESULTS_ADDRS_MAX || !json_object_is_type(v, json_type_string)) {
			pr_warn("%s: \"addresses\" must be at most %d strings", where, RESULTS_ADDRS_MAX);
			return -EINVAL;
		}
		err = copy_string(v, info->device_addrs[i], sizeof(info->device_addrs[i]), "addresses", where);
		if (err)
			return err;
		info->n_device_addrs++;
	}
	err = member_string(root, "event", true, info->event, sizeof(info->event), path) ?:
	      member_int(root, "iterations", false, &info->iterations, path) ?:
	      member(root, "capture_s", json_type_double, false, &v, path);
	if (!err && v)
		info->capture_s = json_object_get_double(v);
	err = err ?: member_string(root, "prune", false, prune, sizeof(prune), path) ?:
	      member_string(root, "stopped_by", false, info->stopped_by, sizeof(info->stopped_by), path);
	if (!err && strcmp(prune, "node") && strcmp(prune, "none")) {
		pr_warn("%s: \"prune\" must be \"node\" or \"none\"", path);
		err = -EINVAL;
	}
	info->prune = !strcmp(prune, "node");
	return err;
}

static int node_from_json(struct json_object *o, struct tree *t, bool *seen, const char *where)
{
	struct json_object *flow = NULL;
	char status[16];
	int id = -1, err;
	struct tree_node n = {};

	if (!json_object_is_type(o, json_type_object)) {
		pr_warn("%s: a node must be a JSON object", where);
		return -EINVAL;
	}
	err = member_int(o, "id", true, &id, where) ?: member_int(o, "parent", true, &n.parent, where) ?:
	      member_int(o, "depth", true, &n.depth, where) ?:
	      member_string(o, "status", true, status, sizeof(status), where) ?:
	      member_int(o, "m_plus", false, &n.m_plus, where);
	if (err)
		return err;
	if (id < 0 || (size_t)id >= t->n || seen[id]) {
		pr_warn("%s: id %d is %s", where, id, id < 0 || (size_t)id >= t->n ?
			"out of range (ids are 0 to the number of nodes - 1)" : "used twice");
		return -EINVAL;
	}
	if (tree_status_of(status) < 0) {
		pr_warn("%s: unknown status \"%s\" (pending, expanded, failed, not-recorded, pruned, leaf)",
			where, status);
		return -EINVAL;
	}
	n.status = tree_status_of(status);
	json_object_object_get_ex(o, "flow", &flow);
	if (!id != !flow) {
		pr_warn("%s: %s", where, id ? "a node other than the root needs a \"flow\"" :
			"the root (id 0) has \"flow\": null");
		return -EINVAL;
	}
	if (flow && (err = flowid_from_json(flow, &n.flow, where)))
		return err;
	seen[id] = true;
	t->v[id] = n;
	return 0;
}

static int nodes_from_json(struct json_object *nodes, struct tree *t, const char *path)
{
	size_t n = json_object_array_length(nodes);
	char where[PATH_MAX + 32];
	bool *seen = calloc(n ? n : 1, sizeof(*seen));
	int err = 0;

	t->v = calloc(n ? n : 1, sizeof(*t->v));
	if (!seen || !t->v) {
		free(seen);
		pr_warn("%s: out of memory", path);
		return -ENOMEM;
	}
	t->n = t->cap = n;
	if (!n) {
		pr_warn("%s: \"nodes\" is empty (the root is node 0)", path);
		err = -EINVAL;
	}
	for (size_t k = 0; k < n && !err; k++) {
		snprintf(where, sizeof(where), "%s: nodes[%zu]", path, k);
		err = node_from_json(json_object_array_get_idx(nodes, k), t, seen, where);
	}
	/* Each depth one more than the parent's and the root at 0: no cycle. */
	for (size_t i = 0; i < n && !err; i++) {
		const struct tree_node *v = &t->v[i];
		bool ok = i ? v->parent >= 0 && (size_t)v->parent < n && v->depth == t->v[v->parent].depth + 1 :
			      v->parent == -1 && v->depth == 0;

		if (!ok) {
			pr_warn("%s: node %zu: parent %d and depth %d do not make a tree%s", path, i, v->parent,
				v->depth, i ? " (depth must be the parent's + 1)" : " (the root has -1 and 0)");
			err = -EINVAL;
		}
	}
	free(seen);
	return err;
}

int results_load_tree(const char *dir_or_file, struct tree *t, struct results_info *info)
{
	struct json_object *root = NULL, *nodes;
	struct stat st;
	int err = 0;

	memset(t, 0, sizeof(*t));
	memset(info, 0, sizeof(*info));
	info->prune = true;
	if (!stat(dir_or_file, &st) && S_ISDIR(st.st_mode))
		err = join(info->path, sizeof(info->path), dir_or_file, "tree.json");
	else if ((size_t)snprintf(info->path, sizeof(info->path), "%s", dir_or_file) >= sizeof(info->path))
		err = -ENAMETOOLONG;
	err = err ?: results_read_json(info->path, &root) ?: info_from_json(root, info, info->path) ?:
	      member(root, "nodes", json_type_array, true, &nodes, info->path) ?:
	      nodes_from_json(nodes, t, info->path);
	json_object_put(root);
	if (err)
		tree_free(t);
	return err;
}

void results_info_meta(const struct results_info *info, struct results_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->device_name = info->device_name;
	for (int i = 0; i < info->n_device_addrs && i < RESULTS_ADDRS_MAX; i++)
		m->device_addrs[i] = info->device_addrs[i];
	m->n_device_addrs = info->n_device_addrs;
	m->event = info->event;
	m->iterations = info->iterations;
	m->capture_s = info->capture_s;
	m->prune = info->prune;
	m->stopped_by = info->stopped_by[0] ? info->stopped_by : NULL;
}
