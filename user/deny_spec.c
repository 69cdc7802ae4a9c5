// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Deny rules as people write them: options and Flow ID objects into a
 * spec, every part checked and named when it is wrong. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "addr.h"
#include "app_json.h"
#include "deny.h"
#include "log.h"
#include "names.h"

static bool host_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (!len || len >= IOTPROF_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-_", *s))
			return false;
	return true;
}

int deny_spec_host(struct deny_spec *s, bool src, const char *text)
{
	const char *what = src ? "source" : "destination";
	char addr[ADDR_STR_MAX + 8];
	const char *slash = strchr(text, '/');
	__u8 bytes[16], family;
	unsigned long prefix;
	char *end;

	snprintf(addr, sizeof(addr), "%.*s", slash ? (int)(slash - text) : (int)strlen(text), text);
	if (addr_parse_ip(addr, bytes, &family) == 0) {
		prefix = family == 4 ? 32 : 128;
		if (slash) {
			errno = 0;
			prefix = strtoul(slash + 1, &end, 10);
			if (errno || *end || !slash[1] || prefix > (family == 4 ? 32u : 128u)) {
				pr_warn("deny: %s '%s': the prefix length must be 0 to %u", what, text,
					family == 4 ? 32 : 128);
				return -EINVAL;
			}
		}
		if (s->family && s->family != family) {
			pr_warn("deny: %s '%s' is IPv%u, the other end IPv%u", what, text, family, s->family);
			return -EINVAL;
		}
		s->family = family;
		memcpy(src ? s->src : s->dst, bytes, 16);
		*(src ? &s->src_prefix : &s->dst_prefix) = prefix;
		s->fields |= src ? IOTPROF_DENY_SRC : IOTPROF_DENY_DST;
		return 0;
	}
	if (slash || !host_name_ok(text)) {
		pr_warn("deny: %s '%s' is not an address, a prefix or a host name", what, text);
		return -EINVAL;
	}
	snprintf(src ? s->src_name : s->dst_name, IOTPROF_NAME_MAX, "%s", text);
	s->fields |= src ? IOTPROF_DENY_SRC_NAME : IOTPROF_DENY_DST_NAME;
	return 0;
}

int deny_spec_proto(struct deny_spec *s, const char *text)
{
	static const struct { const char *name; __u8 proto; } names[] = {
		{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 },
		/* application protocols name their transport */
		{ "tls", 6 }, { "http", 6 }, { "dns", 17 }, { "coap", 17 },
	};
	unsigned long n;
	char *end;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(text, names[i].name)) {
			s->proto = names[i].proto;
			s->fields |= IOTPROF_DENY_PROTO;
			return 0;
		}
	}
	errno = 0;
	n = strtoul(text, &end, 10);
	if (errno || *end || !*text || n > 255) {
		pr_warn("deny: protocol '%s' is not tcp, udp, icmp, icmpv6 or a number 0-255", text);
		return -EINVAL;
	}
	s->proto = n;
	s->fields |= IOTPROF_DENY_PROTO;
	return 0;
}

int deny_spec_port(struct deny_spec *s, bool src, const char *text)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(text, &end, 10);
	if (errno || *end || !*text || n > 65535) {
		pr_warn("deny: %s port '%s' is not a number from 0 to 65535", src ? "source" : "destination",
			text);
		return -EINVAL;
	}
	*(src ? &s->sport : &s->dport) = n;
	s->fields |= src ? IOTPROF_DENY_SPORT : IOTPROF_DENY_DPORT;
	return 0;
}

__u32 deny_path_hash(const char *text)
{
	__u32 h = 2166136261u;

	for (; *text; text++)
		h = (h ^ (unsigned char)*text) * 16777619u;
	return h;
}

