// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The experiment file, read with libyaml's document API so every value
 * keeps its position.  Two passes: the reader checks shapes and types
 * (unknown and duplicate keys, a list where a map belongs, a word where a
 * number belongs) and records where each key was; then experiment_validate
 * checks what the values mean together, printing positions from that
 * record.  Every problem is reported, then -EINVAL: a campaign that takes
 * hours must not die on its second typo.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <yaml.h>
#include "experiment.h"

#define EXP_FILE_MAX	(1 << 20)	/* an experiment file is a page, not a data set */
#define EXP_MAP_MAX	256		/* keys in one mapping */
#define EXP_ERRORS_MAX	100		/* printed; the rest are counted */
#define EXP_ITER_MAX	100000

/* Where a key's value was, and whether the reader already refused it. */
struct key_mark {
	char key[112];
	int line, col;
	bool bad;
};

struct message {
	int line, col, seq;
	char *text;
};

struct loader {
	const char *path;
	struct message *msgs;		/* printed sorted by position at the end */
	size_t n_msgs, cap_msgs;
	bool buffered;
	yaml_document_t *doc;
	struct experiment *e;
	char dir[PATH_MAX];		/* the file's directory: relative paths start here */
	struct key_mark *marks;
	size_t n_marks, cap_marks;
	int errors;
	bool kind_ok;			/* the pre-read kind of the current map */
};

enum vtype {
	T_STR,		/* any string */
	T_NAME,		/* a string without '/' or blanks (used in file names) */
	T_PATH,		/* a string; relative to the file's directory */
	T_INT,
	T_UINT,
	T_NUM,		/* a plain number */
	T_DUR,		/* seconds, or "500ms", "20s", "2m", "1h" */
	T_BOOL,
	T_SPECIAL,
};

struct key_def {
	const char *name;
	enum vtype type;
	size_t off, size;
	unsigned kinds;		/* bit (1 << kind) of the kinds using the key; 0: any */
	bool (*special)(struct loader *l, const char *key, yaml_node_t *n, void *base);
};

struct kind_name {
	const char *name;
	int kind;
};

static const struct kind_name interaction_kinds[] = {
	{ "command", INTERACTION_COMMAND }, { "adb", INTERACTION_ADB },
	{ "power-cycle", INTERACTION_POWER_CYCLE }, { "replay", INTERACTION_REPLAY },
};

static const struct kind_name verify_kinds[] = {
	{ "command", VERIFY_COMMAND }, { "screenshot", VERIFY_SCREENSHOT }, { "none", VERIFY_NONE },
};

/* ---- messages ---------------------------------------------------------- */

static bool keep_message(struct loader *l, int line, int col, char *text)
{
	if (l->n_msgs == l->cap_msgs) {
		size_t cap = l->cap_msgs ? l->cap_msgs * 2 : 16;
		struct message *m = realloc(l->msgs, cap * sizeof(*m));

		if (!m)
			return false;
		l->msgs = m;
		l->cap_msgs = cap;
	}
	l->msgs[l->n_msgs] = (struct message){ line, col, l->n_msgs, text };
	l->n_msgs++;
	return true;
}

static void vreport(struct loader *l, const char *where, int line, int col, const char *key,
		    const char *fmt, va_list ap)
{
	char *msg = NULL, *text = NULL;
	int n;

	l->errors++;
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	if (line > 0)
		n = asprintf(&text, "%s:%d:%d: %s%s%s", where, line, col, key && key[0] ? key : "",
			     key && key[0] ? ": " : "", msg);
	else
		n = asprintf(&text, "%s: %s%s%s", where, key && key[0] ? key : "",
			     key && key[0] ? ": " : "", msg);
	free(msg);
	if (n < 0)
		return;
	if (l->buffered && keep_message(l, line, col, text))
		return;
	fprintf(stderr, "%s\n", text);
	free(text);
}

__attribute__((format(printf, 5, 6)))
static void report(struct loader *l, int line, int col, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(l, l->path, line, col, key, fmt, ap);
	va_end(ap);
}

static int by_position(const void *a, const void *b)
{
	const struct message *x = a, *y = b;

	if (x->line != y->line)
		return x->line - y->line;
	if (x->col != y->col)
		return x->col - y->col;
	return x->seq - y->seq;
}

/* In file order, as a compiler does; a long list is cut. */
static void print_messages(struct loader *l)
{
	if (!l->n_msgs)
		return;
	qsort(l->msgs, l->n_msgs, sizeof(*l->msgs), by_position);
	for (size_t i = 0; i < l->n_msgs; i++) {
		if (i < EXP_ERRORS_MAX)
			fprintf(stderr, "%s\n", l->msgs[i].text);
		free(l->msgs[i].text);
	}
	if (l->n_msgs > EXP_ERRORS_MAX)
		fprintf(stderr, "%s: %zu more problems not shown\n", l->path, l->n_msgs - EXP_ERRORS_MAX);
	free(l->msgs);
	l->msgs = NULL;
	l->n_msgs = l->cap_msgs = 0;
}

__attribute__((format(printf, 4, 5)))
static void error_at(struct loader *l, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(l, l->path, n ? (int)n->start_mark.line + 1 : 1, n ? (int)n->start_mark.column + 1 : 1,
		key, fmt, ap);
	va_end(ap);
}

static void mark_key(struct loader *l, const char *key, const yaml_node_t *n, bool bad)
{
	struct key_mark *m;

	if (l->n_marks == l->cap_marks) {
		size_t cap = l->cap_marks ? l->cap_marks * 2 : 64;

		m = realloc(l->marks, cap * sizeof(*m));
		if (!m)
			return;		/* positions are a courtesy */
		l->marks = m;
		l->cap_marks = cap;
	}
	m = &l->marks[l->n_marks++];
	snprintf(m->key, sizeof(m->key), "%s", key);
	m->line = n ? (int)n->start_mark.line + 1 : 1;
	m->col = n ? (int)n->start_mark.column + 1 : 1;
	m->bad = bad;
}

static const struct key_mark *find_mark(const struct loader *l, const char *key)
{
	for (size_t i = l ? l->n_marks : 0; i-- > 0;)
		if (!strcmp(l->marks[i].key, key))
			return &l->marks[i];
	return NULL;
}

