// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "attach.h"
#include "build_info.h"
#include "conf.h"
#include "deny.h"
#include "log.h"
#include "results.h"
#include "state.h"

#define STR_(x) #x
#define STR(x) STR_(x)

const char *conf_default_path(void)
{
	const char *env = getenv("IOTPROF_CONFIG");

	if (env)
		return *env && strcmp(env, "none") ? env : NULL;
	return IOTPROF_SYSCONFDIR "/iotprof/iotprof.conf";
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = 0;
	return s;
}

static int parse_interfaces(struct iotprof_conf *c, char *value)
{
	for (char *tok = strtok(value, " \t,"); tok; tok = strtok(NULL, " \t,")) {
		if (c->n_interfaces == CONF_IFACES_MAX || strlen(tok) >= IF_NAMESIZE)
			return -EINVAL;
		strcpy(c->interfaces[c->n_interfaces++], tok);
	}
	return c->n_interfaces ? 0 : -EINVAL;
}

static int parse_watch(struct iotprof_conf *c, char *value)
{
	c->watch_given = true;
	for (char *tok = strtok(value, " \t,"); tok; tok = strtok(NULL, " \t,")) {
		if (!strcmp(tok, "all")) {
			c->watch_all = true;
		} else if (c->n_watch == IOTPROF_WATCH_ENTRIES || addr_parse_watch(tok, &c->watch[c->n_watch])) {
			return -EINVAL;
		} else {
			c->n_watch++;
		}
	}
	return 0;
}

/* NULL, or why the value is wrong. */
static const char *parse_value(struct iotprof_conf *c, const char *key, char *value)
{
	unsigned long n;
	char *end;

	if (!strcmp(key, "interfaces"))
		return parse_interfaces(c, value) ? "interface names, separated by spaces or commas" : NULL;
	if (!strcmp(key, "watch"))
		return parse_watch(c, value) ? "IPv4, IPv6 or MAC addresses, or 'all'" : NULL;
	if (!strcmp(key, "pin-dir") || !strcmp(key, "state-file")) {
		char *dst = key[0] == 'p' ? c->pin_dir : c->state_file;

		if (value[0] != '/' || strlen(value) >= PATH_MAX)
			return "an absolute path";
		strcpy(dst, value);
		return NULL;
	}
	if (!strcmp(key, "flows")) {
		errno = 0;
		n = strtoul(value, &end, 10);
		if (errno || *end || n < IOTPROF_FLOWS_MIN || n > IOTPROF_FLOWS_MAX)
			return "a number from " STR(IOTPROF_FLOWS_MIN) " to 4194304";
		c->flows = n;
		return NULL;
	}
	if (!strcmp(key, "mode")) {
		c->mode = !strcmp(value, "native") ? ATTACH_NATIVE_ONLY :
			  !strcmp(value, "generic") ? ATTACH_GENERIC_ONLY :
			  !strcmp(value, "auto") ? ATTACH_NATIVE_OR_GENERIC : -1;
		return c->mode < 0 ? "native, generic or auto" : NULL;
	}
	/* "lease" */
	c->lease_given = true;
	return deny_parse_lease(value, &c->lease_ns) ? "a duration like 30s, 10m, 2h, or 'none'" : NULL;
}

