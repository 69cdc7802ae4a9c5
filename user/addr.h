/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Addresses as the ABI stores them (16 bytes, IPv4 in the first 4). */
#ifndef IOTPROF_ADDR_H
#define IOTPROF_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include "iotprof_abi.h"

#define ADDR_STR_MAX 46		/* INET6_ADDRSTRLEN */

/* "192.0.2.1", "2001:db8::1" or "02:00:00:00:00:01" -> a watch key.
 * Returns 0, or -EINVAL with nothing written. */
int addr_parse_watch(const char *text, struct iotprof_watch_key *key);

/* Parses "ADDR[,ADDR...]" (the form of --watch) onto keys[*n..max).  "all"
 * is not an address: when allow_all, it sets *all instead.  Says which
 * token is wrong, naming the option.  Returns 0 or -EINVAL. */
int addr_parse_watch_list(const char *option, char *list, struct iotprof_watch_key *keys,
			  size_t max, size_t *n, bool *all);

/* Parses an IPv4 or IPv6 literal; family is set to 4 or 6. */
int addr_parse_ip(const char *text, __u8 out[16], __u8 *family);

/* Formats an address of the given family (4 or 6) into buf. */
const char *addr_format(const __u8 addr[16], __u8 family, char buf[ADDR_STR_MAX]);

/* Formats a watch key (IP or MAC). */
const char *addr_format_watch(const struct iotprof_watch_key *key, char buf[ADDR_STR_MAX]);

#endif