/* Damerau-Levenshtein (optimal string alignment), ignoring case and
 * taking '_' for '-': "Save_pcap" is one edit from nothing. */
static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int d[40][40];

	if (la > 38 || lb > 38)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)(a[i - 1] == '_' ? '-' : a[i - 1]));
			int cb = tolower((unsigned char)(b[j - 1] == '_' ? '-' : b[j - 1]));
			int v = d[i - 1][j - 1] + (ca != cb);

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

/* "; did you mean "x"?" when one name is close, else the list. */
static void suggest(const char *word, const char *const *names, size_t n, char *out, size_t len)
{
	int best = INT_MAX, d;
	const char *pick = NULL;
	size_t o;

	for (size_t i = 0; i < n; i++) {
		d = edit_distance(word, names[i]);
		if (d < best) {
			best = d;
			pick = names[i];
		}
	}
	if (pick && (best <= 2 || best * 3 <= (int)strlen(word))) {
		snprintf(out, len, "; did you mean \"%s\"?", pick);
		return;
	}
	o = snprintf(out, len, " (valid: ");
	for (size_t i = 0; i < n && o < len; i++)
		o += snprintf(out + o, len - o, "%s%s", i ? ", " : "", names[i]);
	if (o < len)
		snprintf(out + o, len - o, ")");
}

/* ---- scalars ----------------------------------------------------------- */

static yaml_node_t *node_at(struct loader *l, int index)
{
	return yaml_document_get_node(l->doc, index);
}

static bool is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!v[0] || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
		!strcmp(v, "NULL"));
}

static const char *what_is(const yaml_node_t *n, char *buf, size_t len)
{
	if (!n)
		return "nothing";
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (is_null(n))
		return "nothing";
	snprintf(buf, len, "%s\"%.40s%s\"",
		 n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? "" : "the string ",
		 (const char *)n->data.scalar.value, n->data.scalar.length > 40 ? "..." : "");
	return buf;
}

/* The scalar's text, or NULL having said what was expected instead. */
static const char *scalar(struct loader *l, const char *key, yaml_node_t *n, const char *expected)
{
	char buf[64];

	if (!n || n->type != YAML_SCALAR_NODE || (is_null(n) && strcmp(expected, "a string"))) {
		error_at(l, n, key, "expected %s, got %s", expected, what_is(n, buf, sizeof(buf)));
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
		error_at(l, n, key, "contains a NUL character");
		return NULL;
	}
	return is_null(n) ? "" : (const char *)n->data.scalar.value;
}

static bool plain(struct loader *l, const char *key, yaml_node_t *n, const char *expected)
{
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		error_at(l, n, key, "expected %s, got the string \"%.40s\"", expected,
			 (const char *)n->data.scalar.value);
		return false;
	}
	return true;
}

static bool get_string(struct loader *l, const char *key, yaml_node_t *n, char *dst, size_t size)
{
	const char *s = scalar(l, key, n, "a string");

	if (!s)
		return false;
	if (strlen(s) >= size) {
		error_at(l, n, key, "too long (%zu characters; at most %zu)", strlen(s), size - 1);
		return false;
	}
	strcpy(dst, s);
	return true;
}

static bool get_int(struct loader *l, const char *key, yaml_node_t *n, long long lo, long long hi,
		    long long *out)
{
	const char *s = scalar(l, key, n, "an integer");
	char *end;

	if (!s || !plain(l, key, n, "an integer"))
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (end == s || *end) {
		error_at(l, n, key, "expected an integer, got \"%.40s\"", s);
		return false;
	}
	if (errno == ERANGE || *out < lo || *out > hi) {
		error_at(l, n, key, "out of range (%s; from %lld to %lld)", s, lo, hi);
		return false;
	}
	return true;
}

/* A number's text: digits, sign, point, exponent; not "inf", "nan", hex. */
static bool parse_number(const char *s, double *v, const char **rest)
{
	char *end;

	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s) && *s != '.' && *s != '-' && *s != '+')
		return false;
	*v = strtod(s, &end);
	if (end == s || !isfinite(*v))
		return false;
	for (const char *p = s; p < end; p++)
		if (!strchr("0123456789.eE+-", *p))
			return false;
	*rest = end;
	return true;
}

static bool parse_duration(const char *s, double *out)
{
	static const struct { const char *unit; double mult; } units[] = {
		{ "", 1 }, { "s", 1 }, { "ms", 1e-3 }, { "m", 60 }, { "h", 3600 },
	};
	const char *rest;
	char unit[8];
	size_t n = 0;
	double v;

	if (!parse_number(s, &v, &rest))
		return false;
	while (*rest == ' ')
		rest++;
	while (rest[n] && rest[n] != ' ' && n < sizeof(unit) - 1) {
		unit[n] = rest[n];
		n++;
	}
	unit[n] = 0;
	for (rest += n; *rest == ' '; rest++)
		;
	if (*rest)
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(unit, units[i].unit)) {
			*out = v * units[i].mult;
			return isfinite(*out);
		}
	return false;
}

static bool get_duration(struct loader *l, const char *key, yaml_node_t *n, double *out)
{
	const char *s = scalar(l, key, n, "a duration");

	if (!s)
		return false;
	if (!parse_duration(s, out)) {
		error_at(l, n, key, "expected a duration such as 20, 500ms, 20s, 2m or 1h; got \"%.40s\"", s);
		return false;
	}
	return true;
}

static bool get_bool(struct loader *l, const char *key, yaml_node_t *n, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	const char *s = scalar(l, key, n, "true or false");

	if (!s || !plain(l, key, n, "true or false"))
		return false;
	for (int i = 0; i < 3; i++) {
		if (!strcasecmp(s, yes[i]))
			return *out = true;
		if (!strcasecmp(s, no[i]))
			return !(*out = false);
	}
	error_at(l, n, key, "expected true or false, got \"%.40s\"", s);
	return false;
}

static bool check_name(struct loader *l, const char *key, yaml_node_t *n, const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p == '/' || isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
			error_at(l, n, key, "\"%s\": no '/', blanks or control characters allowed", s);
			return false;
		}
	return true;
}

static bool resolve_path(struct loader *l, const char *key, yaml_node_t *n, char *dst, size_t size)
{
	char tmp[PATH_MAX];

	if (!dst[0] || dst[0] == '/')
		return true;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", l->dir, dst) >= size) {
		error_at(l, n, key, "the path is too long once relative to %s", l->dir);
		return false;
	}
	if (!realpath(tmp, dst))	/* tidy when it exists; validate says when not */
		strcpy(dst, tmp);
	return true;
}

