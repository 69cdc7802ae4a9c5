// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* YAML nodes into checked values; every error at its file:line:col. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spec_read.h"

void error_at(struct loader *l, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%zu:%zu: %s%s", l->path, n ? n->start_mark.line + 1 : 1,
		n ? n->start_mark.column + 1 : 1, key ? key : "", key && *key ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	l->errors++;
}

/* Key paths for messages: cut when absurdly long (no truncation warnings
 * through a va_list). */
void keyf(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, len, fmt, ap);
	va_end(ap);
}

yaml_node_t *node(struct loader *l, int idx)
{
	return yaml_document_get_node(&l->doc, idx);
}

const char *scalar(struct loader *l, const yaml_node_t *n, const char *key)
{
	if (!n || n->type != YAML_SCALAR_NODE) {
		error_at(l, n, key, "expected a value, got a %s", n && n->type == YAML_MAPPING_NODE ?
			 "mapping" : "list");
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

bool is_kind(struct loader *l, const yaml_node_t *n, yaml_node_type_t t, const char *key)
{
	static const char *const what[] = { [YAML_SCALAR_NODE] = "a value",
		[YAML_SEQUENCE_NODE] = "a list", [YAML_MAPPING_NODE] = "a mapping" };

	if (n && n->type == t)
		return true;
	error_at(l, n, key, "expected %s, got %s", what[t], n ? what[n->type] : "nothing");
	return false;
}

/* Refuses keys outside `known`, naming the valid ones. */
void check_keys(struct loader *l, yaml_node_t *map, const char *where, const char *const *known)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key);
		const char *name = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
		bool ok = false;
		char list[512] = "";
		size_t o = 0;

		for (int i = 0; known[i]; i++) {
			ok |= !strcmp(name, known[i]);
			o += snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", known[i]);
		}
		if (!ok)
			error_at(l, k, where, "unknown key \"%s\" (valid: %s)", name, list);
	}
}

yaml_node_t *map_get(struct loader *l, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
			return node(l, p->value);
	}
	return NULL;
}

bool read_int(struct loader *l, yaml_node_t *n, const char *key, long min, long max, int *out)
{
	const char *v = scalar(l, n, key);
	char *end;
	long x;

	if (!v)
		return false;
	errno = 0;
	x = strtol(v, &end, 10);
	if (errno || !*v || *end || x < min || x > max) {
		error_at(l, n, key, "expected an integer from %ld to %ld, got \"%.40s\"", min, max, v);
		return false;
	}
	*out = (int)x;
	return true;
}

/* Seconds: "0.5", "500ms", "2s". */
bool read_seconds(struct loader *l, yaml_node_t *n, const char *key, double *out)
{
	const char *v = scalar(l, n, key);
	double scale = 1, x;
	char *end;

	if (!v)
		return false;
	errno = 0;
	x = strtod(v, &end);
	if (!strcmp(end, "ms"))
		scale = 1e-3;
	else if (!strcmp(end, "s"))
		scale = 1;
	else if (*end)
		x = -1;
	if (errno || end == v || !isfinite(x) || x <= 0 || x * scale > 3600) {
		error_at(l, n, key, "expected a duration such as 0.5, 500ms or 2s, got \"%.40s\"", v);
		return false;
	}
	*out = x * scale;
	return true;
}

bool canon_addr(const char *text, char *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, text, &a) != 1)
		return false;
	inet_ntop(AF_INET, &a, out, SPEC_ADDR_MAX);
	return true;
}

bool read_addr(struct loader *l, yaml_node_t *n, const char *key, char *out)
{
	const char *v = scalar(l, n, key);

	if (!v)
		return false;
	if (!canon_addr(v, out)) {
		error_at(l, n, key, "expected an IPv4 address, got \"%.40s\"", v);
		return false;
	}
	return true;
}

bool read_cidr(struct loader *l, yaml_node_t *n, const char *key, char *out, struct in_addr *net,
		      int *prefix)
{
	const char *v = scalar(l, n, key);
	char addr[SPEC_ADDR_MAX];
	const char *slash;
	int p;
	char *end;

	if (!v)
		return false;
	slash = strchr(v, '/');
	if (!slash || slash - v >= (long)sizeof(addr))
		goto bad;
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash - v), v);
	p = (int)strtol(slash + 1, &end, 10);
	if (*end || !slash[1] || p < 8 || p > 30 || inet_pton(AF_INET, addr, net) != 1)
		goto bad;
	*prefix = p;
	net->s_addr &= htonl(~0u << (32 - p));
	inet_ntop(AF_INET, net, addr, sizeof(addr));
	keyf(out, SPEC_ADDR_MAX, "%s/%d", addr, p);
	return true;
bad:
	error_at(l, n, key, "expected a network such as 10.77.0.0/24 (prefix 8 to 30), got \"%.40s\"", v);
	return false;
}

/* A DNS name, lower case, without the trailing dot. */
bool canon_name(const char *text, char *out)
{
	size_t len = strlen(text);

	while (len && text[len - 1] == '.')
		len--;
	if (!len || len >= SPEC_NAME_MAX || text[0] == '.' || text[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)text[i]) && !strchr("-_.", text[i]))
			return false;
		out[i] = tolower((unsigned char)text[i]);
	}
	out[len] = 0;
	return true;
}

bool canon_id(const char *text, char *out)
{
	size_t len = strlen(text);

	if (!len || len >= SPEC_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)text[i]) && !strchr("-_", text[i]))
			return false;
	memcpy(out, text, len + 1);
	return true;
}

void *grow(void *v, int n, size_t size)
{
	/* capacity doubles at powers of two */
	if (n && (n & (n - 1)))
		return v;
	v = realloc(v, (n ? 2 * n : 1) * size);
	if (!v) {
		perror("simhome");
		exit(1);
	}
	return v;
}

void list_add(struct int_list *l, int x)
{
	l->v = grow(l->v, l->n, sizeof(*l->v));
	l->v[l->n++] = x;
}
