// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "flows_follow.h"
#include "log.h"
#include "pins.h"

static volatile sig_atomic_t *stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	if (stop_flag)
		*stop_flag = 1;
}

void follow_catch_signals(volatile sig_atomic_t *flag)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART: wake the sleep */

	stop_flag = flag;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

__u64 follow_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

struct json_object *follow_event_json(enum follow_event ev, enum follow_end_reason why,
				      const struct flow_entry *e, const struct output_ctx *ctx)
{
	struct json_object *rec = flow_to_json(e, ctx), *o = json_object_new_object();

	json_object_object_add(o, "v", json_object_new_int(OUTPUT_JSON_VERSION));
	json_object_object_add(o, "event", json_object_new_string(follow_event_name(ev)));
	if (ev == FOLLOW_END)
		json_object_object_add(o, "reason", json_object_new_string(follow_end_reason_name(why)));
	json_object_object_foreach(rec, k, v)
		if (strcmp(k, "v"))
			json_object_object_add(o, k, json_object_get(v));
	json_object_put(rec);
	return o;
}

struct printer {
	FILE *out;
	const struct output_ctx *ctx;
	const struct flows_follow_opts *o;
};

static int print_event(void *data, enum follow_event ev, enum follow_end_reason why,
		       const struct flow_entry *e, const struct iotprof_flow *reported)
{
	struct printer *p = data;
	struct json_object *o;

	(void)reported;
	if (p->o->has_epoch && e->val.epoch != p->o->epoch)
		return 0;
	o = follow_event_json(ev, why, e, p->ctx);
	fprintf(p->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return ferror(p->out) ? -EPIPE : 0;
}

static void sleep_ns(__u64 ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ull, .tv_nsec = ns % 1000000000ull };

	nanosleep(&ts, NULL);	/* a signal ends it early: that is the point */
}

int flows_follow(FILE *out, const struct flows_follow_opts *o)
{
	static volatile sig_atomic_t stop;
	struct output_ctx ctx = { .clock_offset_ns = clock_monotonic_to_unix_offset() };
	struct printer p = { .out = out, .ctx = &ctx, .o = o };
	struct follow *f = follow_new(o->idle_ns);
	int fd, err = 0;

	if (!f)
		return -ENOMEM;
	fd = pins_open_map(o->pin_dir, IOTPROF_MAP_FLOWS, true);
	if (fd < 0) {
		follow_free(f);
		return fd;
	}
	ctx.name_strings_fd = pins_open_map(o->pin_dir, IOTPROF_MAP_NAME_STRINGS, false);
	follow_catch_signals(&stop);
	while (!stop && !err) {
		struct flow_table t = {};

		err = flows_read_map(fd, &t);
		if (!err)
			err = follow_update(f, &t, follow_now_ns(), print_event, &p);
		flows_free(&t);
		if (!err && fflush(out))
			err = -EPIPE;
		if (!err && !stop)
			sleep_ns(o->interval_ns);
	}
	if (err == -EPIPE)	/* the reader went away: that ends a stream */
		err = 0;
	else if (err)
		pr_warn("flows --follow: %s", strerror(-err));
	if (ctx.name_strings_fd >= 0)
		close(ctx.name_strings_fd);
	close(fd);
	follow_free(f);
	return err;
}