/* ---- mappings ---------------------------------------------------------- */

static bool read_value(struct loader *l, const char *key, yaml_node_t *n, const struct key_def *d,
		       void *base)
{
	void *dst = (char *)base + d->off;
	long long v;
	double num;
	const char *s, *rest;

	switch (d->type) {
	case T_STR:
		return get_string(l, key, n, dst, d->size);
	case T_NAME:
		return get_string(l, key, n, dst, d->size) && check_name(l, key, n, dst);
	case T_PATH:
		return get_string(l, key, n, dst, d->size) && resolve_path(l, key, n, dst, d->size);
	case T_INT:
		if (!get_int(l, key, n, INT_MIN, INT_MAX, &v))
			return false;
		*(int *)dst = v;
		return true;
	case T_UINT:
		if (!get_int(l, key, n, 0, UINT_MAX, &v))
			return false;
		*(unsigned *)dst = v;
		return true;
	case T_NUM:
		s = scalar(l, key, n, "a number");
		if (!s || !plain(l, key, n, "a number"))
			return false;
		if (!parse_number(s, &num, &rest) || *rest) {
			error_at(l, n, key, "expected a number, got \"%.40s\"", s);
			return false;
		}
		*(double *)dst = num;
		return true;
	case T_DUR:
		return get_duration(l, key, n, dst);
	case T_BOOL:
		return get_bool(l, key, n, dst);
	case T_SPECIAL:
		return d->special(l, key, n, base);
	}
	return false;
}

static void join_key(char *out, size_t len, const char *prefix, const char *name)
{
	snprintf(out, len, "%s%s%s", prefix, prefix[0] ? "." : "", name);
}

/* Reads a mapping against its keys.  kind_bit: the map's kind, 0 if none
 * or unknown (then every key is accepted as far as kinds go).  False only
 * when it is not a mapping: a bad key is reported and marked on its own, so
 * the good keys beside it are still checked. */
static bool walk_map(struct loader *l, const char *prefix, yaml_node_t *map,
		     const struct key_def *defs, size_t n_defs, unsigned kind_bit,
		     const char *kind_name, void *base)
{
	const char *names[32];
	size_t n_names = 0, n_pairs;
	char buf[64], key[112], hint[400];

	if (!map || map->type != YAML_MAPPING_NODE) {
		error_at(l, map, prefix, "expected a mapping (key: value), got %s",
			 what_is(map, buf, sizeof(buf)));
		return false;
	}
	n_pairs = map->data.mapping.pairs.top - map->data.mapping.pairs.start;
	if (n_pairs > EXP_MAP_MAX) {
		error_at(l, map, prefix, "%zu keys; at most %d", n_pairs, EXP_MAP_MAX);
		return false;
	}
	for (size_t i = 0; i < n_defs && n_names < 32; i++)
		if (!kind_bit || !defs[i].kinds || (defs[i].kinds & kind_bit))
			names[n_names++] = defs[i].name;
	for (size_t i = 0; i < n_pairs; i++) {
		yaml_node_pair_t *p = &map->data.mapping.pairs.start[i];
		yaml_node_t *k = node_at(l, p->key), *v = node_at(l, p->value);
		const struct key_def *d = NULL;
		const char *name;
		bool dup = false;

		if (!k || k->type != YAML_SCALAR_NODE) {
			error_at(l, k, prefix, "a key must be a name, not %s", what_is(k, buf, sizeof(buf)));
			continue;
		}
		name = (const char *)k->data.scalar.value;
		join_key(key, sizeof(key), prefix, name);
		for (size_t j = 0; j < i && !dup; j++) {
			yaml_node_t *o = node_at(l, map->data.mapping.pairs.start[j].key);

			if (o && o->type == YAML_SCALAR_NODE && !strcmp((char *)o->data.scalar.value, name)) {
				error_at(l, k, key, "duplicate key (first given at line %d)",
					 (int)o->start_mark.line + 1);
				dup = true;
			}
		}
		if (dup) {
			continue;
		}
		for (size_t j = 0; j < n_defs && !d; j++)
			if (!strcmp(defs[j].name, name))
				d = &defs[j];
		if (!d) {
			suggest(name, names, n_names, hint, sizeof(hint));
			error_at(l, k, key, "unknown key%s", hint);
			continue;
		}
		if (kind_bit && d->kinds && !(d->kinds & kind_bit)) {
			suggest(name, names, n_names, hint, sizeof(hint));
			error_at(l, k, key, "not a key of kind \"%s\"%s", kind_name, hint);
			mark_key(l, key, v, true);
			continue;
		}
		if (!read_value(l, key, v, d, base)) {
			mark_key(l, key, v, true);
			continue;
		}
		mark_key(l, key, v, false);
	}
	return true;
}

/* The node of `name` in a mapping, or NULL. */
static yaml_node_t *map_get(struct loader *l, yaml_node_t *map, const char *name)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(l, p->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, name))
			return node_at(l, p->value);
	}
	return NULL;
}

/* Reads `kind` before the other keys, since it decides which keys belong. */
static int read_kind(struct loader *l, const char *prefix, yaml_node_t *map,
		     const struct kind_name *kinds, size_t n, int absent)
{
	yaml_node_t *k = map_get(l, map, "kind");
	const char *names[8], *s;
	char key[112], hint[200];

	l->kind_ok = true;
	if (!k)
		return absent;
	join_key(key, sizeof(key), prefix, "kind");
	s = scalar(l, key, k, "a kind name");
	if (!s) {
		l->kind_ok = false;
		return absent;
	}
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(s, kinds[i].name))
			return kinds[i].kind;
		names[i] = kinds[i].name;
	}
	suggest(s, names, n, hint, sizeof(hint));
	error_at(l, k, key, "unknown kind \"%.40s\"%s", s, hint);
	l->kind_ok = false;
	return absent;
}

static bool read_kind_key(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	(void)key, (void)n, (void)base;
	return l->kind_ok;	/* read (and reported) by read_kind */
}

/* ---- the special keys -------------------------------------------------- */

