// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Listing deny rules: one row per rule, its two directions' counters summed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "addr.h"
#include "app_json.h"
#include "deny.h"
#include "output.h"

struct rule_row {
	struct iotprof_deny_key key;
	struct iotprof_deny_rule val;	/* counters summed over both directions */
	struct iotprof_deny_mask mask;
	struct iotprof_deny_lease lease;	/* expires_ns 0: no lease */
};

static void host_text(const struct deny_maps *dm, const struct rule_row *r, bool src, char *buf,
		      size_t len)
{
	__u32 addr_bit = src ? IOTPROF_DENY_SRC : IOTPROF_DENY_DST;
	__u32 name_bit = src ? IOTPROF_DENY_SRC_NAME : IOTPROF_DENY_DST_NAME;
	char a[ADDR_STR_MAX];

	if (r->mask.fields & addr_bit) {
		addr_format(src ? r->key.src : r->key.dst, r->key.family, a);
		snprintf(buf, len, "%s/%u", a, src ? r->mask.src_prefix : r->mask.dst_prefix);
	} else if (r->mask.fields & name_bit) {
		struct iotprof_name_string s = {};
		__u32 id = src ? r->key.src_name : r->key.dst_name;

		if (bpf_map_lookup_elem(dm->strings_fd, &id, &s))
			snprintf(s.name, sizeof(s.name), "name#%u", id);
		snprintf(buf, len, "%.250s", s.name);
	} else {
		snprintf(buf, len, "*");
	}
}

/* The application part of a rule, for people: "dns www.example.com A". */
/* The application part of a rule, decoded: empty strings for fields the
 * rule does not match. */
struct rule_app {
	const char *kind;		/* NULL: no application fields */
	char sub[8];			/* CoAP type */
	char num[IOTPROF_METHOD_MAX];	/* DNS type, CoAP code, HTTP method */
	char name[IOTPROF_NAME_MAX];	/* DNS name or suffix, SNI */
	char path[IOTPROF_URI_MAX];	/* URI, URI prefix, CoAP path */
};

static void text_of(const struct deny_maps *dm, __u32 key, char *out, size_t len, const char *fallback,
		    __u32 shown)
{
	struct iotprof_name_string t = {};

	if (bpf_map_lookup_elem(dm->strings_fd, &key, &t))
		snprintf(out, len, "%s#%u", fallback, shown);
	else
		snprintf(out, len, "%s", t.name);
}

static void rule_app_of(const struct deny_maps *dm, const struct rule_row *r, struct rule_app *a)
{
	static const char *const kinds[] = { NULL, "dns", "tls", "http", "coap" };
	static const char *const coap_types[] = { "CON", "NON", "ACK", "RST" };
	__u32 f = r->mask.fields;
	char tbuf[12];

	memset(a, 0, sizeof(*a));
	if (!(f & IOTPROF_DENY_APP_KIND) || r->key.app_kind > 4)
		return;
	a->kind = kinds[r->key.app_kind];
	if (f & IOTPROF_DENY_APP_SUB)
		snprintf(a->sub, sizeof(a->sub), "%s", coap_types[r->key.app_sub & 3]);
	if (f & IOTPROF_DENY_APP_NUM) {
		if (r->key.app_kind == IOTPROF_APP_DNS)
			snprintf(a->num, sizeof(a->num), "%s", dns_type_name(r->key.app_num, tbuf));
		else if (r->key.app_kind == IOTPROF_APP_COAP)
			snprintf(a->num, sizeof(a->num), "%u.%02u", r->key.app_num >> 5, r->key.app_num & 31);
		else
			text_of(dm, DENY_METHOD_TEXT_KEY(r->key.app_num), a->num, sizeof(a->num), "method",
				r->key.app_num);
	}
	if (f & (IOTPROF_DENY_APP_NAME | IOTPROF_DENY_APP_SUFFIX))
		text_of(dm, r->key.app_name, a->name, sizeof(a->name), "name", r->key.app_name);
	if (f & (IOTPROF_DENY_APP_PATH | IOTPROF_DENY_APP_PREFIX))
		text_of(dm, r->key.app_path, a->path, sizeof(a->path), "path", r->key.app_path);
}

/* For people: "dns AAAA www.example.com". */
static void app_text(const struct rule_app *a, char *buf, size_t len)
{
	const char *parts[] = { a->sub, a->num, a->name, a->path };
	size_t o;

	if (!a->kind) {
		snprintf(buf, len, "*");
		return;
	}
	o = snprintf(buf, len, "%s", a->kind);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && o < len; i++)
		if (*parts[i])
			o += snprintf(buf + o, len - o, " %.200s", parts[i]);
}

static struct json_object *str_or_null(const char *s)
{
	return *s ? json_object_new_string(s) : NULL;
}

/* For programs: the app object of a Flow ID, which deny add takes back. */
static struct json_object *app_json(const struct rule_app *a)
{
	struct json_object *o, *in;

	if (!a->kind)
		return NULL;
	in = json_object_new_object();
	if (!strcmp(a->kind, "dns")) {
		json_object_object_add(in, "qname", str_or_null(a->name));
		json_object_object_add(in, "qtype", str_or_null(a->num));
	} else if (!strcmp(a->kind, "tls")) {
		json_object_object_add(in, "sni", str_or_null(a->name));
	} else if (!strcmp(a->kind, "http")) {
		json_object_object_add(in, "method", str_or_null(a->num));
		json_object_object_add(in, "uri", str_or_null(a->path));
	} else {
		json_object_object_add(in, "type", str_or_null(a->sub));
		json_object_object_add(in, "code", str_or_null(a->num));
		json_object_object_add(in, "uri", str_or_null(a->path));
	}
	o = json_object_new_object();
	json_object_object_add(o, a->kind, in);
	return o;
}

