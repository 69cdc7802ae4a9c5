// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "app_json.h"
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

static void print_json(FILE *out, const char *when, __u64 t_ns, const char *device,
		       const char *name, __u32 n, const char *truth, bool alert)
{
	struct json_object *o = json_object_new_object();
	char ns[24];

	snprintf(ns, sizeof(ns), "%" PRIu64, (uint64_t)t_ns);
	json_object_object_add(o, "v", json_object_new_int(1));
	json_object_object_add(o, "time", json_object_new_string(when));
	json_object_object_add(o, "time_ns", json_object_new_string(ns));
	json_object_object_add(o, "device", json_kernel_string(device, strlen(device)));
	json_object_object_add(o, "event", json_kernel_string(name, strlen(name)));
	json_object_object_add(o, "packets", json_object_new_int64(n));
	if (truth)
		json_object_object_add(o, "truth", json_kernel_string(truth, strlen(truth)));
	json_object_object_add(o, "alert", json_object_new_boolean(alert));
	fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int ev_detect(struct ev_detector *d, const char *device, __u64 start_ns, const __s32 *x,
	      __u32 n, const char *truth)
{
	int label = ev_model_predict(&d->model, x, n, d->k);
	const char *name = label >= 0 ? d->sig->ds.labels.v[label] : "unclassified";
	bool event = label >= 0 && strcmp(name, EV_LABEL_OTHER), alert;
	char when[40];

	d->sequences++;
	if (truth) {
		d->known++;
		d->agreed += label >= 0 && !strcmp(truth, name);
	}
	if (!event && !d->all)
		return label;
	d->events += event;
	alert = event && d->privacy && ev_privacy_match(d->privacy, name, device);
	ev_format_time(start_ns, when, sizeof(when));
	if (d->json) {
		print_json(d->out, when, start_ns, device, name, n, truth, alert);
	} else {
		fprintf(d->out, "%s %s %s packets=%u", when, device, name, n);
		if (truth)
			fprintf(d->out, " truth=%s", truth);
		fputc('\n', d->out);
	}
	fflush(d->out);
	if (alert) {
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
