// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iotprof metrics: Prometheus metrics, printed, written to a file for
 * node_exporter's textfile collector, or served over HTTP (libmicrohttpd). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>
#include "commands.h"
#include "flows_follow.h"
#include "log.h"
#include "metrics.h"
#include "results.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static void usage(FILE *out)
{
	fprintf(out,
"usage: iotprof metrics [--campaign DIR]... [--out FILE | --listen ADDR:PORT]\n"
"\n"
"Prints the state of the loaded iotprof in Prometheus' text format: the\n"
"kernel counters (packets, flows, evictions, ...), the packets and bytes of\n"
"the flow table and of each watched host, the deny rules' hits, and the\n"
"progress of campaigns (docs/METRICS.md).\n"
"\n"
"  --campaign DIR     a campaign directory to report on (repeatable)\n"
"  --out FILE         write FILE atomically (node_exporter's textfile\n"
"                     collector reads *.prom files from its directory)\n"
"  --listen ADDR:PORT serve GET /metrics until Ctrl-C ([IPv6]:PORT too)\n");
}

static int parse_listen(const char *text, struct sockaddr_storage *ss)
{
	char buf[128], *colon, *host = buf, *end;
	unsigned long port;

	if (strlen(text) >= sizeof(buf))
		goto bad;
	strcpy(buf, text);
	colon = strrchr(buf, ':');
	if (!colon)
		goto bad;
	*colon = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end || !colon[1] || !port || port > 65535)
		goto bad;
	if (host[0] == '[' && colon[-1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		colon[-1] = 0;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1)
			return 0;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		if (inet_pton(AF_INET, host, &a->sin_addr) == 1)
			return 0;
	}
bad:
	pr_warn("metrics: --listen: '%s' is not ADDR:PORT (an IPv4 address, or [IPv6], and a port)", text);
	return -EINVAL;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_len, void **state)
{
	const struct metrics_opts *o = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned int status = MHD_HTTP_OK;
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		text = strdup("only GET\n");
	} else if (strcmp(url, "/metrics")) {
		status = MHD_HTTP_NOT_FOUND;
		text = strdup("the metrics are at /metrics\n");
	} else if ((m = open_memstream(&text, &len))) {
		if (metrics_write(m, o))
			status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		fclose(m);
	}
	if (!text)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				status == MHD_HTTP_OK ? CONTENT_TYPE : "text/plain; charset=utf-8");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int serve(const struct metrics_opts *o, const char *listen)
{
	static volatile sig_atomic_t stop;
	struct sockaddr_storage ss = {};
	struct MHD_Daemon *d;
	sigset_t set, old;

	if (parse_listen(listen, &ss))
		return 2;
	/* The server's thread must not take the signals: this one waits. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
			     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL, answer, (void *)o,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!d) {
		pr_warn("metrics: cannot listen on %s: %s", listen, strerror(errno));
		return 1;
	}
	follow_catch_signals(&stop);
	pr_info("serving metrics on http://%s/metrics; Ctrl-C ends", listen);
	while (!stop)
		pause();
	MHD_stop_daemon(d);
	return 0;
}

int cmd_metrics(int argc, char **argv, const char *pin_dir)
{
	static const struct option opts[] = {
		{ "campaign", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },
		{ "listen", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct metrics_opts o = { .pin_dir = pin_dir };
	const char *out = NULL, *listen = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *m;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (o.n_campaigns == METRICS_CAMPAIGNS_MAX) {
				pr_warn("metrics: at most %d campaigns", METRICS_CAMPAIGNS_MAX);
				return 2;
			}
			o.campaigns[o.n_campaigns++] = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || (out && listen)) {
		pr_warn("metrics: %s", out && listen ? "--out or --listen, not both" : "unexpected argument");
		usage(stderr);
		return 2;
	}
	if (listen)
		return serve(&o, listen);
	m = open_memstream(&text, &len);
	if (!m)
		return 1;
	err = metrics_write(m, &o);
	fclose(m);
	if (!err && out)
		err = results_write_file(out, text);
	else if (!err && (fputs(text, stdout) < 0 || fflush(stdout)))
		err = -EIO;
	free(text);
	if (err)
		pr_warn("metrics: %s", strerror(-err));
	return err ? 1 : 0;
}
