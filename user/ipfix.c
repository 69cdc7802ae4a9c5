// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <fixbuf/public.h>
#include "app_json.h"
#include "ipfix.h"
#include "log.h"

#define IPFIX_PORT_DEFAULT "4739"
#define TEMPLATE_REFRESH_S 30

/* flowEndReason (RFC 7012) */
#define END_IDLE 1
#define END_DETECTED 3
#define END_FORCED 4
#define END_RESOURCES 5

/* biflowDirection (RFC 7012) */
#define BIFLOW_INITIATOR 1
#define BIFLOW_REVERSE_INITIATOR 2

/* The enterprise-specific IEs, numbered under the PEN (docs/IPFIX.md). */
static const fbInfoElement_t iotprof_ies[] = {
	FB_IE_INIT_FULL("iotprofDnsQueryName", 0, 1, FB_IE_VARLEN, FB_IE_DEFAULT, 0, 0, FB_STRING,
			"DNS: the name asked for"),
	FB_IE_INIT_FULL("iotprofDnsQueryType", 0, 2, 2, FB_IE_IDENTIFIER | FB_IE_F_ENDIAN, 0, 0, FB_UINT_16,
			"DNS: the type asked for (1 A, 28 AAAA, ...)"),
	FB_IE_INIT_FULL("iotprofTlsServerName", 0, 3, FB_IE_VARLEN, FB_IE_DEFAULT, 0, 0, FB_STRING,
			"TLS: the ClientHello's server_name (SNI)"),
	FB_IE_INIT_FULL("iotprofHttpMethod", 0, 4, FB_IE_VARLEN, FB_IE_DEFAULT, 0, 0, FB_STRING,
			"HTTP: the request's method"),
	FB_IE_INIT_FULL("iotprofHttpUri", 0, 5, FB_IE_VARLEN, FB_IE_DEFAULT, 0, 0, FB_STRING,
			"HTTP: the request's target (URI)"),
	FB_IE_INIT_FULL("iotprofHttpHost", 0, 6, FB_IE_VARLEN, FB_IE_DEFAULT, 0, 0, FB_STRING,
			"HTTP: the request's Host header"),
	FB_IE_INIT_FULL("iotprofCoapUriPath", 0, 7, FB_IE_VARLEN, FB_IE_DEFAULT, 0, 0, FB_STRING,
			"CoAP: the request's Uri-Path, as /a/b"),
	FB_IE_INIT_FULL("iotprofCoapCode", 0, 8, 1, FB_IE_IDENTIFIER, 0, 0, FB_UINT_8,
			"CoAP: the request's code (class << 5 | detail)"),
	FB_IE_INIT_FULL("iotprofSourceHostName", 0, 9, FB_IE_VARLEN, FB_IE_DEFAULT, 0, 0, FB_STRING,
			"the source's host name, learned from DNS answers or TLS SNI"),
	FB_IE_INIT_FULL("iotprofDestinationHostName", 0, 10, FB_IE_VARLEN, FB_IE_DEFAULT, 0, 0, FB_STRING,
			"the destination's host name, learned from DNS answers or TLS SNI"),
	FB_IE_INIT_FULL("iotprofEpoch", 0, 11, 4, FB_IE_IDENTIFIER | FB_IE_F_ENDIAN, 0, 0, FB_UINT_32,
			"the trace epoch the packets were counted in"),
	FB_IE_NULL
};

/* The record in memory: the internal template, IE for IE. */
struct record {
	uint64_t start_ms, end_ms;
	uint64_t octets, packets, l2_octets;
	uint8_t  src6[16], dst6[16];
	uint32_t src4, dst4;		/* host order: fixbuf converts */
	uint32_t epoch;
	uint16_t sport, dport;
	uint16_t tcp_flags;
	uint16_t dns_qtype;
	uint8_t  proto, biflow, end_reason, coap_code;
	fbVarfield_t dns_qname, tls_sni, http_method, http_uri, http_host, coap_uri, src_name, dst_name;
};