int conf_read(const char *path, bool must_exist, struct iotprof_conf *c)
{
	static const char *const keys[] = { "interfaces", "watch", "pin-dir", "state-file", "flows",
					    "mode", "lease" };
	bool seen[sizeof(keys) / sizeof(keys[0])] = {};
	char *line = NULL, *key, *value, *eq;
	const char *why = NULL;
	size_t cap = 0;
	int lineno = 0, err = 0;
	FILE *f;

	memset(c, 0, sizeof(*c));
	c->mode = -1;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(c->state_file, sizeof(c->state_file), "%s/watch", IOTPROF_STATEDIR);
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		if (err != -ENOENT || must_exist)
			pr_warn("%s: %s", path, strerror(-err));
		return err;
	}
	while (!err && getline(&line, &cap, f) > 0) {
		size_t k;

		lineno++;
		if (strchr(line, '#'))
			*strchr(line, '#') = 0;
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			pr_warn("%s:%d: expected 'key = value', got '%s'", path, lineno, key);
			err = -EINVAL;
			break;
		}
		*eq = 0;
		key = trim(key);
		value = trim(eq + 1);
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]) && strcmp(key, keys[k]); k++)
			;
		if (k == sizeof(keys) / sizeof(keys[0])) {
			pr_warn("%s:%d: unknown key '%s' (known: interfaces, watch, pin-dir, state-file, flows, mode, lease)",
				path, lineno, key);
			err = -EINVAL;
		} else if (seen[k]) {
			pr_warn("%s:%d: '%s' given twice", path, lineno, key);
			err = -EINVAL;
		} else {
			char *text = strdup(value);	/* the parsers cut their copy */

			if (!text || !*value || (why = parse_value(c, key, text))) {
				pr_warn("%s:%d: %s: '%s' is not %s", path, lineno, key, value,
					*value ? why : "a value");
				err = -EINVAL;
			}
			free(text);
		}
		if (k < sizeof(keys) / sizeof(keys[0]))
			seen[k] = true;
	}
	free(line);
	fclose(f);
	return err;
}

int conf_cli_defaults(const char **pin_dir, __u64 *lease_ns)
{
	static struct iotprof_conf c;
	static int state = 1;	/* 1 unread, 0 read, <0 error */
	const char *path = conf_default_path();

	if (state == 1) {
		state = path ? conf_read(path, false, &c) : -ENOENT;
		if (state == -ENOENT)
			memset(&c, 0, sizeof(c));
		state = state == -ENOENT ? 0 : state;
	}
	if (state)
		return state;
	if (pin_dir)
		*pin_dir = c.pin_dir[0] ? c.pin_dir : IOTPROF_PIN_DIR_DEFAULT;
	if (lease_ns)
		*lease_ns = c.lease_given ? c.lease_ns : DENY_LEASE_DEFAULT_S * 1000000000ull;
	return 0;
}

int conf_watch_save(const char *path, int watch_fd, int settings_fd)
{
	struct iotprof_watch_key k, next;
	struct iotprof_config cfg;
	char buf[ADDR_STR_MAX], *text = NULL;
	size_t len = 0;
	void *prev = NULL;
	FILE *m = open_memstream(&text, &len);
	int err;

	if (!m)
		return -ENOMEM;
	fprintf(m, "# The watch list saved by iotprof-load; loaded again on its next start.\n");
	if (!settings_read(settings_fd, &cfg) && (cfg.flags & IOTPROF_CFG_WATCH_ALL))
		fprintf(m, "all\n");
	while (bpf_map_get_next_key(watch_fd, prev, &next) == 0) {
		fprintf(m, "%s\n", addr_format_watch(&next, buf));
		k = next;
		prev = &k;
	}
	if (fclose(m))
		return -ENOMEM;
	err = results_write_file(path, text);
	free(text);
	return err;
}

int conf_watch_load(const char *path, struct iotprof_watch_key *keys, size_t max, size_t *n,
		    bool *all)
{
	char *line = NULL, *t;
	size_t cap = 0;
	int lineno = 0, err = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		if (errno == ENOENT)
			return 0;
		err = -errno;
		pr_warn("%s: %s", path, strerror(errno));
		return err;
	}
	while (!err && getline(&line, &cap, f) > 0) {
		lineno++;
		if (strchr(line, '#'))
			*strchr(line, '#') = 0;
		t = trim(line);
		if (!*t)
			continue;
		if (!strcmp(t, "all")) {
			*all = true;
		} else if (*n >= max || addr_parse_watch(t, &keys[*n])) {
			pr_warn("%s:%d: '%s' is not an IPv4, IPv6 or MAC address%s", path, lineno, t,
				*n >= max ? " (or the list is full)" : "");
			err = -EINVAL;
		} else {
			(*n)++;
		}
	}
	free(line);
	fclose(f);
	return err;
}