static int rows_read(const struct deny_maps *dm, struct rule_row **rows, size_t *n)
{
	struct iotprof_deny_key k, next;
	void *prev = NULL;
	size_t cap = 0;

	*rows = NULL;
	*n = 0;
	while (bpf_map_get_next_key(dm->rules_fd, prev, &next) == 0) {
		struct iotprof_deny_rule v;
		size_t i;

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(dm->rules_fd, &k, &v))
			continue;
		for (i = 0; i < *n && (*rows)[i].val.id != v.id; i++)
			;
		if (i == *n) {
			if (*n == cap) {
				struct rule_row *more = realloc(*rows, (cap = cap ? 2 * cap : 64) * sizeof(**rows));

				if (!more)
					return -ENOMEM;
				*rows = more;
			}
			memset(&(*rows)[i], 0, sizeof((*rows)[i]));
			(*rows)[i].val.id = v.id;
			(*n)++;
		}
		if (!(v.flags & IOTPROF_DENY_RULE_REVERSE) || !(*rows)[i].mask.fields) {
			__u32 slot = k.mask;
			__u64 p = (*rows)[i].val.packets, b = (*rows)[i].val.bytes;

			(*rows)[i].key = k;
			(*rows)[i].val.flags = v.flags;
			(*rows)[i].val.packets = p;
			(*rows)[i].val.bytes = b;
			bpf_map_lookup_elem(dm->masks_fd, &slot, &(*rows)[i].mask);
		}
		(*rows)[i].val.packets += v.packets;
		(*rows)[i].val.bytes += v.bytes;
		if (v.last_hit_ns > (*rows)[i].val.last_hit_ns)
			(*rows)[i].val.last_hit_ns = v.last_hit_ns;
	}
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct rule_row *x = a, *y = b;

	return x->val.id < y->val.id ? -1 : x->val.id > y->val.id;
}

int deny_print(FILE *out, const struct deny_maps *dm, bool json)
{
	struct rule_row *rows;
	struct timespec ts;
	__u64 now;
	size_t n;
	int err = rows_read(dm, &rows, &n);

	if (err)
		return err;
	qsort(rows, n, sizeof(rows[0]), by_id);
	for (size_t i = 0; i < n; i++)
		if (bpf_map_lookup_elem(dm->leases_fd, &rows[i].val.id, &rows[i].lease))
			memset(&rows[i].lease, 0, sizeof(rows[i].lease));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	if (!json)
		fprintf(out, "%4s  %-28s  %-28s  %-6s  %5s  %5s  %9s  %10s  %-8s  %s\n", "ID", "SOURCE",
			"DESTINATION", "PROTO", "SPORT", "DPORT", "PACKETS", "BYTES", "LEASE", "APPLICATION");
	for (size_t i = 0; i < n; i++) {
		const struct rule_row *r = &rows[i];
		char src[256], dst[256], proto[8] = "*", sport[8] = "*", dport[8] = "*", lease[32];
		char app[800];
		struct rule_app ra;
		__s64 left = r->lease.expires_ns ? (__s64)(r->lease.expires_ns - now) : 0;

		host_text(dm, r, true, src, sizeof(src));
		host_text(dm, r, false, dst, sizeof(dst));
		rule_app_of(dm, r, &ra);
		app_text(&ra, app, sizeof(app));
		if (r->mask.fields & IOTPROF_DENY_PROTO) {
			char pbuf[8];

			snprintf(proto, sizeof(proto), "%s", proto_name(r->key.proto, pbuf));
		}
		if (r->mask.fields & IOTPROF_DENY_SPORT)
			snprintf(sport, sizeof(sport), "%u", r->key.sport);
		if (r->mask.fields & IOTPROF_DENY_DPORT)
			snprintf(dport, sizeof(dport), "%u", r->key.dport);
		if (!r->lease.expires_ns)
			snprintf(lease, sizeof(lease), "none");
		else if (left <= 0)
			snprintf(lease, sizeof(lease), "expired");
		else
			snprintf(lease, sizeof(lease), "%llds", (long long)(left / 1000000000ll));
		if (json) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "id", json_object_new_int64(r->val.id));
			json_object_object_add(o, "src", strcmp(src, "*") ? json_object_new_string(src) : NULL);
			json_object_object_add(o, "dst", strcmp(dst, "*") ? json_object_new_string(dst) : NULL);
			json_object_object_add(o, "proto", strcmp(proto, "*") ? json_object_new_string(proto) : NULL);
			json_object_object_add(o, "sport", r->mask.fields & IOTPROF_DENY_SPORT ?
					       json_object_new_int(r->key.sport) : NULL);
			json_object_object_add(o, "dport", r->mask.fields & IOTPROF_DENY_DPORT ?
					       json_object_new_int(r->key.dport) : NULL);
			json_object_object_add(o, "app", app_json(&ra));
			json_object_object_add(o, "packets", json_object_new_int64(r->val.packets));
			json_object_object_add(o, "bytes", json_object_new_int64(r->val.bytes));
			json_object_object_add(o, "lease_s", r->lease.expires_ns ?
					       json_object_new_int64(left > 0 ? left / 1000000000ll : 0) : NULL);
			json_object_object_add(o, "expired", json_object_new_boolean(r->lease.expires_ns && left <= 0));
			fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
									    JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(o);
		} else {
			fprintf(out, "%4u  %-28s  %-28s  %-6s  %5s  %5s  %9llu  %10llu  %-8s  %s\n", r->val.id,
				src, dst, proto, sport, dport, (unsigned long long)r->val.packets,
				(unsigned long long)r->val.bytes, lease, app);
		}
	}
	if (!json)
		fprintf(out, "%zu rules\n", n);
	free(rows);
	return 0;
}
