// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The small parsers and formatters of the outputs for other tools: the
 * IPFIX collector's address (user/ipfix.c) and the Prometheus label
 * values (user/metrics.c).  The exporters themselves are tested against
 * real collectors (test_ipfix.sh, test_netns_metrics.sh).
 */
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "ipfix.h"
#include "log.h"
#include "metrics.h"

struct check_state check_state = { .suite = "outputs" };

static void test_ipfix_target(void)
{
	static const struct { const char *in, *host, *port; } good[] = {
		{ "collector.example:9995", "collector.example", "9995" },
		{ "10.0.0.1", "10.0.0.1", "4739" },
		{ "[2001:db8::1]:4740", "2001:db8::1", "4740" },
		{ "[2001:db8::1]", "2001:db8::1", "4739" },
		{ "2001:db8::1", "2001:db8::1", "4739" },	/* a bare IPv6 address has no port */
	};
	static const char *const bad[] = { "", "host:", "host:0", "host:65536", "host:port", "[::1", "[::1]x",
					   ":4739" };
	char buf[128];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct ipfix_opts o = {};

		EXPECT(ipfix_parse_target(good[i].in, buf, sizeof(buf), &o) == 0 &&
		       !strcmp(o.host, good[i].host) && !strcmp(o.port, good[i].port),
		       "%s: host %s port %s", good[i].in, o.host ?: "-", o.port ?: "-");
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ipfix_opts o = {};

		EXPECT(ipfix_parse_target(bad[i], buf, sizeof(buf), &o) != 0, "refused: '%s'", bad[i]);
	}
}

static void test_label_escape(void)
{
	char out[64];

	metrics_label_escape("plug-toggle", out, sizeof(out));
	EXPECT(!strcmp(out, "plug-toggle"), "plain: %s", out);
	metrics_label_escape("a\"b\\c\nd", out, sizeof(out));
	EXPECT(!strcmp(out, "a\\\"b\\\\c\\nd"), "quote, backslash, newline: %s", out);
	metrics_label_escape("x\x1b[1my\xc3\xa9", out, sizeof(out));
	EXPECT(!strcmp(out, "x\\\\x1b[1my\\\\xc3\\\\xa9"), "control and non-ASCII bytes as text: %s", out);
	metrics_label_escape("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz", out, 16);
	EXPECT(strlen(out) < 16, "cut to the buffer: %s", out);
}

int main(void)
{
	log_quiet = true;
	freopen("/dev/null", "w", stderr);	/* the refusals' messages */
	RUN(test_ipfix_target);
	RUN(test_label_escape);
	return check_state.cases_failed ? 1 : 0;
}
