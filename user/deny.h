/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Deny rules from user space: a rule is written as a spec, checked whole
 * before anything is installed, stored as two entries (both directions)
 * under the masks that fit them, and removed by its number.
 */
#ifndef IOTPROF_DENY_H
#define IOTPROF_DENY_H

#include <stdbool.h>
#include <stdio.h>
#include "iotprof_abi.h"

#define DENY_LEASE_DEFAULT_S 600	/* 10 minutes */

struct deny_spec {
	__u32 fields;			/* IOTPROF_DENY_* */
	__u8  family;			/* 0 until an address sets it */
	__u8  src[16], dst[16];
	__u8  src_prefix, dst_prefix;
	char  src_name[IOTPROF_NAME_MAX];
	char  dst_name[IOTPROF_NAME_MAX];
	__u8  proto;
	__u16 sport, dport;
	__u8  app_kind;			/* with IOTPROF_DENY_APP_KIND */
	__u8  app_sub;
	__u16 app_num;
	__u32 app_name, app_path;
	__u8  suffix_labels;		/* with IOTPROF_DENY_APP_SUFFIX */
	__u8  path_prefix;		/* with IOTPROF_DENY_APP_PREFIX */
	char  app_name_text[IOTPROF_NAME_MAX];	/* for listing the rule */
	char  app_method_text[IOTPROF_METHOD_MAX];
	char  app_path_text[IOTPROF_URI_MAX];
	__u64 lease_ns;			/* 0: none */
};

/* The maps a rule needs, opened from the pin directory.  lock_fd, the pin
 * directory itself, serialises the processes that change rules (flock);
 * -1 for private maps (offline runs, tests). */
struct deny_maps {
	int masks_fd, rules_fd, leases_fd, settings_fd, strings_fd, lock_fd;
};

int deny_maps_open(const char *pin_dir, struct deny_maps *dm);
void deny_maps_close(struct deny_maps *dm);

/* Sets one end of a rule from "ADDR", "ADDR/PREFIX" or a host name.
 * Returns 0, or -EINVAL having said what is wrong. */
int deny_spec_host(struct deny_spec *s, bool src, const char *text);
int deny_spec_proto(struct deny_spec *s, const char *text);
int deny_spec_port(struct deny_spec *s, bool src, const char *text);

/* Application data: each sets the protocol and the fields it is given
 * (NULL: any).  A DNS name may be "*.suffix" (any name below it); an HTTP
 * URI ending in "*" is a prefix. */
int deny_spec_dns(struct deny_spec *s, const char *qname, const char *qtype);
int deny_spec_sni(struct deny_spec *s, const char *sni);
int deny_spec_http(struct deny_spec *s, const char *method, const char *uri);
int deny_spec_coap(struct deny_spec *s, const char *type, const char *code, const char *uri);

/* FNV-1a of bytes as the kernel hashes URIs and paths, and the HTTP
 * method's 16-bit number. */
__u32 deny_path_hash(const char *text);
__u16 deny_method_id(const char *method);

/* Where a method's text is kept for listing, in the strings map. */
#define DENY_METHOD_TEXT_KEY(id) (0x80000000u | (id))
__u32 deny_suffix_hash(const char *suffix);

/* "30s", "10m", "2h" or "none" (0). */
int deny_parse_lease(const char *text, __u64 *ns);

/* Fills a spec from a Flow ID object {"src","dst","proto","sport","dport",
 * "app"}, null meaning any.  Unknown members are refused by name. */
int deny_spec_from_flow_json(struct deny_spec *s, const char *json, const char *where);

/* Installs the rule (both directions) and returns its number (> 0), or
 * -errno having said why; nothing is left half-installed. */
int deny_add(const struct deny_maps *dm, const struct deny_spec *s);

/* Removes rule `id`; -ENOENT when there is none. */
int deny_del(const struct deny_maps *dm, __u32 id);

/* Moves the lease of rule `id` to now + lease_ns.  Returns 0 or -ENOENT. */
int deny_renew(const struct deny_maps *dm, __u32 id, __u64 lease_ns, __u32 owner);

/* Removes every rule and frees every mask. */
int deny_flush(const struct deny_maps *dm);

int deny_print(FILE *out, const struct deny_maps *dm, bool json);

#endif
