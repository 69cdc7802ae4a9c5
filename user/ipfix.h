/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPFIX export (RFC 7011) with libfixbuf: flow records to the collectors
 * an operator already runs (nfcapd, nfacctd, YAF's tools, ...).  A
 * bidirectional iotprof record becomes one IPFIX record per direction that
 * carried packets, marked with biflowDirection (1: the initiator's, 2: the
 * responder's), in the template of its address family.  Standard IEs carry
 * addresses, ports, protocol, counters, times, TCP flags and the end
 * reason; the application data (DNS name, TLS SNI, HTTP method, URI and
 * Host, CoAP path and code) and the host names of the ends are
 * enterprise-specific IEs under one Private Enterprise Number.  The
 * templates are published in docs/IPFIX.md.
 */
#ifndef IOTPROF_IPFIX_H
#define IOTPROF_IPFIX_H

#include <stdbool.h>
#include "flows.h"
#include "follow.h"

/* RFC 5612's enterprise number for documentation and examples: the
 * default until an operator gives its own with --pen. */
#define IPFIX_PEN_DEFAULT 32473

struct ipfix_opts {
	const char *host, *port;	/* the collector, over UDP */
	__u32 pen;			/* the enterprise number of our IEs */
	__u32 domain;			/* observation domain ID */
	__s64 clock_offset_ns;		/* added to record times: monotonic -> Unix live, 0 offline */
	int name_strings_fd;		/* host names of the ends; -1: none */
};

struct ipfix;

/* Opens the UDP socket and sends the templates.  Says why and
 * returns NULL on failure. */
struct ipfix *ipfix_open(const struct ipfix_opts *o);

/* Sends the records of one iotprof record: its counters minus
 * `reported` (what an earlier export of it already sent; NULL: nothing).
 * why: why the flow ended (FOLLOW_END_NONE: a snapshot; a closed TCP
 * connection is then "end of flow detected", any other "forced end"). */
int ipfix_add(struct ipfix *x, const struct flow_entry *e, const struct iotprof_flow *reported,
	      enum follow_end_reason why);

/* Sends what is buffered (and, every 30 s or with `templates`, the
 * templates again: a UDP collector may have missed them). */
int ipfix_flush(struct ipfix *x, bool templates);

/* Records sent so far. */
__u64 ipfix_records(const struct ipfix *x);

void ipfix_close(struct ipfix *x);

/* Parses "HOST:PORT", "[IPV6]:PORT" or "HOST" (port 4739) into the opts,
 * pointing into a copy kept in buf. */
int ipfix_parse_target(const char *text, char *buf, size_t len, struct ipfix_opts *o);

/* `iotprof export --ipfix ...`: the command (user/cmd_export_ipfix.c). */
int ipfix_cmd(int argc, char **argv, const char *pin_dir);

#endif
