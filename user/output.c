// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "app_json.h"
#include "output.h"

const char *proto_name(__u8 proto, char buf[8])
{
	switch (proto) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmpv6";
	default:
		snprintf(buf, 8, "%u", proto);
		return buf;
	}
}

#define MAX(a, b) ((a) > (b) ? (a) : (b))

static bool has_ports(__u8 proto)
{
	return proto == 6 || proto == 17;
}

/* The initiator's and the responder's endpoints of a record. */
static void endpoints(const struct flow_entry *e, const __u8 **src, __u16 *sport,
		      const __u8 **dst, __u16 *dport)
{
	bool lo_first = e->val.initiator == IOTPROF_SIDE_LO;

	*src = lo_first ? e->key.addr_lo : e->key.addr_hi;
	*dst = lo_first ? e->key.addr_hi : e->key.addr_lo;
	*sport = lo_first ? e->key.port_lo : e->key.port_hi;
	*dport = lo_first ? e->key.port_hi : e->key.port_lo;
}

static struct json_object *pair(__u64 a, __u64 b)
{
	struct json_object *arr = json_object_new_array_ext(2);

	json_object_array_add(arr, json_object_new_int64((int64_t)a));
	json_object_array_add(arr, json_object_new_int64((int64_t)b));
	return arr;
}

/* The text of a name id, or NULL. */
static const char *name_text(const struct output_ctx *ctx, __u32 id, struct iotprof_name_string *buf)
{
	if (!id || ctx->name_strings_fd < 0 ||
	    bpf_map_lookup_elem(ctx->name_strings_fd, &id, buf))
		return NULL;
	buf->name[sizeof(buf->name) - 1] = 0;
	return buf->name;
}

static struct json_object *name_json(const struct output_ctx *ctx, __u32 id)
{
	struct iotprof_name_string buf;
	const char *text = name_text(ctx, id, &buf);

	return text ? json_kernel_string(text, sizeof(buf.name)) : NULL;
}

struct json_object *json_u64_string(__u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, (uint64_t)v);
	return json_object_new_string(buf);
}

struct json_object *flow_to_json(const struct flow_entry *e, const struct output_ctx *ctx)
{
	__s64 clock_offset_ns = ctx->clock_offset_ns;
	struct json_object *o = json_object_new_object();
	char sbuf[ADDR_STR_MAX], dbuf[ADDR_STR_MAX], pbuf[8];
	const __u8 *src, *dst;
	__u16 sport, dport;

	endpoints(e, &src, &sport, &dst, &dport);
	json_object_object_add(o, "v", json_object_new_int(OUTPUT_JSON_VERSION));
	json_object_object_add(o, "proto", json_object_new_string(proto_name(e->key.proto, pbuf)));
	json_object_object_add(o, "family", json_object_new_int(e->key.family));
	json_object_object_add(o, "src", json_object_new_string(addr_format(src, e->key.family, sbuf)));
	json_object_object_add(o, "dst", json_object_new_string(addr_format(dst, e->key.family, dbuf)));
	json_object_object_add(o, "sport", has_ports(e->key.proto) ? json_object_new_int(sport) : NULL);
	json_object_object_add(o, "dport", has_ports(e->key.proto) ? json_object_new_int(dport) : NULL);
	json_object_object_add(o, "packets", pair(e->val.packets[0], e->val.packets[1]));
	json_object_object_add(o, "bytes", pair(e->val.bytes[0], e->val.bytes[1]));
	json_object_object_add(o, "first_ns", json_u64_string(e->val.first_ns + clock_offset_ns));
	json_object_object_add(o, "last_ns", json_u64_string(e->val.last_ns + clock_offset_ns));
	json_object_object_add(o, "epoch", json_object_new_int64(e->val.epoch));
	json_object_object_add(o, "blocked", json_object_new_int64(e->val.blocked));
	json_object_object_add(o, "src_name", name_json(ctx, e->val.name_id[IOTPROF_DIR_FWD]));
	json_object_object_add(o, "dst_name", name_json(ctx, e->val.name_id[IOTPROF_DIR_REV]));
	json_object_object_add(o, "app", app_to_json(&e->val.app));
	return o;
}