static bool read_list(struct loader *l, const char *key, yaml_node_t *n, size_t max,
		      bool (*one)(struct loader *, const char *, yaml_node_t *, size_t, void *),
		      void *arg)
{
	char ikey[128];
	size_t count;

	if (n && n->type == YAML_SCALAR_NODE && !is_null(n))
		return one(l, key, n, 0, arg);	/* a single value: a list of one */
	if (!n || n->type != YAML_SEQUENCE_NODE) {
		char buf[64];

		error_at(l, n, key, "expected a list, got %s", what_is(n, buf, sizeof(buf)));
		return false;
	}
	count = n->data.sequence.items.top - n->data.sequence.items.start;
	if (count > max) {
		error_at(l, n, key, "%zu entries; at most %zu", count, max);
		return false;
	}
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = node_at(l, n->data.sequence.items.start[i]);

		snprintf(ikey, sizeof(ikey), "%s[%zu]", key, i);
		one(l, ikey, item, i, arg);	/* reports and marks its own errors */
	}
	return true;
}

static bool one_address(struct loader *l, const char *key, yaml_node_t *n, size_t i, void *arg)
{
	struct experiment *e = arg;
	bool ok = get_string(l, key, n, e->device_addrs[i], sizeof(e->device_addrs[i]));

	mark_key(l, key, n, !ok);
	if ((int)i >= e->n_device_addrs)
		e->n_device_addrs = i + 1;
	return ok;
}

static bool read_addresses(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	struct experiment *e = base;
	char single[112];

	join_key(single, sizeof(single), "device", "address");
	if (find_mark(l, single) || e->n_device_addrs) {
		error_at(l, n, key, "give either address or addresses, not both");
		return false;
	}
	if (!strcmp(key, single))
		return one_address(l, key, n, 0, e);
	return read_list(l, key, n, EXP_ADDRS_MAX, one_address, e);
}

static bool one_interface(struct loader *l, const char *key, yaml_node_t *n, size_t i, void *arg)
{
	struct experiment *e = arg;

	if (!get_string(l, key, n, e->interfaces[i], sizeof(e->interfaces[i])) ||
	    !check_name(l, key, n, e->interfaces[i]))
		return false;
	e->n_interfaces = i + 1;
	return true;
}

static bool read_interfaces(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	return read_list(l, key, n, EXP_IFACES_MAX, one_interface, base);
}

static bool read_ints(struct loader *l, const char *key, yaml_node_t *n, int *out[], size_t count)
{
	char buf[64];
	long long v;

	if (!n || n->type != YAML_SEQUENCE_NODE ||
	    (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) != count) {
		if (n && n->type == YAML_SEQUENCE_NODE)
			snprintf(buf, sizeof(buf), "a list of %zu",
				 (size_t)(n->data.sequence.items.top - n->data.sequence.items.start));
		error_at(l, n, key, "expected %s (%zu integers), got %s",
			 count == 2 ? "[x, y]" : "[x1, y1, x2, y2]", count,
			 n && n->type == YAML_SEQUENCE_NODE ? buf : what_is(n, buf, sizeof(buf)));
		return false;
	}
	for (size_t i = 0; i < count; i++) {
		if (!get_int(l, key, node_at(l, n->data.sequence.items.start[i]), INT_MIN, INT_MAX, &v))
			return false;
		*out[i] = v;
	}
	return true;
}

static bool step_action(struct loader *l, const char *key, yaml_node_t *n, struct adb_step *s,
			enum adb_step_kind kind)
{
	if (s->kind) {
		error_at(l, n, key, "one action per step (this step has two)");
		return false;
	}
	s->kind = kind;
	return true;
}

static bool to_ms(struct loader *l, const char *key, yaml_node_t *n, int *ms)
{
	double d;

	if (!get_duration(l, key, n, &d))
		return false;
	if (d * 1000 > INT_MAX || d * 1000 < INT_MIN) {
		error_at(l, n, key, "out of range (%g s)", d);
		return false;
	}
	*ms = (int)lround(d * 1000);
	return true;
}

static bool step_tap(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	struct adb_step *s = base;

	return step_action(l, key, n, s, ADB_TAP) && read_ints(l, key, n, (int *[]){ &s->x1, &s->y1 }, 2);
}

static bool step_swipe(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	struct adb_step *s = base;

	return step_action(l, key, n, s, ADB_SWIPE) &&
	       read_ints(l, key, n, (int *[]){ &s->x1, &s->y1, &s->x2, &s->y2 }, 4);
}

static bool step_text(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	struct adb_step *s = base;

	return step_action(l, key, n, s, ADB_TEXT) && get_string(l, key, n, s->text, sizeof(s->text));
}

static bool step_key(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	struct adb_step *s = base;

	return step_action(l, key, n, s, ADB_KEY) && get_string(l, key, n, s->text, sizeof(s->text));
}

static bool step_wait(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	struct adb_step *s = base;

	return step_action(l, key, n, s, ADB_WAIT) && to_ms(l, key, n, &s->duration_ms);
}

static bool step_duration(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	return to_ms(l, key, n, &((struct adb_step *)base)->duration_ms);
}

static const struct key_def step_keys[] = {
	{ .name = "tap", .type = T_SPECIAL, .special = step_tap },
	{ .name = "swipe", .type = T_SPECIAL, .special = step_swipe },
	{ .name = "duration", .type = T_SPECIAL, .special = step_duration },
	{ .name = "text", .type = T_SPECIAL, .special = step_text },
	{ .name = "key", .type = T_SPECIAL, .special = step_key },
	{ .name = "wait", .type = T_SPECIAL, .special = step_wait },
};

static bool one_step(struct loader *l, const char *key, yaml_node_t *n, size_t i, void *arg)
{
	struct interaction *in = arg;
	struct adb_step *s = &in->steps[i];
	int errors = l->errors;
	char dkey[128];
	bool ok;

	memset(s, 0, sizeof(*s));
	s->duration_ms = 300;	/* a swipe's default */
	ok = walk_map(l, key, n, step_keys, sizeof(step_keys) / sizeof(step_keys[0]), 0, NULL, s);
	in->n_steps = i + 1;
	snprintf(dkey, sizeof(dkey), "%s.duration", key);
	if (ok && s->kind && s->kind != ADB_SWIPE && find_mark(l, dkey))
		error_at(l, n, key, "duration belongs to a swipe (use a wait step to pause)");
	/* a step without an action is validate's to report */
	mark_key(l, key, n, l->errors != errors);
	return l->errors == errors;
}

