// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include <time.h>
#include "events_detect.h"

void ev_format_time(__u64 t_ns, char *buf, size_t size)
{
	time_t secs = t_ns / 1000000000ull;
	struct tm tm;
	char date[32];

	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06lluZ", date, (unsigned long long)(t_ns % 1000000000ull / 1000));
}

int ev_detector_init(struct ev_detector *d, const struct ev_signature *sig,
		     enum ev_method method, unsigned k, FILE *out)
{
	memset(d, 0, sizeof(*d));
	d->sig = sig;
	d->k = k ? k : sig->k;
	d->out = out;
	return ev_model_build(&d->model, &sig->ds, method, true);
}

void ev_detector_free(struct ev_detector *d)
{
	ev_model_free(&d->model);
}

int ev_detect(struct ev_detector *d, const char *device, __u64 start_ns, const __s32 *x,
	      __u32 n, const char *truth)
{
	int label = ev_model_predict(&d->model, x, n, d->k);
	const char *name = label >= 0 ? d->sig->ds.labels.v[label] : "unclassified";
	bool event = label >= 0 && strcmp(name, EV_LABEL_OTHER);
	char when[40];

	d->sequences++;
	if (truth) {
		d->known++;
		d->agreed += label >= 0 && !strcmp(truth, name);
	}
	if (!event && !d->all)
		return label;
	d->events += event;
	ev_format_time(start_ns, when, sizeof(when));
	fprintf(d->out, "%s %s %s packets=%u", when, device, name, n);
	if (truth)
		fprintf(d->out, " truth=%s", truth);
	fputc('\n', d->out);
	fflush(d->out);
	if (event && d->privacy && ev_privacy_match(d->privacy, name, device)) {
		d->alerts++;
		ev_privacy_alert(d->privacy, name, device, start_ns);
	}
	return label;
}

int ev_detect_seq_fn(void *detector, const struct ev_seq *s)
{
	struct ev_detector *d = detector;

	ev_detect(d, d->device_names[s->device], s->start_ns, s->x, s->n, NULL);
	return 0;
}