void output_flows_json(FILE *out, const struct flow_table *t, const struct output_ctx *ctx)
{
	for (size_t i = 0; i < t->n; i++) {
		struct json_object *o = flow_to_json(&t->v[i], ctx);

		fprintf(out, "%s\n", json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
}

static void format_endpoint(char *buf, size_t len, const __u8 *addr, __u8 family,
			    __u16 port, bool ports)
{
	char a[ADDR_STR_MAX];

	addr_format(addr, family, a);
	if (!ports)
		snprintf(buf, len, "%s", a);
	else if (family == 6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
}

/* One short line of a record's application data for the table. */
static void app_summary(const struct flow_entry *e, const struct output_ctx *ctx, char *buf, size_t len)
{
	const struct iotprof_app *a = &e->val.app;
	struct iotprof_name_string name;
	const char *dst_name = name_text(ctx, e->val.name_id[IOTPROF_DIR_REV], &name);
	char tbuf[12];

	switch (a->kind) {
	case IOTPROF_APP_DNS:
		snprintf(buf, len, "dns %s %.200s%s", dns_type_name(a->dns.qtype, tbuf), a->dns.qname,
			 a->dns.response ? (a->dns.n_answers ? " (answered)" : " (no answer)") : "");
		break;
	case IOTPROF_APP_TLS:
		snprintf(buf, len, "tls sni=%.200s", a->tls.sni[0] ? a->tls.sni : "-");
		break;
	case IOTPROF_APP_HTTP:
		snprintf(buf, len, "http %s %.120s host=%.100s", a->http.method, a->http.uri,
			 a->http.host[0] ? a->http.host : "-");
		break;
	case IOTPROF_APP_COAP:
		snprintf(buf, len, "coap %s %u.%02u %.200s",
			 (const char *[]){ "CON", "NON", "ACK", "RST" }[a->coap.type & 3],
			 a->coap.code >> 5, a->coap.code & 0x1F, a->coap.uri[0] ? a->coap.uri : "/");
		break;
	default:
		snprintf(buf, len, "%s", dst_name ? dst_name : "");
		return;
	}
}

void output_flows_table(FILE *out, const struct flow_table *t, const struct output_ctx *ctx)
{
	int wsrc = strlen("INITIATOR"), wdst = strlen("RESPONDER"), wpk = 11, wby = 9;
	char (*cells)[4][64] = calloc(t->n ? t->n : 1, sizeof(*cells));
	char pbuf[8];

	if (!cells)
		return;
	/* Two passes: columns as wide as their widest cell, no wider. */
	for (size_t i = 0; i < t->n; i++) {
		const struct flow_entry *e = &t->v[i];
		const __u8 *s, *d;
		__u16 sp, dp;

		endpoints(e, &s, &sp, &d, &dp);
		format_endpoint(cells[i][0], 64, s, e->key.family, sp, has_ports(e->key.proto));
		format_endpoint(cells[i][1], 64, d, e->key.family, dp, has_ports(e->key.proto));
		snprintf(cells[i][2], 64, "%" PRIu64 "/%" PRIu64, (uint64_t)e->val.packets[0],
			 (uint64_t)e->val.packets[1]);
		snprintf(cells[i][3], 64, "%" PRIu64 "/%" PRIu64, (uint64_t)e->val.bytes[0],
			 (uint64_t)e->val.bytes[1]);
		wsrc = MAX(wsrc, (int)strlen(cells[i][0]));
		wdst = MAX(wdst, (int)strlen(cells[i][1]));
		wpk = MAX(wpk, (int)strlen(cells[i][2]));
		wby = MAX(wby, (int)strlen(cells[i][3]));
	}
	fprintf(out, "%-6s  %-*s  %-*s  %*s  %*s  %5s  %s\n", "PROTO", wsrc, "INITIATOR", wdst,
		"RESPONDER", wpk, "PACKETS >/<", wby, "BYTES >/<", "EPOCH", "NAME / APPLICATION");
	for (size_t i = 0; i < t->n; i++) {
		char app[512];

		app_summary(&t->v[i], ctx, app, sizeof(app));
		fprintf(out, "%-6s  %-*s  %-*s  %*s  %*s  %5u  %s\n",
			proto_name(t->v[i].key.proto, pbuf), wsrc, cells[i][0], wdst, cells[i][1],
			wpk, cells[i][2], wby, cells[i][3], t->v[i].val.epoch, app);
	}
	fprintf(out, "%zu flows\n", t->n);
	free(cells);
}

__s64 clock_monotonic_to_unix_offset(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return ((__s64)real.tv_sec - mono.tv_sec) * 1000000000ll + (real.tv_nsec - mono.tv_nsec);
}