static bool read_steps(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	if (n && n->type == YAML_SCALAR_NODE && !is_null(n)) {
		error_at(l, n, key, "expected a list of steps, got \"%.40s\"", (char *)n->data.scalar.value);
		return false;
	}
	return read_list(l, key, n, EXP_STEPS_MAX, one_step, base);
}

#define IN(f) .off = offsetof(struct interaction, f), .size = sizeof(((struct interaction *)0)->f)
#define K(k) (1u << (k))
static const struct key_def interaction_keys[] = {
	{ .name = "kind", .type = T_SPECIAL, .special = read_kind_key },
	{ .name = "command", .type = T_STR, IN(command), .kinds = K(INTERACTION_COMMAND) },
	{ .name = "serial", .type = T_STR, IN(serial), .kinds = K(INTERACTION_ADB) },
	{ .name = "steps", .type = T_SPECIAL, .kinds = K(INTERACTION_ADB), .special = read_steps },
	{ .name = "off", .type = T_STR, IN(off), .kinds = K(INTERACTION_POWER_CYCLE) },
	{ .name = "on", .type = T_STR, IN(on), .kinds = K(INTERACTION_POWER_CYCLE) },
	{ .name = "delay", .type = T_DUR, IN(off_s), .kinds = K(INTERACTION_POWER_CYCLE) },
	{ .name = "source", .type = T_PATH, IN(source), .kinds = K(INTERACTION_REPLAY) },
	{ .name = "timeout", .type = T_DUR, IN(timeout_s),
	  .kinds = K(INTERACTION_COMMAND) | K(INTERACTION_ADB) | K(INTERACTION_POWER_CYCLE) },
};

#define VE(f) .off = offsetof(struct verify, f), .size = sizeof(((struct verify *)0)->f)
static const struct key_def verify_keys[] = {
	{ .name = "kind", .type = T_SPECIAL, .special = read_kind_key },
	{ .name = "command", .type = T_STR, VE(command), .kinds = K(VERIFY_COMMAND) },
	{ .name = "serial", .type = T_STR, VE(serial), .kinds = K(VERIFY_SCREENSHOT) },
	{ .name = "reference", .type = T_PATH, VE(reference), .kinds = K(VERIFY_SCREENSHOT) },
	{ .name = "threshold", .type = T_NUM, VE(threshold), .kinds = K(VERIFY_SCREENSHOT) },
	{ .name = "delay", .type = T_DUR, VE(delay_s), .kinds = K(VERIFY_COMMAND) | K(VERIFY_SCREENSHOT) },
	{ .name = "timeout", .type = T_DUR, VE(timeout_s), .kinds = K(VERIFY_COMMAND) | K(VERIFY_SCREENSHOT) },
};

static bool read_interaction(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	struct interaction *in = &((struct experiment *)base)->interaction;
	size_t nk = sizeof(interaction_kinds) / sizeof(interaction_kinds[0]);
	int kind = read_kind(l, key, n, interaction_kinds, nk, 0);
	const char *name = "";

	for (size_t i = 0; i < nk; i++)
		if (interaction_kinds[i].kind == kind)
			name = interaction_kinds[i].name;
	in->kind = kind;
	return walk_map(l, key, n, interaction_keys, sizeof(interaction_keys) / sizeof(interaction_keys[0]),
			kind ? K(kind) : 0, name, in);
}

static bool read_verify(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	struct verify *v = &((struct experiment *)base)->verify;
	size_t nk = sizeof(verify_kinds) / sizeof(verify_kinds[0]);
	int kind = read_kind(l, key, n, verify_kinds, nk, -1);
	const char *name = "";

	if (n && n->type == YAML_MAPPING_NODE && !map_get(l, n, "kind")) {
		error_at(l, n, key, "no kind: give kind: command, screenshot or none");
		return false;
	}

	for (size_t i = 0; i < nk; i++)
		if (verify_kinds[i].kind == kind)
			name = verify_kinds[i].name;
	v->kind = kind < 0 ? VERIFY_NONE : kind;
	return walk_map(l, key, n, verify_keys, sizeof(verify_keys) / sizeof(verify_keys[0]),
			kind < 0 ? 0 : K(kind), name, v);
}

#define EX(f) .off = offsetof(struct experiment, f), .size = sizeof(((struct experiment *)0)->f)
static const struct key_def device_keys[] = {
	{ .name = "name", .type = T_NAME, EX(device_name) },
	{ .name = "address", .type = T_SPECIAL, .special = read_addresses },
	{ .name = "addresses", .type = T_SPECIAL, .special = read_addresses },
};

static const struct key_def limit_keys[] = {
	{ .name = "max-depth", .type = T_INT, EX(max_depth) },
	{ .name = "max-nodes", .type = T_INT, EX(max_nodes) },
	{ .name = "max-time", .type = T_DUR, EX(max_wall_s) },
};

static const struct key_def pause_keys[] = {
	{ .name = "min", .type = T_DUR, EX(pause_min_s) },
	{ .name = "max", .type = T_DUR, EX(pause_max_s) },
};

static bool read_device(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	return walk_map(l, key, n, device_keys, sizeof(device_keys) / sizeof(device_keys[0]), 0, NULL, base);
}

static bool read_limits(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	return walk_map(l, key, n, limit_keys, sizeof(limit_keys) / sizeof(limit_keys[0]), 0, NULL, base);
}