/* Must stay the kernel's (bpf/parse_dns.h dns_suffix_step). */
__u32 deny_suffix_hash(const char *suffix)
{
	__u32 h = 0;

	for (size_t i = strlen(suffix); i > 0; i--) {
		unsigned char c = suffix[i - 1];

		h = h * 31 + (c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return h;
}

__u16 deny_method_id(const char *method)
{
	__u32 h = deny_path_hash(method);

	return (h >> 16) ^ (h & 0xFFFF);
}

static int app_kind_set(struct deny_spec *s, __u8 kind, const char *what)
{
	if (s->app_kind && s->app_kind != kind) {
		pr_warn("deny: %s: a rule matches one application protocol", what);
		return -EINVAL;
	}
	s->app_kind = kind;
	s->fields |= IOTPROF_DENY_APP_KIND;
	return 0;
}

static int app_name_set(struct deny_spec *s, const char *name, const char *what)
{
	if (!host_name_ok(name)) {
		pr_warn("deny: %s '%s' is not a host name (exact names only: no wildcards yet)", what, name);
		return -EINVAL;
	}
	s->app_name = name_id_of(name);
	snprintf(s->app_name_text, sizeof(s->app_name_text), "%s", name);
	s->fields |= IOTPROF_DENY_APP_NAME;
	return 0;
}

static int app_path_set(struct deny_spec *s, const char *path, const char *what)
{
	if (!*path || strlen(path) >= IOTPROF_URI_MAX) {
		pr_warn("deny: %s must have 1 to %d characters", what, IOTPROF_URI_MAX - 1);
		return -EINVAL;
	}
	s->app_path = deny_path_hash(path);
	snprintf(s->app_path_text, sizeof(s->app_path_text), "%s", path);
	s->fields |= IOTPROF_DENY_APP_PATH;
	return 0;
}

int deny_spec_dns(struct deny_spec *s, const char *qname, const char *qtype)
{
	int err = app_kind_set(s, IOTPROF_APP_DNS, "DNS");

	if (!err && qname && !strncmp(qname, "*.", 2)) {
		const char *suffix = qname + 2;
		int labels = 1;

		if (!host_name_ok(suffix)) {
			pr_warn("deny: DNS name '%s': '%s' is not a name", qname, suffix);
			return -EINVAL;
		}
		for (const char *c = suffix; *c; c++)
			labels += *c == '.';
		if (labels > IOTPROF_SUFFIX_LABELS_MAX) {
			pr_warn("deny: DNS name '%s': a suffix has at most %d labels", qname,
				IOTPROF_SUFFIX_LABELS_MAX);
			return -EINVAL;
		}
		s->app_name = deny_suffix_hash(suffix);
		s->suffix_labels = labels;
		snprintf(s->app_name_text, sizeof(s->app_name_text), "%s", qname);
		s->fields |= IOTPROF_DENY_APP_SUFFIX;
	} else if (!err && qname) {
		err = app_name_set(s, qname, "DNS name");
	}
	if (!err && qtype) {
		int t = dns_type_number(qtype);

		if (t < 0) {
			pr_warn("deny: DNS type '%s' is not a type name (A, AAAA, ...) or number", qtype);
			return -EINVAL;
		}
		s->app_num = t;
		s->fields |= IOTPROF_DENY_APP_NUM;
	}
	return err;
}

int deny_spec_sni(struct deny_spec *s, const char *sni)
{
	return app_kind_set(s, IOTPROF_APP_TLS, "TLS") ?: app_name_set(s, sni, "TLS SNI");
}

int deny_spec_http(struct deny_spec *s, const char *method, const char *uri)
{
	int err = app_kind_set(s, IOTPROF_APP_HTTP, "HTTP");

	if (!err && method) {
		if (!*method || strlen(method) >= IOTPROF_METHOD_MAX || strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-") != strlen(method)) {
			pr_warn("deny: HTTP method '%s' is not an upper-case method name", method);
			return -EINVAL;
		}
		s->app_num = deny_method_id(method);
		snprintf(s->app_method_text, sizeof(s->app_method_text), "%s", method);
		s->fields |= IOTPROF_DENY_APP_NUM;
	}
	if (!err && uri && *uri && uri[strlen(uri) - 1] == '*') {
		char prefix[IOTPROF_URI_MAX];
		size_t len = strlen(uri) - 1;

		if (!len || len >= IOTPROF_URI_MAX) {
			pr_warn("deny: HTTP URI prefix '%s' must have 1 to %d characters before '*'", uri,
				IOTPROF_URI_MAX - 1);
			return -EINVAL;
		}
		snprintf(prefix, sizeof(prefix), "%.*s", (int)len, uri);
		s->app_path = deny_path_hash(prefix);
		s->path_prefix = len;
		snprintf(s->app_path_text, sizeof(s->app_path_text), "%s", uri);
		s->fields |= IOTPROF_DENY_APP_PREFIX;
	} else if (!err && uri) {
		err = app_path_set(s, uri, "the HTTP URI");
	}
	return err;
}

int deny_spec_coap(struct deny_spec *s, const char *type, const char *code, const char *uri)
{
	static const char *const types[] = { "CON", "NON", "ACK", "RST" };
	int err = app_kind_set(s, IOTPROF_APP_COAP, "CoAP");

	if (!err && type) {
		int t = -1;

		for (int i = 0; i < 4; i++)
			if (!strcmp(type, types[i]))
				t = i;
		if (t < 0) {
			pr_warn("deny: CoAP type '%s' is not CON, NON, ACK or RST", type);
			return -EINVAL;
		}
		s->app_sub = t;
		s->fields |= IOTPROF_DENY_APP_SUB;
	}
	if (!err && code) {
		unsigned int cls, detail;
		char tail;

		if (sscanf(code, "%u.%u%c", &cls, &detail, &tail) != 2 || cls > 7 || detail > 31) {
			pr_warn("deny: CoAP code '%s' is not class.detail (0.01 ... 7.31)", code);
			return -EINVAL;
		}
		s->app_num = cls << 5 | detail;
		s->fields |= IOTPROF_DENY_APP_NUM;
	}
	if (!err && uri)
		err = app_path_set(s, uri, "the CoAP URI");
	return err;
}

int deny_parse_lease(const char *text, __u64 *ns)
{
	unsigned long n;
	char *end;

	if (!strcmp(text, "none")) {
		*ns = 0;
		return 0;
	}
	errno = 0;
	n = strtoul(text, &end, 10);
	if (errno || end == text || n == 0 || (strcmp(end, "s") && strcmp(end, "m") &&
					       strcmp(end, "h") && *end)) {
		pr_warn("deny: lease '%s' is not a duration like 30s, 10m, 2h, or 'none'", text);
		return -EINVAL;
	}
	*ns = (__u64)n * 1000000000ull * (*end == 'm' ? 60 : *end == 'h' ? 3600 : 1);
	return 0;
}

/* A string member, NULL when absent or null; -EINVAL through *err when it
 * is something else. */
static const char *json_str(struct json_object *o, const char *key, const char *where, int *err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	pr_warn("%s: app member \"%s\" must be a string or null", where, key);
	*err = -EINVAL;
	return NULL;
}

/* "app": one of {"dns":{"qname","qtype"}}, {"tls":{"sni"}},
 * {"http":{"method","uri"}}, {"coap":{"type","code","uri"}}; the other
 * members of iotprof flows' app objects are facts, not match fields, and
 * are ignored so that a record's app can be passed as it is. */
static int spec_app_from_json(struct deny_spec *s, struct json_object *app, const char *where)
{
	struct json_object *d;
	int err = 0;
	const char *a, *b, *c;

	if (!json_object_is_type(app, json_type_object) || json_object_object_length(app) != 1) {
		pr_warn("%s: \"app\" must be null or an object with one of dns, tls, http, coap", where);
		return -EINVAL;
	}
	if (json_object_object_get_ex(app, "dns", &d)) {
		a = json_str(d, "qname", where, &err);
		b = json_str(d, "qtype", where, &err);
		return err ?: deny_spec_dns(s, a, b);
	}
	if (json_object_object_get_ex(app, "tls", &d)) {
		a = json_str(d, "sni", where, &err);
		return err ?: a ? deny_spec_sni(s, a) : app_kind_set(s, IOTPROF_APP_TLS, "TLS");
	}
	if (json_object_object_get_ex(app, "http", &d)) {
		a = json_str(d, "method", where, &err);
		b = json_str(d, "uri", where, &err);
		return err ?: deny_spec_http(s, a, b);
	}
	if (json_object_object_get_ex(app, "coap", &d)) {
		a = json_str(d, "type", where, &err);
		b = json_str(d, "code", where, &err);
		c = json_str(d, "uri", where, &err);
		return err ?: deny_spec_coap(s, a, b, c);
	}
	pr_warn("%s: \"app\" names no known protocol (dns, tls, http, coap)", where);
	return -EINVAL;
}

int deny_spec_from_flow_json(struct deny_spec *s, const char *json, const char *where)
{
	static const char *const known[] = { "src", "dst", "proto", "sport", "dport", "app" };
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o, *v;
	int err = 0;

	o = json_tokener_parse_ex(tok, json, strlen(json));
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		pr_warn("%s: not a JSON object: %s", where,
			o ? "another JSON type" : json_tokener_error_desc(json_tokener_get_error(tok)));
		err = -EINVAL;
		goto out;
	}
	json_object_object_foreach(o, key, val) {
		bool ok = false;

		(void)val;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= !strcmp(key, known[i]);
		if (!ok) {
			pr_warn("%s: unknown member \"%s\" (a Flow ID has src, dst, proto, sport, dport, app)",
				where, key);
			err = -EINVAL;
			goto out;
		}
	}
	for (int end = 0; end < 2 && !err; end++) {
		if (json_object_object_get_ex(o, end ? "dst" : "src", &v) && v) {
			if (!json_object_is_type(v, json_type_string)) {
				pr_warn("%s: \"%s\" must be a string or null", where, end ? "dst" : "src");
				err = -EINVAL;
			} else {
				err = deny_spec_host(s, !end, json_object_get_string(v));
			}
		}
		if (!err && json_object_object_get_ex(o, end ? "dport" : "sport", &v) && v) {
			char num[16];

			if (!json_object_is_type(v, json_type_int)) {
				pr_warn("%s: \"%s\" must be a number or null", where, end ? "dport" : "sport");
				err = -EINVAL;
			} else {
				snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(v));
				err = deny_spec_port(s, !end, num);
			}
		}
	}
	if (!err && json_object_object_get_ex(o, "proto", &v) && v)
		err = json_object_is_type(v, json_type_string) ? deny_spec_proto(s, json_object_get_string(v))
							       : (pr_warn("%s: \"proto\" must be a string or null", where), -EINVAL);
	if (!err && json_object_object_get_ex(o, "app", &v) && v)
		err = spec_app_from_json(s, v, where);
out:
	json_object_put(o);
	json_tokener_free(tok);
	return err;
}
