// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A device's events, exactly as docs/SIMHOME.md says: the extras, then the
 * needs in order (alternatives in order, communications in order, the
 * first failure ends an alternative, the first unmet need ends the event),
 * then the noise.  Each communication is performed by the process of the
 * host it comes from.
 *
 * Noise: each noise communication happens with its probability, but never
 * in `noise_window` runs in a row (the campaign's m, given at `simhome up`):
 * so it is never in all m iterations of one node, and never in a
 * signature.  The count of runs in a row is kept in the run directory, so a
 * boot (the process starting again) does not forget it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include "simhome.h"

static void run_path(const struct sim *sim, const char *what, char *out, size_t len)
{
	snprintf(out, len, "%s/%s-%s", sim->run_dir, what, sim->spec.devices[sim->device].name);
}

/* In-a-row counts of the noise communications, by comm id. */
static void noise_load(const struct sim *sim, int *runs)
{
	char path[1200], line[128];
	FILE *f;

	run_path(sim, "noise", path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int id, n;

		if (sscanf(line, "%d %d", &id, &n) == 2 && id >= 0 && id < sim->spec.n_comms)
			runs[id] = n;
	}
	fclose(f);
}

static void noise_save(const struct sim *sim, const int *runs)
{
	char path[1200], tmp[1300];
	FILE *f;

	run_path(sim, "noise", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	for (int i = 0; i < sim->spec.n_comms; i++)
		if (runs[i])
			fprintf(f, "%d %d\n", i, runs[i]);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static double uniform(void)
{
	unsigned int r;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (unsigned)rand();
	return r / 4294967296.0;
}

static bool is_device(const struct sim *sim, const struct endpoint *e)
{
	const struct home_spec *s = &sim->spec;

	return !strcmp(spec_endpoint_addr(s, sim->device, e), s->devices[sim->device].ip);
}

static bool perform(struct sim *sim, const struct comm *c, const struct int_list *plan, char *why, size_t len)
{
	const char *src = spec_endpoint_addr(&sim->spec, c->device, &c->from);
	char id[96], req[1024], reply[1024];
	size_t o;
	double wait;

	sim_host_id(&sim->spec, src, id, sizeof(id));
	if (!strcmp(id, sim->host_id))
		return comm_run(sim, c, plan, why, len);
	o = snprintf(req, sizeof(req), "comm %d ", c->id);
	for (int i = 0; plan && i < plan->n && o < sizeof(req) - 16; i++)
		o += snprintf(req + o, sizeof(req) - o, "%s%d", i ? "," : "", plan->v[i]);
	if (!plan || !plan->n)
		snprintf(req + o, sizeof(req) - o, "-");
	wait = (c->n_resolvers + 1) * c->timeout + 10;
	if (ctl_ask(sim->run_dir, id, req, reply, sizeof(reply), wait)) {
		snprintf(why, len, "the %s process does not answer", id);
		return false;
	}
	if (!strncmp(reply, "ok", 2))
		return true;
	snprintf(why, len, "%.*s", (int)len - 1, reply[0] == 'f' && strlen(reply) > 5 ? reply + 5 : reply);
	return false;
}

#define SIZES_MAX 64	/* payloads of one exchange that padding follows */

/* The sizes of the next exchange of the device over TCP or TLS, each
 * payload with 0..padding random bytes more when the event pads. */
static const struct int_list *next_plan(struct sim *sim, const struct event *e, const struct comm *c, int *k,
					struct int_list *padded)
{
	const struct int_list *plan;

	if ((c->proto != PROTO_TCP && c->proto != PROTO_TLS) ||
	    (!is_device(sim, &c->from) && !is_device(sim, &c->to)) || *k >= e->n_sizes)
		return NULL;
	plan = &e->sizes[(*k)++];
	if (!e->padding)
		return plan;
	padded->n = 0;
	for (int i = 0; i < plan->n && i < SIZES_MAX; i++) {
		int extra = (int)(uniform() * (e->padding + 1));

		padded->v[padded->n++] = plan->v[i] + (plan->v[i] > 0 ? extra : -extra);
	}
	return padded;
}

static void state_write(const struct sim *sim, const char *event, bool ok, const char *why)
{
	char path[1200], tmp[1300], line[256];
	long seq = 0;
	FILE *f;

	run_path(sim, "state", path, sizeof(path));
	if ((f = fopen(path, "r"))) {
		if (fgets(line, sizeof(line), f))
			seq = strtol(line, NULL, 10);
		fclose(f);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!(f = fopen(tmp, "w")))
		return;
	fprintf(f, "%ld\t%s\t%s\t%s\n", seq + 1, ok ? "ok" : "failed", event, why);
	if (fclose(f) == 0)
		rename(tmp, path);
}

bool event_run(struct sim *sim, int ev, char *why, size_t len)
{
	const struct event *e = &sim->spec.devices[sim->device].events[ev];
	char scratch[512];
	int k = 0, *runs, padded_v[SIZES_MAX];
	struct int_list padded = { .v = padded_v };
	bool ok = true;

	runs = calloc(sim->spec.n_comms ? sim->spec.n_comms : 1, sizeof(*runs));
	if (!runs) {
		snprintf(why, len, "out of memory");
		return false;
	}
	pthread_mutex_lock(&sim->event_lock);
	why[0] = 0;
	for (int i = 0; i < e->extras.n; i++)
		perform(sim, &sim->spec.comms[e->extras.v[i]], NULL, scratch, sizeof(scratch));
	for (int n = 0; n < e->n_needs && ok; n++) {
		bool met = false;

		for (int a = 0; a < e->needs[n].n_alts && !met; a++) {
			const struct int_list *alt = &e->needs[n].alts[a];

			met = true;
			for (int i = 0; i < alt->n && met; i++) {
				const struct comm *c = &sim->spec.comms[alt->v[i]];

				met = perform(sim, c, next_plan(sim, e, c, &k, &padded), scratch, sizeof(scratch));
			}
		}
		if (!met) {
			ok = false;
			snprintf(why, len, "need %d: %s", n + 1, scratch);
		}
	}
	noise_load(sim, runs);
	for (int i = 0; i < e->noise.n; i++) {
		const struct comm *c = &sim->spec.comms[e->noise.v[i]];
		bool happens = uniform() < c->probability && runs[c->id] + 1 < sim->noise_window;

		runs[c->id] = happens ? runs[c->id] + 1 : 0;
		if (happens)
			perform(sim, c, NULL, scratch, sizeof(scratch));
	}
	noise_save(sim, runs);
	state_write(sim, e->name, ok, why);
	pthread_mutex_unlock(&sim->event_lock);
	free(runs);
	return ok;
}