/* [40, 150], {min: 40s, max: 150s}, "40-150", "40s-2m", or one duration. */
static bool read_pause(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	struct experiment *e = base;
	char min_key[128], max_key[128], lo[64], hi[64];
	const char *s, *start, *dash;

	if (n && n->type == YAML_MAPPING_NODE) {
		snprintf(min_key, sizeof(min_key), "%s.min", key);
		snprintf(max_key, sizeof(max_key), "%s.max", key);
		int errors = l->errors;

		if (!walk_map(l, key, n, pause_keys, 2, 0, NULL, e) || l->errors != errors)
			return false;
		if (!find_mark(l, min_key) || !find_mark(l, max_key)) {
			error_at(l, n, key, "give both min and max");
			return false;
		}
		return true;
	}
	if (n && n->type == YAML_SEQUENCE_NODE) {
		if (n->data.sequence.items.top - n->data.sequence.items.start != 2) {
			error_at(l, n, key, "expected [min, max], a list of two durations");
			return false;
		}
		return get_duration(l, key, node_at(l, n->data.sequence.items.start[0]), &e->pause_min_s) &&
		       get_duration(l, key, node_at(l, n->data.sequence.items.start[1]), &e->pause_max_s);
	}
	s = scalar(l, key, n, "a pause range such as [40s, 150s] or \"40-150\"");
	if (!s)
		return false;
	start = s + strspn(s, " ");
	dash = *start ? strchr(start + 1, '-') : NULL;	/* a leading '-' is a sign */
	while (dash && (dash[-1] == 'e' || dash[-1] == 'E'))
		dash = strchr(dash + 1, '-');
	if (!dash) {
		if (!get_duration(l, key, n, &e->pause_min_s))
			return false;
		e->pause_max_s = e->pause_min_s;
		return true;
	}
	snprintf(lo, sizeof(lo), "%.*s", (int)(dash - s), s);
	snprintf(hi, sizeof(hi), "%s", dash + 1);
	if (!parse_duration(lo, &e->pause_min_s) || !parse_duration(hi, &e->pause_max_s)) {
		error_at(l, n, key, "expected a range such as \"40-150\" or \"40s-2m\", got \"%.40s\"", s);
		return false;
	}
	return true;
}

/* A scalar that must be one of names: *idx is its index. */
static bool read_one_of(struct loader *l, const char *key, yaml_node_t *n, const char *const *names,
			size_t n_names, size_t *idx)
{
	char what[80] = "", hint[100];
	const char *s;

	for (size_t i = 0; i < n_names; i++)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s", i ? " or " : "", names[i]);
	if (!(s = scalar(l, key, n, what)))
		return false;
	for (*idx = 0; *idx < n_names; (*idx)++)
		if (!strcmp(s, names[*idx]))
			return true;
	suggest(s, names, n_names, hint, sizeof(hint));
	error_at(l, n, key, "unknown value \"%.40s\" (%s)%s", s, what, hint);
	return false;
}

static bool read_prune(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	static const char *const names[] = { "node", "none" };
	size_t i;

	if (!read_one_of(l, key, n, names, 2, &i))
		return false;
	((struct experiment *)base)->prune = i == 0;
	return true;
}

static bool read_control_plane(struct loader *l, const char *key, yaml_node_t *n, void *base)
{
	static const char *const names[] = { "drop", "keep" };
	size_t i;

	if (!read_one_of(l, key, n, names, 2, &i))
		return false;
	((struct experiment *)base)->keep_control = i == 1;
	return true;
}

static const struct key_def top_keys[] = {
	{ .name = "event", .type = T_NAME, EX(event) },
	{ .name = "device", .type = T_SPECIAL, .special = read_device },
	{ .name = "phone", .type = T_STR, EX(phone) },
	{ .name = "interfaces", .type = T_SPECIAL, .special = read_interfaces },
	{ .name = "interaction", .type = T_SPECIAL, .special = read_interaction },
	{ .name = "verify", .type = T_SPECIAL, .special = read_verify },
	{ .name = "iterations", .type = T_INT, EX(iterations) },
	{ .name = "capture", .type = T_DUR, EX(capture_s) },
	{ .name = "pause", .type = T_SPECIAL, .special = read_pause },
	{ .name = "boot", .type = T_BOOL, EX(boot) },
	{ .name = "well-known-ports", .type = T_PATH, EX(well_known) },
	{ .name = "dns-cache", .type = T_PATH, EX(dns_cache) },
	{ .name = "limits", .type = T_SPECIAL, .special = read_limits },
	{ .name = "prune", .type = T_SPECIAL, .special = read_prune },
	{ .name = "control-plane", .type = T_SPECIAL, .special = read_control_plane },
	{ .name = "output", .type = T_STR, EX(output) },
	{ .name = "pin-dir", .type = T_STR, EX(pin_dir) },
	{ .name = "lease", .type = T_DUR, EX(lease_s) },
	{ .name = "save-pcap", .type = T_BOOL, EX(save_pcap) },
	{ .name = "seed", .type = T_UINT, EX(seed) },
};

/* ---- validation -------------------------------------------------------- */

__attribute__((format(printf, 4, 5)))
static void invalid(struct loader *l, const char *where, const char *key, const char *fmt, ...)
{
	const struct key_mark *m = NULL;
	char k[112];
	va_list ap;

	/* the key's own mark, else its closest ancestor's (a missing key is
	 * reported where its mapping starts); a refused one was reported */
	snprintf(k, sizeof(k), "%s", key);
	for (;;) {
		char *cut = strrchr(k, '.'), *br = strrchr(k, '[');
		const struct key_mark *f = find_mark(l, k);

		if (f && f->bad)
			return;
		if (f && !m)
			m = f;
		if (!k[0])
			break;
		if (br > cut)
			cut = br;
		if (cut)
			*cut = 0;
		else
			k[0] = 0;
	}
	va_start(ap, fmt);
	vreport(l, where, m ? m->line : 0, m ? m->col : 0, key, fmt, ap);
	va_end(ap);
}

static bool is_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static void check_readable(struct loader *l, const char *where, const char *key, const char *path,
			   bool dir)
{
	struct stat st;

	if (!path[0])
		return;
	if (stat(path, &st) || access(path, R_OK))
		invalid(l, where, key, "cannot read \"%s\": %s", path, strerror(errno));
	else if (dir && !S_ISDIR(st.st_mode))
		invalid(l, where, key, "\"%s\" is not a directory", path);
	else if (!dir && S_ISDIR(st.st_mode))
		invalid(l, where, key, "\"%s\" is a directory, not a file", path);
}

static void positive(struct loader *l, const char *where, const char *key, double v)
{
	if (!(v > 0))
		invalid(l, where, key, "must be more than 0 s (got %g)", v);
}

static void not_negative(struct loader *l, const char *where, const char *key, double v)
{
	if (!(v >= 0))
		invalid(l, where, key, "must not be negative (got %g)", v);
}

static void missing(struct loader *l, const char *where, const char *key, const char *kind)
{
	invalid(l, where, key, "missing (kind \"%s\" needs it)", kind);
}

