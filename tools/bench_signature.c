// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_signature: the cost of an event signature (DESIGN.md Job 1 step 3)
 * at scale: N traces of R flow records each.  Each trace shares most of its
 * flows with the others, with ephemeral source ports, plus flows of its
 * own (noise).  Prints one Markdown table row: traces, records, seconds,
 * peak memory (max RSS), and the signature's size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "flowid.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int n_traces = argc > 1 ? atoi(argv[1]) : 20, records = argc > 2 ? atoi(argv[2]) : 10000;
	struct flowid_set *traces = calloc(n_traces, sizeof(*traces)), sig = {};
	struct well_known wk = { .n = 2, .v = { { 53, "" }, { 443, "" } } };
	struct rusage ru;
	double t0, t1;

	if (!traces || n_traces < 1 || records < 1)
		return 2;
	srand(1);
	for (int t = 0; t < n_traces; t++) {
		for (int r = 0; r < records; r++) {
			struct flowid f = { .proto = "tcp" };
			/* 90 % of the flows recur in every trace; the rest are this trace's. */
			int id = r < records * 9 / 10 ? r : records + t * records + r;

			snprintf(f.src, sizeof(f.src), "10.0.%d.%d", id / 250 % 250, id % 250 + 1);
			snprintf(f.dst, sizeof(f.dst), "host-%d.cloud.example", id);
			f.sport = 32768 + rand() % 28000;
			f.dport = id % 3 ? 443 : 8000 + id % 1000;
			if (id % 7 == 0) {
				f.app_kind = IOTPROF_APP_DNS;
				snprintf(f.app_a, sizeof(f.app_a), "name-%d.example", id);
				snprintf(f.app_b, sizeof(f.app_b), "A");
			}
			if (flowid_set_add(&traces[t], &f))
				return 1;
		}
	}
	t0 = now();
	if (flowid_signature(traces, n_traces, &wk, &sig))
		return 1;
	t1 = now();
	getrusage(RUSAGE_SELF, &ru);
	printf("| %d | %d | %.3f | %.1f MiB | %zu |\n", n_traces, records, t1 - t0, ru.ru_maxrss / 1024.0, sig.n);
	for (int t = 0; t < n_traces; t++)
		flowid_set_free(&traces[t]);
	free(traces);
	flowid_set_free(&sig);
	return 0;
}