#define V4 1
#define V6 2
static fbInfoElementSpec_t record_spec[] = {
	{ "flowStartMilliseconds", 8, 0 },
	{ "flowEndMilliseconds", 8, 0 },
	{ "octetDeltaCount", 8, 0 },
	{ "packetDeltaCount", 8, 0 },
	{ "layer2OctetDeltaCount", 8, 0 },
	{ "sourceIPv6Address", 16, V6 },
	{ "destinationIPv6Address", 16, V6 },
	{ "sourceIPv4Address", 4, V4 },
	{ "destinationIPv4Address", 4, V4 },
	{ "iotprofEpoch", 4, 0 },
	{ "sourceTransportPort", 2, 0 },
	{ "destinationTransportPort", 2, 0 },
	{ "tcpControlBits", 2, 0 },
	{ "iotprofDnsQueryType", 2, 0 },
	{ "protocolIdentifier", 1, 0 },
	{ "biflowDirection", 1, 0 },
	{ "flowEndReason", 1, 0 },
	{ "iotprofCoapCode", 1, 0 },
	{ "iotprofDnsQueryName", FB_IE_VARLEN, 0 },
	{ "iotprofTlsServerName", FB_IE_VARLEN, 0 },
	{ "iotprofHttpMethod", FB_IE_VARLEN, 0 },
	{ "iotprofHttpUri", FB_IE_VARLEN, 0 },
	{ "iotprofHttpHost", FB_IE_VARLEN, 0 },
	{ "iotprofCoapUriPath", FB_IE_VARLEN, 0 },
	{ "iotprofSourceHostName", FB_IE_VARLEN, 0 },
	{ "iotprofDestinationHostName", FB_IE_VARLEN, 0 },
	FB_IESPEC_NULL
};

struct ipfix {
	fbInfoModel_t *model;
	fbInfoElement_t ies[sizeof(iotprof_ies) / sizeof(iotprof_ies[0])];
	fbSession_t *session;
	fBuf_t *buf;
	uint16_t tid_internal, tid_v4, tid_v6;
	const struct ipfix_opts *o;
	__u64 records;
	time_t templates_sent;
	/* Text of the current record's strings (escaped, see below). */
	char text[8][4 * IOTPROF_NAME_MAX + 1];
};

static void warn_gerror(const char *what, GError *err)
{
	pr_warn("ipfix: %s: %s", what, err ? err->message : "unknown error");
	g_clear_error(&err);
}

/* libfixbuf speaks through GLib's log ("** WARNING **: I/O error on UDP
 * send"): one line of ours instead. */
static void glib_log(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
	(void)domain;
	(void)data;
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
		pr_warn("ipfix: %s", message);
	else
		pr_debug("ipfix: %s", message);
}

static uint16_t add_template(struct ipfix *x, uint32_t flags, gboolean internal, GError **err)
{
	fbTemplate_t *t = fbTemplateAlloc(x->model);

	if (!fbTemplateAppendSpecArray(t, record_spec, flags, err)) {
		fbTemplateFreeUnused(t);
		return 0;
	}
	return fbSessionAddTemplate(x->session, internal, FB_TID_AUTO, t, err);
}

struct ipfix *ipfix_open(const struct ipfix_opts *o)
{
	fbConnSpec_t spec = FB_CONNSPEC_INIT;
	struct ipfix *x = calloc(1, sizeof(*x));
	fbExporter_t *exporter;
	GError *err = NULL;

	if (!x)
		return NULL;
	x->o = o;
	g_log_set_default_handler(glib_log, NULL);
	x->model = fbInfoModelAlloc();
	memcpy(x->ies, iotprof_ies, sizeof(iotprof_ies));
	for (size_t i = 0; x->ies[i].ref.name; i++)
		x->ies[i].ent = o->pen;
	fbInfoModelAddElementArray(x->model, x->ies);
	x->session = fbSessionAlloc(x->model);
	fbSessionSetDomain(x->session, o->domain);
	spec.transport = FB_UDP;
	spec.host = (char *)o->host;
	spec.svc = (char *)o->port;
	exporter = fbExporterAllocNet(&spec);
	if (!exporter) {
		pr_warn("ipfix: cannot send to the collector %s port %s (UDP)", o->host, o->port);
		goto fail;
	}
	x->buf = fBufAllocForExport(x->session, exporter);	/* owns session and exporter now */
	x->tid_internal = add_template(x, V4 | V6, TRUE, &err);
	if (x->tid_internal)
		x->tid_v4 = add_template(x, V4, FALSE, &err);
	if (x->tid_v4)
		x->tid_v6 = add_template(x, V6, FALSE, &err);
	if (!x->tid_v6 || !fBufSetInternalTemplate(x->buf, x->tid_internal, &err)) {
		warn_gerror("templates", err);
		goto fail;
	}
	if (ipfix_flush(x, true))
		goto fail;
	return x;
fail:
	ipfix_close(x);
	return NULL;
}