static void validate_steps(struct loader *l, const char *where, const struct interaction *in)
{
	double waits = 0;
	char key[128];

	if (in->n_steps < 1)
		invalid(l, where, "interaction.steps", "missing or empty (kind \"adb\" needs at least one step)");
	for (int i = 0; i < in->n_steps && i < EXP_STEPS_MAX; i++) {
		const struct adb_step *s = &in->steps[i];
		static const char *const names[] = { "", "tap", "swipe", "text", "key", "wait" };

		snprintf(key, sizeof(key), "interaction.steps[%d]%s%s", i,
			 s->kind >= ADB_TAP && s->kind <= ADB_WAIT ? "." : "",
			 s->kind >= ADB_TAP && s->kind <= ADB_WAIT ? names[s->kind] : "");
		switch (s->kind) {
		case ADB_TAP:
		case ADB_SWIPE:
			if (s->x1 < 0 || s->y1 < 0 || (s->kind == ADB_SWIPE && (s->x2 < 0 || s->y2 < 0)))
				invalid(l, where, key, "screen coordinates must not be negative");
			if (s->kind == ADB_SWIPE && s->duration_ms < 0)
				invalid(l, where, key, "duration must not be negative (got %d ms)", s->duration_ms);
			break;
		case ADB_TEXT:
			if (!s->text[0])
				invalid(l, where, key, "empty text");
			for (const char *p = s->text; *p; p++)
				if (*p < 0x20 || *p > 0x7e) {
					invalid(l, where, key, "adb can type printable ASCII only");
					break;
				}
			break;
		case ADB_KEY:
			if (!s->text[0] || strspn(s->text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(s->text))
				invalid(l, where, key, "expected a key code such as KEYCODE_BACK or 4, got \"%s\"",
					s->text);
			break;
		case ADB_WAIT:
			if (s->duration_ms < 0)
				invalid(l, where, key, "must not be negative (got %d ms)", s->duration_ms);
			else
				waits += s->duration_ms / 1000.0;
			break;
		default:
			invalid(l, where, key, "no action: give one of tap, swipe, text, key or wait");
		}
	}
	if (in->timeout_s > 0 && waits >= in->timeout_s)
		invalid(l, where, "interaction.timeout", "the steps wait %g s in all, not less than the %g s timeout",
			waits, in->timeout_s);
}

static void validate_interaction(struct loader *l, const char *where, const struct interaction *in)
{
	switch (in->kind) {
	case INTERACTION_COMMAND:
		if (!in->command[0])
			missing(l, where, "interaction.command", "command");
		break;
	case INTERACTION_ADB:
		validate_steps(l, where, in);
		break;
	case INTERACTION_POWER_CYCLE:
		if (!in->off[0])
			missing(l, where, "interaction.off", "power-cycle");
		if (!in->on[0])
			missing(l, where, "interaction.on", "power-cycle");
		not_negative(l, where, "interaction.delay", in->off_s);
		if (in->off_s >= 0 && in->timeout_s > 0 && in->off_s >= in->timeout_s)
			invalid(l, where, "interaction.delay", "%g s is not shorter than the %g s timeout",
				in->off_s, in->timeout_s);
		break;
	case INTERACTION_REPLAY:
		if (!in->source[0])
			missing(l, where, "interaction.source", "replay");
		check_readable(l, where, "interaction.source", in->source, true);
		return;
	default:
		invalid(l, where, "interaction.kind", "missing (one of command, adb, power-cycle, replay)");
		return;
	}
	positive(l, where, "interaction.timeout", in->timeout_s);
}

static void validate_verify(struct loader *l, const char *where, const struct verify *v)
{
	switch (v->kind) {
	case VERIFY_NONE:
		return;
	case VERIFY_COMMAND:
		if (!v->command[0])
			missing(l, where, "verify.command", "command");
		break;
	case VERIFY_SCREENSHOT:
		if (!v->reference[0])
			missing(l, where, "verify.reference", "screenshot");
		check_readable(l, where, "verify.reference", v->reference, false);
		if (!(v->threshold > 0 && v->threshold <= 1))
			invalid(l, where, "verify.threshold", "must be in (0, 1] (got %g)", v->threshold);
		break;
	default:
		invalid(l, where, "verify.kind", "unknown kind %d", v->kind);
		return;
	}
	not_negative(l, where, "verify.delay", v->delay_s);
	positive(l, where, "verify.timeout", v->timeout_s);
}

static int validate(const struct experiment *e, const char *where, struct loader *l)
{
	struct loader none = { .path = where };
	int before;
	char key[64];

	if (!l)
		l = &none;
	before = l->errors;
	if (!e->event[0])
		invalid(l, where, "event", "missing required key (the event's name, e.g. toggle)");
	if (!e->n_device_addrs)
		invalid(l, where, "device.address", "missing: give the device's address or addresses");
	for (int i = 0; i < e->n_device_addrs && i < EXP_ADDRS_MAX; i++) {
		if (find_mark(l, "device.address"))
			snprintf(key, sizeof(key), "device.address");
		else
			snprintf(key, sizeof(key), "device.addresses[%d]", i);
		if (!is_ip(e->device_addrs[i]))
			invalid(l, where, key, "not an IPv4 or IPv6 address: \"%s\"", e->device_addrs[i]);
	}
	if (e->phone[0] && !is_ip(e->phone))
		invalid(l, where, "phone", "not an IPv4 or IPv6 address: \"%s\"", e->phone);
	validate_interaction(l, where, &e->interaction);
	validate_verify(l, where, &e->verify);
	if (e->iterations < 1)
		invalid(l, where, "iterations", "must be at least 1 (got %d)", e->iterations);
	else if (e->iterations > EXP_ITER_MAX)
		invalid(l, where, "iterations", "at most %d (got %d)", EXP_ITER_MAX, e->iterations);
	positive(l, where, "capture", e->capture_s);
	if (!(e->pause_min_s >= 0))
		invalid(l, where, "pause", "the minimum must not be negative (got %g)", e->pause_min_s);
	else if (!(e->pause_max_s >= 0))
		invalid(l, where, "pause", "the maximum must not be negative (got %g)", e->pause_max_s);
	else if (e->pause_min_s > e->pause_max_s)
		invalid(l, where, "pause", "the minimum (%g s) is above the maximum (%g s)",
			e->pause_min_s, e->pause_max_s);
	if (e->max_depth < 0)
		invalid(l, where, "limits.max-depth", "must not be negative (got %d)", e->max_depth);
	if (e->max_nodes < 0)
		invalid(l, where, "limits.max-nodes", "must not be negative (got %d)", e->max_nodes);
	not_negative(l, where, "limits.max-time", e->max_wall_s);
	positive(l, where, "lease", e->lease_s);
	check_readable(l, where, "well-known-ports", e->well_known, false);
	check_readable(l, where, "dns-cache", e->dns_cache, false);
	if (e->pin_dir[0] && e->pin_dir[0] != '/')
		invalid(l, where, "pin-dir", "must be an absolute path (got \"%s\")", e->pin_dir);
	return l->errors > before ? -EINVAL : 0;
}

int experiment_validate(const struct experiment *e, const char *where)
{
	return validate(e, where ? where : e->path, NULL);
}

/* ---- loading ----------------------------------------------------------- */

void experiment_defaults(struct experiment *e)
{
	memset(e, 0, sizeof(*e));
	e->interaction.timeout_s = 60;
	e->interaction.off_s = 5;
	e->verify.kind = VERIFY_NONE;
	e->verify.threshold = 0.9;
	e->verify.timeout_s = 30;
	e->iterations = 20;
	e->capture_s = 20;
	e->pause_min_s = 40;
	e->pause_max_s = 150;
	e->prune = true;
	e->lease_s = 300;
}

static int read_file(const char *path, char **text, size_t *len)
{
	struct stat st;
	ssize_t n;
	int fd, err = 0;

	*text = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > EXP_FILE_MAX) {
		fprintf(stderr, "%s: %s\n", path, S_ISREG(st.st_mode) ?
			"too large for an experiment file (over 1 MiB)" : "not a regular file");
		err = -EINVAL;
		goto cleanup;
	}
	*text = malloc(st.st_size + 1);
	if (!*text) {
		err = -ENOMEM;
		goto cleanup;
	}
	n = read(fd, *text, st.st_size);
	if (n < 0) {
		err = -errno;
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
		goto cleanup;
	}
	(*text)[n] = 0;
	*len = n;
cleanup:
	if (err) {
		free(*text);
		*text = NULL;
	}
	if (fd >= 0)
		close(fd);
	return err;
}

