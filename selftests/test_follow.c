// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Following the flow table (user/follow.c): a sequence of polls played by
 * hand, each with the events it must give, and the JSON line of an event
 * (user/flows_follow.c).  The live stream is tested in
 * test_netns_follow.sh.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "flows_follow.h"
#include "follow.h"
#include "log.h"

struct check_state check_state = { .suite = "follow" };

#define S 10000000ull

struct seen {
	char text[2048];
	size_t n;
	__u64 reported_packets;	/* of the last event that had a base */
};

static int record(void *ctx, enum follow_event ev, enum follow_end_reason why,
		  const struct flow_entry *e, const struct iotprof_flow *reported)
{
	struct seen *s = ctx;

	s->n += snprintf(s->text + s->n, sizeof(s->text) - s->n, "%s%s%s:%u ", follow_event_name(ev),
			 why ? "/" : "", follow_end_reason_name(why), e->key.port_lo);
	if (reported)
		s->reported_packets = reported->packets[0] + reported->packets[1];
	return 0;
}

/* A record told apart by port_lo. */
static struct flow_entry flow(__u16 port, __u8 proto, __u64 packets, __u64 last_s)
{
	struct flow_entry e = {};

	e.key.family = 4;
	e.key.proto = proto;
	e.key.addr_lo[0] = 10;
	e.key.addr_hi[0] = 10;
	e.key.addr_hi[3] = 1;
	e.key.port_lo = port;
	e.key.port_hi = 80;
	e.val.packets[0] = packets;
	e.val.bytes[0] = packets * 100;
	e.val.first_ns = 1 * S;
	e.val.last_ns = last_s * S;
	return e;
}

/* One poll of the records given; returns the events as text. */
static const char *poll_once(struct follow *f, __u64 now_s, struct seen *s, int n, ...)
{
	struct flow_table t = { .v = calloc(n ? n : 1, sizeof(struct flow_entry)), .n = n, .cap = n };
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		t.v[i] = va_arg(ap, struct flow_entry);
	va_end(ap);
	s->n = 0;
	s->text[0] = 0;
	EXPECT(follow_update(f, &t, now_s * S, record, s) == 0, "follow_update");
	flows_free(&t);
	return s->text;
}

#define POLL(f, now, s, want, ...) do { \
	const char *got_ = poll_once(f, now, s, __VA_ARGS__); \
	EXPECT(!strcmp(got_, want), "at %us: got '%s', expected '%s'", (unsigned)(now), got_, want); \
} while (0)

static void test_new_app_end(void)
{
	struct follow *f = follow_new(10 * S);
	struct seen s = {};
	struct flow_entry a = flow(10, 17, 1, 1), b = flow(20, 6, 3, 1);

	POLL(f, 1, &s, "new:10 ", 1, a);
	POLL(f, 2, &s, "", 1, a);	/* unchanged: nothing */
	a.val.app.kind = IOTPROF_APP_DNS;
	strcpy(a.val.app.dns.qname, "plug.example");
	a.val.packets[1] = 1;
	a.val.last_ns = 2 * S;
	b.val.tcp_flags[0] = b.val.tcp_flags[1] = 0x11;	/* FIN|ACK both ways */
	POLL(f, 3, &s, "app:10 new:20 ", 2, a, b);
	/* The FIN'd connection ends once a poll shows it quiet. */
	POLL(f, 4, &s, "end/fin:20 ", 2, a, b);
	/* The DNS exchange ends when idle for 10 s (last packet at 2 s). */
	POLL(f, 11, &s, "", 2, a, b);
	POLL(f, 12, &s, "end/idle:10 ", 2, a, b);
	/* Ended records stay quiet, also when the map drops them. */
	POLL(f, 13, &s, "", 1, b);
	POLL(f, 14, &s, "", 0);
	follow_free(f);
}

static void test_rst_eviction_epoch(void)
{
	struct follow *f = follow_new(0);	/* no idle end */
	struct seen s = {};
	struct flow_entry c = flow(30, 6, 2, 1), d = flow(40, 17, 5, 1), r = flow(50, 6, 1, 1);

	r.val.tcp_flags[1] = 0x04;	/* RST from the responder */
	POLL(f, 1, &s, "new:30 new:40 new:50 ", 3, c, d, r);
	POLL(f, 10, &s, "end/fin:50 ", 3, c, d, r);	/* idle 0: 30 and 40 live on */
	/* 30 is gone from the map: evicted. */
	d.val.epoch = 1;
	d.val.packets[0] = 1;
	POLL(f, 1001, &s, "end/epoch:40 new:40 end/evicted:30 ", 2, d, r);
	EXPECT(follow_finish(f, record, &s) == 0, "finish");
	follow_free(f);
}

static void test_wake_up_after_idle(void)
{
	struct follow *f = follow_new(5 * S);
	struct seen s = {};
	struct flow_entry a = flow(60, 17, 4, 1);

	POLL(f, 1, &s, "new:60 ", 1, a);
	POLL(f, 7, &s, "end/idle:60 ", 1, a);
	a.val.packets[0] = 6;	/* two more packets: a new flow of the same record */
	a.val.last_ns = 8 * S;
	s.reported_packets = 0;
	POLL(f, 8, &s, "new:60 ", 1, a);
	EXPECT_EQ(s.reported_packets, 4, "counters reported at the earlier end");
	s.n = 0;
	EXPECT(follow_finish(f, record, &s) == 0 && !strcmp(s.text, "end/exit:60 "), "finish: %s", s.text);
	follow_free(f);
}

static void test_event_json(void)
{
	struct output_ctx ctx = { .clock_offset_ns = 17000000ull * S, .name_strings_fd = -1 };
	struct flow_entry a = flow(70, 17, 1, 2);
	struct json_object *o = follow_event_json(FOLLOW_END, FOLLOW_END_IDLE, &a, &ctx);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	const char *head = "{\"v\":1,\"event\":\"end\",\"reason\":\"idle\",\"proto\":\"udp\",";

	EXPECT(!strncmp(text, head, strlen(head)), "head: %s", text);
	EXPECT(strstr(text, "\"first_ns\":\"170000010000000\",\"last_ns\":\"170000020000000\""),
	       "times as strings: %s", text);
	EXPECT(!strstr(text + 5, "\"v\":"), "one v: %s", text);
	json_object_put(o);
	o = follow_event_json(FOLLOW_NEW, FOLLOW_END_NONE, &a, &ctx);
	EXPECT(!strstr(json_object_to_json_string(o), "reason"), "no reason on new");
	json_object_put(o);
}

int main(void)
{
	log_quiet = true;
	RUN(test_new_app_end);
	RUN(test_rst_eviction_epoch);
	RUN(test_wake_up_after_idle);
	RUN(test_event_json);
	return check_state.cases_failed ? 1 : 0;
}
