// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml.h>
#include "events_privacy.h"
#include "events_strtab.h"
#include "log.h"

struct yaml_reader {
	const char *path;
	yaml_document_t doc;
};

static int yerr(const struct yaml_reader *y, const yaml_node_t *n, const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	pr_warn("%s:%zu:%zu: %s", y->path, n ? n->start_mark.line + 1 : 0,
		n ? n->start_mark.column + 1 : 0, msg);
	return -EINVAL;
}

static const char *scalar_of(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int add_rule(struct ev_privacy *p, const char *event, const char *device)
{
	struct ev_privacy_rule *v = realloc(p->v, (p->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	p->v = v;
	v[p->n].event = strdup(event);
	v[p->n].device = device ? strdup(device) : NULL;
	if (!v[p->n].event || (device && !v[p->n].device)) {
		free(v[p->n].event);
		free(v[p->n].device);
		return -ENOMEM;
	}
	p->n++;
	return 0;
}

/* A list of event names (or one name) for device (NULL: any). */
static int read_events(struct yaml_reader *y, yaml_node_t *n, const char *device,
		       struct ev_privacy *p)
{
	const char *s = scalar_of(n);
	yaml_node_item_t *it;
	int err;

	if (s) {
		if (!ev_token_ok(s))
			return yerr(y, n, "'%s' is not an event name (one word)", s);
		return add_rule(p, s, device);
	}
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return yerr(y, n, "expected a list of event names%s", "");
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(&y->doc, *it);

		s = scalar_of(e);
		if (!s || !ev_token_ok(s))
			return yerr(y, e, "expected an event name (one word)%s", "");
		err = add_rule(p, s, device);
		if (err)
			return err;
	}
	return 0;
}

static int read_root(struct yaml_reader *y, yaml_node_t *root, struct ev_privacy *p)
{
	yaml_node_pair_t *pair;
	int err = 0;

	if (!root || root->type != YAML_MAPPING_NODE)
		return yerr(y, root, "expected a mapping with 'events', 'devices' and 'command'%s", "");
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top && !err; pair++) {
		yaml_node_t *k = yaml_document_get_node(&y->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&y->doc, pair->value);
		const char *key = scalar_of(k);

		if (key && !strcmp(key, "events")) {
			err = read_events(y, v, NULL, p);
		} else if (key && !strcmp(key, "command")) {
			const char *c = scalar_of(v);

			if (!c || !*c)
				return yerr(y, v, "'command' is a shell command line%s", "");
			free(p->command);
			p->command = strdup(c);
			if (!p->command)
				return -ENOMEM;
		} else if (key && !strcmp(key, "devices")) {
			yaml_node_pair_t *d;

			if (!v || v->type != YAML_MAPPING_NODE)
				return yerr(y, v, "'devices' maps a device to its event names%s", "");
			for (d = v->data.mapping.pairs.start; d < v->data.mapping.pairs.top && !err; d++) {
				yaml_node_t *dk = yaml_document_get_node(&y->doc, d->key);
				const char *dev = scalar_of(dk);

				if (!dev || !ev_token_ok(dev))
					return yerr(y, dk, "expected a device name or address%s", "");
				err = read_events(y, yaml_document_get_node(&y->doc, d->value), dev, p);
			}
		} else {
			return yerr(y, k, "unknown key '%s' (events, devices, command)", key ? key : "?");
		}
	}
	return err;
}

int ev_privacy_read(const char *path, struct ev_privacy *p)
{
	struct yaml_reader y = { .path = path };
	yaml_parser_t parser;
	FILE *f;
	int err;

	memset(p, 0, sizeof(*p));
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		pr_warn("%s: %s", path, strerror(-err));
		return err;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &y.doc)) {
		pr_warn("%s:%zu:%zu: %s", path, parser.problem_mark.line + 1,
			parser.problem_mark.column + 1, parser.problem ? parser.problem : "bad YAML");
		yaml_parser_delete(&parser);
		fclose(f);
		return -EINVAL;
	}
	err = read_root(&y, yaml_document_get_root_node(&y.doc), p);
	if (!err && !p->n)
		err = yerr(&y, yaml_document_get_root_node(&y.doc), "no privacy events: give 'events' or 'devices'%s", "");
	yaml_document_delete(&y.doc);
	yaml_parser_delete(&parser);
	fclose(f);
	if (err)
		ev_privacy_free(p);
	return err;
}

void ev_privacy_free(struct ev_privacy *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].event);
		free(p->v[i].device);
	}
	free(p->v);
	free(p->command);
	memset(p, 0, sizeof(*p));
}

bool ev_privacy_match(const struct ev_privacy *p, const char *event, const char *device)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].event, event) && (!p->v[i].device || !strcmp(p->v[i].device, device)))
			return true;
	return false;
}

int ev_privacy_alert(const struct ev_privacy *p, const char *event, const char *device,
		     __u64 t_ns)
{
	char when[32];
	pid_t pid;
	int status;

	snprintf(when, sizeof(when), "%llu.%06llu", (unsigned long long)(t_ns / 1000000000ull),
		 (unsigned long long)(t_ns % 1000000000ull / 1000));
	pr_warn("ALERT: privacy event '%s' on %s at %s", event, device, when);
	if (!p->command)
		return 0;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setenv("IOTPROF_EVENT", event, 1);
		setenv("IOTPROF_DEVICE", device, 1);
		setenv("IOTPROF_TIME", when, 1);
		execl("/bin/sh", "sh", "-c", p->command, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status)) {
		pr_warn("alert command exited with status %d", WEXITSTATUS(status));
		return WEXITSTATUS(status);
	}
	return 0;
}