/* A kernel string as IPFIX text: UTF-8 whatever was on the wire (bytes
 * that are not printable ASCII become \xNN, as in the JSON). */
static void set_text(struct ipfix *x, int slot, fbVarfield_t *v, const char *s, size_t max)
{
	struct json_object *j;

	if (!s || !*s) {
		v->len = 0;
		v->buf = NULL;
		return;
	}
	j = json_kernel_string(s, max);
	snprintf(x->text[slot], sizeof(x->text[slot]), "%s", json_object_get_string(j));
	json_object_put(j);
	v->buf = (uint8_t *)x->text[slot];
	v->len = strlen(x->text[slot]);
}

static const char *name_of(const struct ipfix *x, __u32 id, struct iotprof_name_string *buf)
{
	if (!id || x->o->name_strings_fd < 0 || bpf_map_lookup_elem(x->o->name_strings_fd, &id, buf))
		return NULL;
	buf->name[sizeof(buf->name) - 1] = 0;
	return buf->name;
}

static uint8_t end_reason(const struct flow_entry *e, enum follow_end_reason why)
{
	const __u8 *fl = e->val.tcp_flags;
	bool closed = e->key.proto == 6 && (((fl[0] | fl[1]) & 0x04) || (fl[0] & fl[1] & 0x01));

	switch (why) {
	case FOLLOW_END_IDLE:
		return END_IDLE;
	case FOLLOW_END_FIN:
		return END_DETECTED;
	case FOLLOW_END_EVICTED:
		return END_RESOURCES;
	default:
		return closed ? END_DETECTED : END_FORCED;
	}
}

/* The application data goes with the initiator's direction: it is what
 * the initiator asked. */
static void set_app(struct ipfix *x, struct record *r, const struct iotprof_app *a)
{
	set_text(x, 0, &r->dns_qname, a->kind == IOTPROF_APP_DNS ? a->dns.qname : NULL, IOTPROF_NAME_MAX);
	r->dns_qtype = a->kind == IOTPROF_APP_DNS ? a->dns.qtype : 0;
	set_text(x, 1, &r->tls_sni, a->kind == IOTPROF_APP_TLS ? a->tls.sni : NULL, IOTPROF_NAME_MAX);
	set_text(x, 2, &r->http_method, a->kind == IOTPROF_APP_HTTP ? a->http.method : NULL, IOTPROF_METHOD_MAX);
	set_text(x, 3, &r->http_uri, a->kind == IOTPROF_APP_HTTP ? a->http.uri : NULL, IOTPROF_URI_MAX);
	set_text(x, 4, &r->http_host, a->kind == IOTPROF_APP_HTTP ? a->http.host : NULL, IOTPROF_NAME_MAX);
	set_text(x, 5, &r->coap_uri, a->kind == IOTPROF_APP_COAP ? (a->coap.uri[0] ? a->coap.uri : "/") : NULL,
		 IOTPROF_URI_MAX);
	r->coap_code = a->kind == IOTPROF_APP_COAP ? a->coap.code : 0;
}

int ipfix_add(struct ipfix *x, const struct flow_entry *e, const struct iotprof_flow *reported,
	      enum follow_end_reason why)
{
	bool lo_first = e->val.initiator == IOTPROF_SIDE_LO, v4 = e->key.family == 4;
	const __u8 *ends[2] = { lo_first ? e->key.addr_lo : e->key.addr_hi,
				lo_first ? e->key.addr_hi : e->key.addr_lo };
	__u16 ports[2] = { lo_first ? e->key.port_lo : e->key.port_hi,
			   lo_first ? e->key.port_hi : e->key.port_lo };
	struct iotprof_name_string names[2];
	const char *name[2] = { name_of(x, e->val.name_id[IOTPROF_DIR_FWD], &names[0]),
				name_of(x, e->val.name_id[IOTPROF_DIR_REV], &names[1]) };
	__s64 off = x->o->clock_offset_ns;
	GError *err = NULL;