static void syntax_error(struct loader *l, const yaml_parser_t *p, const char *text, size_t len)
{
	int line = p->problem_mark.line + 1, col = p->problem_mark.column + 1;

	if (p->error == YAML_READER_ERROR) {	/* only a byte offset */
		line = 1;
		col = 1;
		for (size_t i = 0; i < p->problem_offset && i < len; i++, col++)
			if (text[i] == '\n') {
				line++;
				col = 0;
			}
	}
	if (p->context)
		report(l, line, col, NULL, "syntax error: %s (%s at line %d, column %d)",
		       p->problem ? p->problem : "malformed YAML", p->context,
		       (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
	else
		report(l, line, col, NULL, "syntax error: %s", p->problem ? p->problem : "malformed YAML");
}

static void set_dir(struct loader *l, const char *path, const char *base_dir)
{
	char copy[PATH_MAX];
	const char *dir = base_dir;

	if (!dir) {
		snprintf(copy, sizeof(copy), "%s", path);
		dir = dirname(copy);
	}
	if (!realpath(dir, l->dir))
		snprintf(l->dir, sizeof(l->dir), "%s", dir);
}

/* Defaults that depend on what was given. */
static void finish(struct loader *l, struct experiment *e)
{
	if (!find_mark(l, "boot") && e->interaction.kind == INTERACTION_POWER_CYCLE)
		e->boot = true;
	if (e->boot && !find_mark(l, "capture"))
		e->capture_s = 90;
	if (e->boot && !find_mark(l, "pause")) {
		e->pause_min_s = 120;
		e->pause_max_s = 150;
	}
	if (!e->device_name[0] && e->n_device_addrs)
		snprintf(e->device_name, sizeof(e->device_name), "%s", e->device_addrs[0]);
	if (!e->output[0] && e->event[0] && e->device_name[0])
		snprintf(e->output, sizeof(e->output), "campaign-%s-%s", e->device_name, e->event);
}

static int load(const char *path, const char *base_dir, struct experiment *e)
{
	struct loader l = { .path = path, .e = e, .buffered = true };
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	bool parser_ok = false, doc_ok = false;
	yaml_node_t *root;
	char *text = NULL;
	size_t len = 0;
	int err;

	experiment_defaults(e);
	err = read_file(path, &text, &len);
	if (err)
		return err;
	if (strlen(path) >= sizeof(e->path)) {
		fprintf(stderr, "%s: path too long\n", path);
		err = -EINVAL;
		goto cleanup;
	}
	strcpy(e->path, path);
	set_dir(&l, path, base_dir);
	if (!yaml_parser_initialize(&parser)) {
		err = -ENOMEM;
		goto cleanup;
	}
	parser_ok = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(&l, &parser, text, len);
		goto cleanup;
	}
	doc_ok = true;
	l.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		report(&l, 1, 1, NULL, "empty file: an experiment needs at least event, device and "
		       "interaction");
		goto cleanup;
	}
	if (!yaml_parser_load(&parser, &extra)) {
		syntax_error(&l, &parser, text, len);
	} else {
		yaml_node_t *second = yaml_document_get_root_node(&extra);

		if (second)
			error_at(&l, second, NULL, "a second YAML document; one experiment per file");
		yaml_document_delete(&extra);
	}
	mark_key(&l, "", root, !walk_map(&l, "", root, top_keys, sizeof(top_keys) / sizeof(top_keys[0]),
					  0, NULL, e));
	finish(&l, e);
	validate(e, path, &l);
cleanup:
	if (doc_ok)
		yaml_document_delete(&doc);
	if (parser_ok)
		yaml_parser_delete(&parser);
	free(text);
	free(l.marks);
	print_messages(&l);
	if (!err && l.errors)
		err = -EINVAL;
	return err;
}

int experiment_load(const char *path, struct experiment *e)
{
	return load(path, NULL, e);
}

int experiment_load_in(const char *path, const char *base_dir, struct experiment *e)
{
	return load(path, base_dir && base_dir[0] ? base_dir : NULL, e);
}
