// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "addr.h"
#include "app_json.h"
#include "deny.h"
#include "log.h"
#include "names.h"
#include "output.h"
#include "pins.h"
#include "state.h"

int deny_maps_open(const char *pin_dir, struct deny_maps *dm)
{
	dm->masks_fd = pins_open_map(pin_dir, IOTPROF_MAP_DENY_MASKS, true);
	dm->rules_fd = dm->masks_fd < 0 ? -1 : pins_open_map(pin_dir, IOTPROF_MAP_DENY_RULES, true);
	dm->settings_fd = dm->rules_fd < 0 ? -1 : pins_open_map(pin_dir, IOTPROF_MAP_SETTINGS, true);
	dm->strings_fd = dm->settings_fd < 0 ? -1 : pins_open_map(pin_dir, IOTPROF_MAP_NAME_STRINGS, true);
	if (dm->strings_fd < 0) {
		deny_maps_close(dm);
		return -ENOENT;
	}
	return 0;
}

void deny_maps_close(struct deny_maps *dm)
{
	int *fds[] = { &dm->masks_fd, &dm->rules_fd, &dm->settings_fd, &dm->strings_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* ---- building a spec ---------------------------------------------------- */

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

/* ---- masks and entries -------------------------------------------------- */

static void prefix_bytes(__u8 *to, const __u8 *from, __u32 bits)
{
	for (int b = 0; b < 16; b++) {
		__u32 keep = bits > 8u * b ? bits - 8u * b : 0;

		to[b] = keep >= 8 ? from[b] : from[b] & (__u8)(0xFF00 >> keep);
	}
}

/* The same rule seen from its other end. */
static struct deny_spec reversed(const struct deny_spec *s)
{
	struct deny_spec r = *s;
	__u32 f = s->fields;

	r.fields = f & ~(IOTPROF_DENY_SRC | IOTPROF_DENY_DST | IOTPROF_DENY_SRC_NAME |
			 IOTPROF_DENY_DST_NAME | IOTPROF_DENY_SPORT | IOTPROF_DENY_DPORT);
	r.fields |= (f & IOTPROF_DENY_SRC ? IOTPROF_DENY_DST : 0) | (f & IOTPROF_DENY_DST ? IOTPROF_DENY_SRC : 0) |
		    (f & IOTPROF_DENY_SRC_NAME ? IOTPROF_DENY_DST_NAME : 0) |
		    (f & IOTPROF_DENY_DST_NAME ? IOTPROF_DENY_SRC_NAME : 0) |
		    (f & IOTPROF_DENY_SPORT ? IOTPROF_DENY_DPORT : 0) | (f & IOTPROF_DENY_DPORT ? IOTPROF_DENY_SPORT : 0);
	memcpy(r.src, s->dst, 16);
	memcpy(r.dst, s->src, 16);
	r.src_prefix = s->dst_prefix;
	r.dst_prefix = s->src_prefix;
	memcpy(r.src_name, s->dst_name, sizeof(r.src_name));
	memcpy(r.dst_name, s->src_name, sizeof(r.dst_name));
	r.sport = s->dport;
	r.dport = s->sport;
	return r;
}

static struct iotprof_deny_mask mask_of(const struct deny_spec *s)
{
	struct iotprof_deny_mask m = { .fields = s->fields };

	if (s->fields & IOTPROF_DENY_SRC)
		m.src_prefix = s->src_prefix;
	if (s->fields & IOTPROF_DENY_DST)
		m.dst_prefix = s->dst_prefix;
	if (s->family && !(s->fields & (IOTPROF_DENY_SRC | IOTPROF_DENY_DST)))
		m.fields |= IOTPROF_DENY_FAMILY;
	if (s->fields & IOTPROF_DENY_APP_SUFFIX)
		m.suffix_labels = s->suffix_labels;
	if (s->fields & IOTPROF_DENY_APP_PREFIX)
		m.path_prefix = s->path_prefix;
	return m;
}

/* The slot of this mask, taking a free one when it is new: -ENOSPC when
 * all IOTPROF_DENY_MASKS_MAX are in use by other shapes. */
static int mask_slot(const struct deny_maps *dm, const struct iotprof_deny_mask *want, bool *fresh)
{
	int free_slot = -1;

	*fresh = false;
	for (__u32 i = 0; i < IOTPROF_DENY_MASKS_MAX; i++) {
		struct iotprof_deny_mask m;

		if (bpf_map_lookup_elem(dm->masks_fd, &i, &m))
			return -errno;
		if (m.fields == want->fields && m.src_prefix == want->src_prefix &&
		    m.dst_prefix == want->dst_prefix && m.suffix_labels == want->suffix_labels &&
		    m.path_prefix == want->path_prefix)
			return i;
		if (!m.fields && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -ENOSPC;
	*fresh = true;
	return bpf_map_update_elem(dm->masks_fd, &(__u32){ free_slot }, want, BPF_ANY) ? -errno : free_slot;
}

static void key_of(const struct deny_spec *s, int mask, struct iotprof_deny_key *k)
{
	memset(k, 0, sizeof(*k));
	if (s->fields & IOTPROF_DENY_SRC)
		prefix_bytes(k->src, s->src, s->src_prefix);
	if (s->fields & IOTPROF_DENY_DST)
		prefix_bytes(k->dst, s->dst, s->dst_prefix);
	if (s->fields & IOTPROF_DENY_SRC_NAME)
		k->src_name = name_id_of(s->src_name);
	if (s->fields & IOTPROF_DENY_DST_NAME)
		k->dst_name = name_id_of(s->dst_name);
	if (s->fields & IOTPROF_DENY_PROTO)
		k->proto = s->proto;
	if (s->fields & IOTPROF_DENY_SPORT)
		k->sport = s->sport;
	if (s->fields & IOTPROF_DENY_DPORT)
		k->dport = s->dport;
	if (s->family)
		k->family = s->family;
	if (s->fields & IOTPROF_DENY_APP_KIND)
		k->app_kind = s->app_kind;
	if (s->fields & (IOTPROF_DENY_APP_NAME | IOTPROF_DENY_APP_SUFFIX))
		k->app_name = s->app_name;
	if (s->fields & IOTPROF_DENY_APP_NUM)
		k->app_num = s->app_num;
	if (s->fields & (IOTPROF_DENY_APP_PATH | IOTPROF_DENY_APP_PREFIX))
		k->app_path = s->app_path;
	if (s->fields & IOTPROF_DENY_APP_SUB)
		k->app_sub = s->app_sub;
	k->mask = mask;
}

/* Marks the masks that hold entries as in use in the settings, frees the
 * others. */
static int masks_sync(const struct deny_maps *dm)
{
	unsigned int count[IOTPROF_DENY_MASKS_MAX] = {};
	struct iotprof_deny_key k, next;
	struct iotprof_config cfg;
	void *prev = NULL;
	int err;

	while (bpf_map_get_next_key(dm->rules_fd, prev, &next) == 0) {
		if (next.mask < IOTPROF_DENY_MASKS_MAX)
			count[next.mask]++;
		k = next;
		prev = &k;
	}
	err = settings_read(dm->settings_fd, &cfg);
	if (err)
		return err;
	cfg.deny_masks = 0;
	cfg.deny_span = 0;
	cfg.flags &= ~IOTPROF_CFG_DENY_NAMES;
	for (__u32 i = 0; i < IOTPROF_DENY_MASKS_MAX; i++) {
		struct iotprof_deny_mask m = {};

		if (!count[i]) {
			bpf_map_update_elem(dm->masks_fd, &i, &m, BPF_ANY);
			continue;
		}
		cfg.deny_masks |= 1u << i;
		cfg.deny_span = i + 1;
		if (!bpf_map_lookup_elem(dm->masks_fd, &i, &m) &&
		    m.fields & (IOTPROF_DENY_SRC_NAME | IOTPROF_DENY_DST_NAME))
			cfg.flags |= IOTPROF_CFG_DENY_NAMES;
	}
	return settings_write(dm->settings_fd, &cfg);
}

/* After an add: the two masks are in use (no need to count every rule). */
static int masks_mark_used(const struct deny_maps *dm, const struct deny_spec *s, __u8 a, __u8 b)
{
	struct iotprof_config cfg;
	int err = settings_read(dm->settings_fd, &cfg);

	if (err)
		return err;
	cfg.deny_masks |= 1u << a | 1u << b;
	if (cfg.deny_span < (__u32)(a > b ? a : b) + 1)
		cfg.deny_span = (a > b ? a : b) + 1;
	if (s->fields & (IOTPROF_DENY_SRC_NAME | IOTPROF_DENY_DST_NAME))
		cfg.flags |= IOTPROF_CFG_DENY_NAMES;
	return settings_write(dm->settings_fd, &cfg);
}

static int settings_take_id(const struct deny_maps *dm, __u32 *id)
{
	struct iotprof_config cfg;
	int err = settings_read(dm->settings_fd, &cfg);

	if (err)
		return err;
	*id = ++cfg.deny_next_id;
	return settings_write(dm->settings_fd, &cfg);
}

int deny_add(const struct deny_maps *dm, const struct deny_spec *s)
{
	struct deny_spec both[2] = { *s, reversed(s) };
	struct iotprof_deny_key keys[2];
	struct iotprof_deny_rule rule = { .owner = 0 };
	struct timespec now;
	int installed = 0, err = 0;
	__u32 id;

	if (!s->fields) {
		pr_warn("deny: a rule must name at least one field (see 'iotprof deny --help')");
		return -EINVAL;
	}
	for (int i = 0; i < 2; i++) {
		struct iotprof_deny_mask m = mask_of(&both[i]);
		bool fresh;
		int slot = mask_slot(dm, &m, &fresh);

		if (slot == -ENOSPC) {
			pr_warn("deny: too many rule shapes: all %d masks are in use by other kinds of rule",
				IOTPROF_DENY_MASKS_MAX);
			err = slot;
			goto out;
		}
		if (slot < 0) {
			err = slot;
			goto out;
		}
		key_of(&both[i], slot, &keys[i]);
	}
	err = settings_take_id(dm, &id);
	if (err)
		goto out;
	rule.id = id;
	if (s->lease_ns) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		rule.expires_ns = (__u64)now.tv_sec * 1000000000ull + now.tv_nsec + s->lease_ns;
	}
	/* Names the rule refers to, for listing it (URIs and paths by their
	 * hash: one table of strings serves both). */
	if (*s->app_path_text) {
		struct iotprof_name_string text = {};

		snprintf(text.name, sizeof(text.name), "%s", s->app_path_text);
		bpf_map_update_elem(dm->strings_fd, &s->app_path, &text, BPF_NOEXIST);
	}
	if (*s->app_name_text) {
		struct iotprof_name_string text = {};

		snprintf(text.name, sizeof(text.name), "%s", s->app_name_text);
		bpf_map_update_elem(dm->strings_fd, &s->app_name, &text, BPF_NOEXIST);
	}
	for (int i = 0; i < 2; i++) {
		const char *name = i ? s->dst_name : s->src_name;
		struct iotprof_name_string text = {};

		if (!*name)
			continue;
		snprintf(text.name, sizeof(text.name), "%s", name);
		bpf_map_update_elem(dm->strings_fd, &(__u32){ name_id_of(name) }, &text, BPF_NOEXIST);
	}
	for (int i = 0; i < 2; i++) {
		/* A symmetric rule is one entry: both directions give one key. */
		if (i == 1 && !memcmp(&keys[0], &keys[1], sizeof(keys[0])))
			break;
		rule.flags = i ? IOTPROF_DENY_RULE_REVERSE : 0;
		if (bpf_map_update_elem(dm->rules_fd, &keys[i], &rule, BPF_NOEXIST)) {
			err = -errno;
			pr_warn("deny: %s", err == -EEXIST ? "the same rule is already installed"
							   : strerror(-err));
			goto out;
		}
		installed++;
	}
out:
	if (err) {
		for (int i = 0; i < installed; i++)
			bpf_map_delete_elem(dm->rules_fd, &keys[i]);
		masks_sync(dm);		/* frees a mask taken for nothing */
		return err;
	}
	return masks_mark_used(dm, s, keys[0].mask, keys[1].mask) ?: (int)id;
}

int deny_del(const struct deny_maps *dm, __u32 id)
{
	struct iotprof_deny_key k, next, doomed[64];
	struct iotprof_deny_rule r;
	void *prev = NULL;
	int n = 0;

	while (n < 64 && bpf_map_get_next_key(dm->rules_fd, prev, &next) == 0) {
		if (!bpf_map_lookup_elem(dm->rules_fd, &next, &r) && r.id == id)
			doomed[n++] = next;
		k = next;
		prev = &k;
	}
	for (int i = 0; i < n; i++)
		bpf_map_delete_elem(dm->rules_fd, &doomed[i]);
	masks_sync(dm);
	return n ? 0 : -ENOENT;
}

int deny_renew(const struct deny_maps *dm, __u32 id, __u64 lease_ns, __u32 owner)
{
	struct iotprof_deny_key k, next;
	struct iotprof_deny_rule r;
	struct timespec now;
	void *prev = NULL;
	int n = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	while (bpf_map_get_next_key(dm->rules_fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(dm->rules_fd, &k, &r) || r.id != id)
			continue;
		r.expires_ns = lease_ns ? (__u64)now.tv_sec * 1000000000ull + now.tv_nsec + lease_ns : 0;
		r.owner = owner;
		if (!bpf_map_update_elem(dm->rules_fd, &k, &r, BPF_EXIST))
			n++;
	}
	return n ? 0 : -ENOENT;
}

int deny_flush(const struct deny_maps *dm)
{
	struct iotprof_deny_key k;

	while (bpf_map_get_next_key(dm->rules_fd, NULL, &k) == 0)
		if (bpf_map_delete_elem(dm->rules_fd, &k))
			return -errno;
	return masks_sync(dm);
}

/* ---- listing ------------------------------------------------------------ */

struct rule_row {
	struct iotprof_deny_key key;
	struct iotprof_deny_rule val;	/* counters summed over both directions */
	struct iotprof_deny_mask mask;
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
static void app_text(const struct deny_maps *dm, const struct rule_row *r, char *buf, size_t len)
{
	static const char *const kinds[] = { "-", "dns", "tls", "http", "coap" };
	static const char *const coap_types[] = { "CON", "NON", "ACK", "RST" };
	struct iotprof_name_string name = {}, path = {};
	__u32 f = r->mask.fields;
	char num[16] = "", tbuf[12];
	size_t o;

	if (!(f & IOTPROF_DENY_APP_KIND)) {
		snprintf(buf, len, "*");
		return;
	}
	if (f & (IOTPROF_DENY_APP_NAME | IOTPROF_DENY_APP_SUFFIX) &&
	    bpf_map_lookup_elem(dm->strings_fd, &r->key.app_name, &name))
		snprintf(name.name, sizeof(name.name), "name#%u", r->key.app_name);
	if (f & (IOTPROF_DENY_APP_PATH | IOTPROF_DENY_APP_PREFIX) &&
	    bpf_map_lookup_elem(dm->strings_fd, &r->key.app_path, &path))
		snprintf(path.name, sizeof(path.name), "path#%u", r->key.app_path);
	if (f & IOTPROF_DENY_APP_NUM) {
		if (r->key.app_kind == IOTPROF_APP_DNS)
			snprintf(num, sizeof(num), "%s", dns_type_name(r->key.app_num, tbuf));
		else if (r->key.app_kind == IOTPROF_APP_COAP)
			snprintf(num, sizeof(num), "%u.%02u", r->key.app_num >> 5, r->key.app_num & 31);
		else
			snprintf(num, sizeof(num), "method#%u", r->key.app_num);
	}
	o = snprintf(buf, len, "%s", kinds[r->key.app_kind <= 4 ? r->key.app_kind : 0]);
	if (f & IOTPROF_DENY_APP_SUB && o < len)
		o += snprintf(buf + o, len - o, " %s", coap_types[r->key.app_sub & 3]);
	if (*num && o < len)
		o += snprintf(buf + o, len - o, " %s", num);
	if (*name.name && o < len)
		o += snprintf(buf + o, len - o, " %.200s", name.name);
	if (*path.name && o < len)
		snprintf(buf + o, len - o, " %.200s", path.name);
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
			(*rows)[i].val.expires_ns = v.expires_ns;
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
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	if (!json)
		fprintf(out, "%4s  %-28s  %-28s  %-6s  %5s  %5s  %9s  %10s  %-8s  %s\n", "ID", "SOURCE",
			"DESTINATION", "PROTO", "SPORT", "DPORT", "PACKETS", "BYTES", "LEASE", "APPLICATION");
	for (size_t i = 0; i < n; i++) {
		const struct rule_row *r = &rows[i];
		char src[256], dst[256], proto[8] = "*", sport[8] = "*", dport[8] = "*", lease[32];
		char app[512];
		__s64 left = r->val.expires_ns ? (__s64)(r->val.expires_ns - now) : 0;

		host_text(dm, r, true, src, sizeof(src));
		host_text(dm, r, false, dst, sizeof(dst));
		app_text(dm, r, app, sizeof(app));
		if (r->mask.fields & IOTPROF_DENY_PROTO) {
			char pbuf[8];

			snprintf(proto, sizeof(proto), "%s", proto_name(r->key.proto, pbuf));
		}
		if (r->mask.fields & IOTPROF_DENY_SPORT)
			snprintf(sport, sizeof(sport), "%u", r->key.sport);
		if (r->mask.fields & IOTPROF_DENY_DPORT)
			snprintf(dport, sizeof(dport), "%u", r->key.dport);
		if (!r->val.expires_ns)
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
			json_object_object_add(o, "app", strcmp(app, "*") ? json_object_new_string(app) : NULL);
			json_object_object_add(o, "packets", json_object_new_int64(r->val.packets));
			json_object_object_add(o, "bytes", json_object_new_int64(r->val.bytes));
			json_object_object_add(o, "lease_s", r->val.expires_ns ?
					       json_object_new_int64(left > 0 ? left / 1000000000ll : 0) : NULL);
			json_object_object_add(o, "expired", json_object_new_boolean(r->val.expires_ns && left <= 0));
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