	for (int d = 0; d < 2; d++) {
		__u64 packets = e->val.packets[d] - (reported ? reported->packets[d] : 0);
		__u64 bytes = e->val.bytes[d] - (reported ? reported->bytes[d] : 0);
		struct record r = {};
		int s = d, t = !d;	/* source and destination: the initiator's side first */

		if (!packets || packets > e->val.packets[d])
			continue;
		r.start_ms = (e->val.first_ns + off) / 1000000;
		r.end_ms = (e->val.last_ns + off) / 1000000;
		/* iotprof counts frames on the wire; octetDeltaCount carries the
		 * same number, so that collectors which read only it show what
		 * `iotprof flows` shows (docs/IPFIX.md). */
		r.octets = bytes;
		r.l2_octets = bytes;
		r.packets = packets;
		if (v4) {
			r.src4 = ntohl(*(const uint32_t *)ends[s]);
			r.dst4 = ntohl(*(const uint32_t *)ends[t]);
		} else {
			memcpy(r.src6, ends[s], 16);
			memcpy(r.dst6, ends[t], 16);
		}
		r.sport = ports[s];
		r.dport = ports[t];
		r.proto = e->key.proto;
		r.tcp_flags = e->val.tcp_flags[d];
		r.epoch = e->val.epoch;
		r.biflow = d == IOTPROF_DIR_FWD ? BIFLOW_INITIATOR : BIFLOW_REVERSE_INITIATOR;
		r.end_reason = end_reason(e, why);
		if (d == IOTPROF_DIR_FWD)
			set_app(x, &r, &e->val.app);
		else
			set_app(x, &r, &(struct iotprof_app){});
		set_text(x, 6, &r.src_name, name[s], IOTPROF_NAME_MAX);
		set_text(x, 7, &r.dst_name, name[t], IOTPROF_NAME_MAX);
		if (!fBufSetExportTemplate(x->buf, v4 ? x->tid_v4 : x->tid_v6, &err) ||
		    !fBufAppend(x->buf, (uint8_t *)&r, sizeof(r), &err)) {
			warn_gerror("sending a record", err);
			return -EIO;
		}
		x->records++;
	}
	return 0;
}

int ipfix_flush(struct ipfix *x, bool templates)
{
	GError *err = NULL;

	if (templates || time(NULL) - x->templates_sent >= TEMPLATE_REFRESH_S) {
		if (!fbSessionExportTemplates(x->session, &err)) {
			warn_gerror("sending the templates", err);
			return -EIO;
		}
		x->templates_sent = time(NULL);
	}
	if (!fBufEmit(x->buf, &err)) {
		warn_gerror("sending", err);
		return -EIO;
	}
	return 0;
}

__u64 ipfix_records(const struct ipfix *x)
{
	return x->records;
}

void ipfix_close(struct ipfix *x)
{
	if (!x)
		return;
	if (x->buf)
		fBufFree(x->buf);
	else if (x->session)
		fbSessionFree(x->session);
	if (x->model)
		fbInfoModelFree(x->model);
	free(x);
}

int ipfix_parse_target(const char *text, char *buf, size_t len, struct ipfix_opts *o)
{
	char *colon, *end;
	unsigned long port;

	if (!*text || strlen(text) >= len)
		goto bad;
	strcpy(buf, text);
	o->port = IPFIX_PORT_DEFAULT;
	if (buf[0] == '[') {		/* [IPv6]:PORT */
		end = strchr(buf, ']');
		if (!end || (end[1] && end[1] != ':'))
			goto bad;
		*end = 0;
		o->host = buf + 1;
		if (end[1])
			o->port = end + 2;
	} else {
		colon = strrchr(buf, ':');
		if (colon && strchr(buf, ':') != colon)	/* a bare IPv6 address */
			colon = NULL;
		o->host = buf;
		if (colon) {
			*colon = 0;
			o->port = colon + 1;
		}
	}
	port = strtoul(o->port, &end, 10);
	if (!*o->host || *end || !*o->port || !port || port > 65535)
		goto bad;
	return 0;
bad:
	pr_warn("ipfix: '%s' is not HOST:PORT (a name or address, and a port from 1 to 65535)", text);
	return -EINVAL;
}
