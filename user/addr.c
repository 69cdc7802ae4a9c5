// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "addr.h"
#include "log.h"

int addr_parse_ip(const char *text, __u8 out[16], __u8 *family)
{
	__u8 tmp[16] = {};

	if (inet_pton(AF_INET, text, tmp) == 1) {
		memcpy(out, tmp, 16);
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, text, tmp) == 1) {
		memcpy(out, tmp, 16);
		*family = 6;
		return 0;
	}
	return -EINVAL;
}

static int parse_mac(const char *text, __u8 mac[6])
{
	unsigned int b[6];
	char tail;

	if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &tail) != 6 || strlen(text) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

int addr_parse_watch(const char *text, struct iotprof_watch_key *key)
{
	struct iotprof_watch_key k = {};
	__u8 family;

	if (addr_parse_ip(text, k.addr, &family) == 0)
		k.kind = family == 4 ? IOTPROF_WATCH_IPV4 : IOTPROF_WATCH_IPV6;
	else if (parse_mac(text, k.addr) == 0)
		k.kind = IOTPROF_WATCH_MAC;
	else
		return -EINVAL;
	*key = k;
	return 0;
}

int addr_parse_watch_list(const char *option, char *list, struct iotprof_watch_key *keys,
			  size_t max, size_t *n, bool *all)
{
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		if (all && !strcmp(tok, "all")) {
			*all = true;
			continue;
		}
		if (*n == max) {
			pr_warn("%s: more than %zu addresses", option, max);
			return -EINVAL;
		}
		if (addr_parse_watch(tok, &keys[*n])) {
			pr_warn("%s: '%s' is not an IPv4, IPv6 or MAC address", option, tok);
			return -EINVAL;
		}
		(*n)++;
	}
	return 0;
}

const char *addr_format(const __u8 addr[16], __u8 family, char buf[ADDR_STR_MAX])
{
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, ADDR_STR_MAX))
		snprintf(buf, ADDR_STR_MAX, "?");
	return buf;
}

const char *addr_format_watch(const struct iotprof_watch_key *key, char buf[ADDR_STR_MAX])
{
	const __u8 *a = key->addr;

	if (key->kind == IOTPROF_WATCH_MAC) {
		snprintf(buf, ADDR_STR_MAX, "%02x:%02x:%02x:%02x:%02x:%02x",
			 a[0], a[1], a[2], a[3], a[4], a[5]);
		return buf;
	}
	return addr_format(a, key->kind == IOTPROF_WATCH_IPV4 ? 4 : 6, buf);
}
